package dev.minepool.client.api;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Just enough JSON to read the pool's API, because the client depends on the JDK alone. Numbers are kept as
 * {@link BigDecimal}, never as a double: balances are coins with 8 decimals and must compare exactly. A reader
 * asks for what it expects ({@link #string}, {@link #units}, ...) and gets an {@link ApiException} naming the
 * field when the pool sent something else, so a wrong or hostile answer is one clear sentence, not a
 * ClassCastException.
 */
public final class JsonValue {
    /** Deeper nesting than the pool ever sends is refused, so a hostile answer cannot overflow the stack. */
    private static final int MAX_DEPTH = 32;

    private final Object value; // Map<String, JsonValue>, List<JsonValue>, String, BigDecimal, Boolean, or null
    private final String where;

    private JsonValue(Object value, String where) {
        this.value = value;
        this.where = where;
    }

    /** Parses a whole document; {@code source} names it in errors ("GET /api/pool"). */
    public static JsonValue parse(String text, String source) throws ApiException {
        Parser parser = new Parser(text, source);
        JsonValue value = parser.value(source, 0);
        parser.skipSpace();
        if (parser.at != text.length()) {
            throw parser.error("text after the value");
        }
        return value;
    }

    public boolean isNull() {
        return value == null;
    }

    /** The field {@code name} of this object; a JSON null when it is missing. */
    public JsonValue get(String name) throws ApiException {
        Map<String, JsonValue> map = object();
        JsonValue field = map.get(name);
        return field != null ? field : new JsonValue(null, where + "." + name);
    }

    public boolean has(String name) throws ApiException {
        return object().containsKey(name);
    }

    @SuppressWarnings("unchecked")
    public Map<String, JsonValue> object() throws ApiException {
        if (value instanceof Map<?, ?> map) {
            return (Map<String, JsonValue>) map;
        }
        throw wrong("an object");
    }

    @SuppressWarnings("unchecked")
    public List<JsonValue> array() throws ApiException {
        if (value instanceof List<?> list) {
            return (List<JsonValue>) list;
        }
        throw wrong("an array");
    }

    public String string() throws ApiException {
        if (value instanceof String s) {
            return s;
        }
        throw wrong("a string");
    }

    /** The string, or null for a JSON null or a missing field. */
    public String stringOrNull() throws ApiException {
        return value == null ? null : string();
    }

    public BigDecimal number() throws ApiException {
        if (value instanceof BigDecimal d) {
            return d;
        }
        throw wrong("a number");
    }

    public long longValue() throws ApiException {
        try {
            return number().longValueExact();
        } catch (ArithmeticException e) {
            throw wrong("a whole number that fits 64 bits");
        }
    }

    /** Coins (a number with up to 8 decimals) as base units, exactly. */
    public long units() throws ApiException {
        try {
            return number().movePointRight(8).longValueExact();
        } catch (ArithmeticException e) {
            throw wrong("an amount of coins with at most 8 decimals");
        }
    }

    public boolean bool() throws ApiException {
        if (value instanceof Boolean b) {
            return b;
        }
        throw wrong("true or false");
    }

    private ApiException wrong(String expected) {
        String got = value == null ? "nothing" : value instanceof Map ? "an object" : value instanceof List
                ? "an array" : value instanceof String ? "a string" : value instanceof Boolean ? "a boolean"
                : "the number " + value;
        return ApiException.badAnswer(where + " should be " + expected + ", but the pool sent " + got);
    }

    private static final class Parser {
        private final String text;
        private final String source;
        private int at;

        Parser(String text, String source) {
            this.text = text;
            this.source = source;
        }

        ApiException error(String what) {
            return ApiException.badAnswer(source + " is not valid JSON: " + what + " at character " + at);
        }

        void skipSpace() {
            while (at < text.length() && " \t\r\n".indexOf(text.charAt(at)) >= 0) {
                at++;
            }
        }

        JsonValue value(String where, int depth) throws ApiException {
            if (depth > MAX_DEPTH) {
                throw error("nested deeper than " + MAX_DEPTH);
            }
            skipSpace();
            if (at >= text.length()) {
                throw error("the text ends where a value should be");
            }
            char c = text.charAt(at);
            switch (c) {
                case '{' -> {
                    at++;
                    Map<String, JsonValue> map = new LinkedHashMap<>();
                    skipSpace();
                    if (peek('}')) {
                        return new JsonValue(Collections.unmodifiableMap(map), where);
                    }
                    do {
                        skipSpace();
                        String key = string();
                        skipSpace();
                        expect(':');
                        map.put(key, value(where + "." + key, depth + 1));
                        skipSpace();
                    } while (peek(','));
                    expect('}');
                    return new JsonValue(Collections.unmodifiableMap(map), where);
                }
                case '[' -> {
                    at++;
                    List<JsonValue> list = new ArrayList<>();
                    skipSpace();
                    if (peek(']')) {
                        return new JsonValue(List.copyOf(list), where);
                    }
                    do {
                        list.add(value(where + "[" + list.size() + "]", depth + 1));
                        skipSpace();
                    } while (peek(','));
                    expect(']');
                    return new JsonValue(Collections.unmodifiableList(list), where);
                }
                case '"' -> {
                    return new JsonValue(string(), where);
                }
                default -> {
                    if (text.startsWith("true", at)) {
                        at += 4;
                        return new JsonValue(Boolean.TRUE, where);
                    }
                    if (text.startsWith("false", at)) {
                        at += 5;
                        return new JsonValue(Boolean.FALSE, where);
                    }
                    if (text.startsWith("null", at)) {
                        at += 4;
                        return new JsonValue(null, where);
                    }
                    return new JsonValue(number(), where);
                }
            }
        }

        private boolean peek(char c) {
            if (at < text.length() && text.charAt(at) == c) {
                at++;
                return true;
            }
            return false;
        }

        private void expect(char c) throws ApiException {
            if (!peek(c)) {
                throw error("expected '" + c + "'");
            }
        }

        private BigDecimal number() throws ApiException {
            int start = at;
            while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0) {
                at++;
            }
            if (start == at) {
                throw error("unexpected character '" + text.charAt(at) + "'");
            }
            try {
                return new BigDecimal(text.substring(start, at));
            } catch (NumberFormatException e) {
                throw error("a malformed number");
            }
        }

        private String string() throws ApiException {
            expect('"');
            StringBuilder out = new StringBuilder();
            while (true) {
                if (at >= text.length()) {
                    throw error("a string that never ends");
                }
                char c = text.charAt(at++);
                if (c == '"') {
                    return out.toString();
                }
                if (c != '\\') {
                    out.append(c);
                    continue;
                }
                if (at >= text.length()) {
                    throw error("a string that never ends");
                }
                char e = text.charAt(at++);
                switch (e) {
                    case '"', '\\', '/' -> out.append(e);
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case 'u' -> {
                        if (at + 4 > text.length()) {
                            throw error("a short \\u escape");
                        }
                        try {
                            out.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
                        } catch (NumberFormatException ex) {
                            throw error("a bad \\u escape");
                        }
                        at += 4;
                    }
                    default -> throw error("an unknown escape \\" + e);
                }
            }
        }
    }
}
