package dev.minepool.server.http;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Reads a request body that must be one JSON object of string members, strictly (RFC 8259, no extensions): UTF-8
 * only, every key one of those expected and given once, every value a string, nothing after the object. Anything
 * else is refused with a sentence that says where; the caller's text is never echoed at length.
 */
final class JsonBody {
    /** A body that is not what was asked for: the sentence says what and where. */
    static final class BadJsonException extends Exception {
        private static final long serialVersionUID = 1L;

        BadJsonException(String message) {
            super(message, null, false, false);
        }
    }

    private final String text;
    private int at;

    private JsonBody(String text) {
        this.text = text;
    }

    /**
     * @param allowed the keys the object may have; each at most once
     * @return key to value, in the order given
     */
    static Map<String, String> object(byte[] body, Set<String> allowed) throws BadJsonException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw new BadJsonException("the body is not valid UTF-8");
        }
        return new JsonBody(text).object(allowed);
    }

    private Map<String, String> object(Set<String> allowed) throws BadJsonException {
        Map<String, String> members = new LinkedHashMap<>();
        space();
        expect('{', "the body must be a JSON object");
        space();
        if (peek() == '}') {
            at++;
        } else {
            while (true) {
                space();
                if (peek() != '"') {
                    throw bad("a key (a string) expected");
                }
                String key = string();
                if (!allowed.contains(key)) {
                    throw new BadJsonException("unknown key \"" + Exchanges.shorten(key) + "\" (expected "
                            + String.join(", ", allowed.stream().map(k -> "\"" + k + "\"").sorted().toList()) + ")");
                }
                if (members.containsKey(key)) {
                    throw new BadJsonException("the key \"" + key + "\" is given twice");
                }
                space();
                expect(':', "':' expected after a key");
                space();
                if (peek() != '"') {
                    throw bad("the value of \"" + key + "\" must be a string");
                }
                members.put(key, string());
                space();
                if (peek() == ',') {
                    at++;
                    continue;
                }
                expect('}', "',' or '}' expected");
                break;
            }
        }
        space();
        if (at < text.length()) {
            throw bad("nothing may follow the object");
        }
        return members;
    }

    private String string() throws BadJsonException {
        at++; // the opening quote
        StringBuilder out = new StringBuilder();
        while (true) {
            if (at >= text.length()) {
                throw bad("a string is not closed");
            }
            char c = text.charAt(at++);
            if (c == '"') {
                return out.toString();
            }
            if (c < 0x20) {
                throw bad("a control character inside a string must be escaped");
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (at >= text.length()) {
                throw bad("a string is not closed");
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
                        throw bad("\\u needs 4 hex digits");
                    }
                    int cp = 0;
                    for (int i = 0; i < 4; i++) {
                        int d = Character.digit(text.charAt(at++), 16);
                        if (d < 0) {
                            throw bad("\\u needs 4 hex digits");
                        }
                        cp = cp * 16 + d;
                    }
                    out.append((char) cp);
                }
                default -> throw bad("unknown escape \\" + (e < 0x20 || e > 0x7e ? "?" : String.valueOf(e)));
            }
        }
    }

    private void space() {
        while (at < text.length() && (text.charAt(at) == ' ' || text.charAt(at) == '\t' || text.charAt(at) == '\n'
                || text.charAt(at) == '\r')) {
            at++;
        }
    }

    private int peek() {
        return at < text.length() ? text.charAt(at) : -1;
    }

    private void expect(char c, String what) throws BadJsonException {
        if (peek() != c) {
            throw bad(what);
        }
        at++;
    }

    private BadJsonException bad(String what) {
        return new BadJsonException("the body is not valid JSON: " + what + " at character " + (at + 1)
                + (at >= text.length() ? " (the end)" : ""));
    }
}
