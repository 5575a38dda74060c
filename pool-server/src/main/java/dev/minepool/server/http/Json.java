package dev.minepool.server.http;

import java.util.Locale;

/**
 * Just enough JSON for the API's fixed shapes: objects, arrays, strings, numbers, booleans and null, written
 * straight into a StringBuilder. Strings are escaped for JSON, and {@code <}, {@code >}, {@code &} and the two
 * Unicode line separators as well, so that a miner's name can never become markup or script wherever a response
 * ends up (a page that inlines it, a log, a terminal).
 */
final class Json {
    private final StringBuilder out = new StringBuilder(256);
    /** Whether the next value in the current object or array needs a comma before it. */
    private boolean comma;

    Json beginObject() {
        separate();
        out.append('{');
        comma = false;
        return this;
    }

    Json endObject() {
        out.append('}');
        comma = true;
        return this;
    }

    Json beginArray() {
        separate();
        out.append('[');
        comma = false;
        return this;
    }

    Json endArray() {
        out.append(']');
        comma = true;
        return this;
    }

    /** A member name; the value comes next. */
    Json name(String name) {
        separate();
        string(out, name);
        out.append(':');
        comma = false;
        return this;
    }

    Json value(String s) {
        separate();
        if (s == null) {
            out.append("null");
        } else {
            string(out, s);
        }
        comma = true;
        return this;
    }

    Json value(long n) {
        separate();
        out.append(n);
        comma = true;
        return this;
    }

    /** A finite number with up to 3 decimals (rates, seconds); NaN and infinities, which JSON lacks, are null. */
    Json value(double d) {
        separate();
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            out.append("null");
        } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            out.append((long) d);
        } else {
            out.append(String.format(Locale.ROOT, "%.3f", d));
        }
        comma = true;
        return this;
    }

    Json value(boolean b) {
        separate();
        out.append(b);
        comma = true;
        return this;
    }

    Json nullValue() {
        separate();
        out.append("null");
        comma = true;
        return this;
    }

    /**
     * Coins as a JSON number with exactly 8 decimals ({@code 1.50000000}), from base units, never through floating
     * point: {@link dev.minepool.protocol.ledger.Coins#format}.
     */
    Json coins(long units) {
        separate();
        out.append(dev.minepool.protocol.ledger.Coins.format(units));
        comma = true;
        return this;
    }

    Json field(String name, String value) {
        return name(name).value(value);
    }

    Json field(String name, long value) {
        return name(name).value(value);
    }

    Json field(String name, double value) {
        return name(name).value(value);
    }

    Json field(String name, boolean value) {
        return name(name).value(value);
    }

    private void separate() {
        if (comma) {
            out.append(',');
        }
    }

    @Override
    public String toString() {
        return out.toString();
    }

    /** Appends {@code s} as a JSON string literal, quotes included. */
    static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '<', '>', '&', '\u2028', '\u2029' -> out.append(String.format("\\u%04x", (int) c));
                default -> {
                    if (c < 0x20 || c == 0x7F) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
