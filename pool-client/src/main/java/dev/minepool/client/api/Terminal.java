package dev.minepool.client.api;

/**
 * Text from elsewhere (the pool's sentences, which may quote what a caller sent) made safe for one line of a
 * terminal: every control, format, separator or lone surrogate code point becomes {@code \}{@code u{XXXX}}, so
 * nothing can end the line, move the cursor or reorder the text. Names are shown with
 * {@link dev.minepool.protocol.MinerName#escape(String)}; this keeps a sentence's quotes as they are.
 */
public final class Terminal {
    private Terminal() {
    }

    public static String safe(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            switch (Character.getType(cp)) {
                case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                        Character.SURROGATE -> out.append(String.format("\\u{%04X}", cp));
                default -> out.appendCodePoint(cp);
            }
        }
        return out.toString();
    }
}
