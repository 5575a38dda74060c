package dev.minepool.browser;

import dev.minepool.client.api.ApiException;
import dev.minepool.client.api.JsonValue;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * JSON for the DevTools protocol. Reading is the pool client's {@link JsonValue}, the one JSON reader the
 * tests' dependencies have; writing is here, because the client writes no JSON documents.
 *
 * <p>Objects are {@code Map<String, Object>} (in document order), arrays {@code List<Object>}, numbers
 * {@code Long} when integral and {@code Double} otherwise, as JavaScript would have them, then {@code String},
 * {@code Boolean} and {@code null}. {@link #write} takes the same types, and any {@code Number}.
 */
final class Json {
    private Json() {
    }

    static Object parse(String text) {
        try {
            return JsonValue.parse(text, "a DevTools message").plain(Json::javaScriptNumber);
        } catch (ApiException e) {
            throw new IllegalArgumentException(e.getMessage() + " in " + abbreviate(text), e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> parseObject(String text) {
        Object value = parse(text);
        if (!(value instanceof Map)) {
            throw new IllegalArgumentException("expected a JSON object, got: " + abbreviate(text));
        }
        return (Map<String, Object>) value;
    }

    /**
     * A number written without a fraction or an exponent, that fits, as a {@code Long}, so that ids and counts
     * compare as the integers they are; any other as the {@code Double} JavaScript had.
     */
    private static Number javaScriptNumber(BigDecimal n) {
        if (n.scale() == 0) {
            try {
                return n.longValueExact();
            } catch (ArithmeticException e) {
                // larger than a long: a double, as JavaScript has it
            }
        }
        return n.doubleValue();
    }

    static String write(Object value) {
        StringBuilder out = new StringBuilder();
        write(value, out);
        return out.toString();
    }

    private static void write(Object value, StringBuilder out) {
        if (value == null || value instanceof Boolean || value instanceof Number) {
            out.append(value);
        } else if (value instanceof CharSequence s) {
            writeString(s, out);
        } else if (value instanceof Map<?, ?> map) {
            out.append('{');
            String separator = "";
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                out.append(separator);
                writeString(String.valueOf(entry.getKey()), out);
                out.append(':');
                write(entry.getValue(), out);
                separator = ",";
            }
            out.append('}');
        } else if (value instanceof List<?> list) {
            out.append('[');
            String separator = "";
            for (Object element : list) {
                out.append(separator);
                write(element, out);
                separator = ",";
            }
            out.append(']');
        } else {
            throw new IllegalArgumentException("not a JSON type: " + value.getClass().getName());
        }
    }

    private static void writeString(CharSequence s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                // U+2028 and U+2029 too: the output is also pasted into JavaScript source as a string literal.
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private static String abbreviate(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "…";
    }
}
