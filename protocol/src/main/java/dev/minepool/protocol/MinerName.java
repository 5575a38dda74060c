package dev.minepool.protocol;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.Arrays;

/**
 * The name a miner is credited under: the one value type for it everywhere, from {@code --name} to the chain.
 *
 * <p>A name is valid when it is
 * <ol>
 *   <li>1 to {@value #MAX_BYTES} bytes of well-formed UTF-8,</li>
 *   <li>in Unicode Normalization Form C (so {@code "é"} is one code point, never {@code "e"} and a combining
 *       accent: the two would look the same and be two accounts),</li>
 *   <li>trimmed: no white space (Unicode {@code White_Space}, which includes U+00A0 and U+3000) at either end,</li>
 *   <li>free of control characters (general category Cc, which includes 0x00, tab, newline and ESC), format
 *       characters (Cf: the byte order mark U+FEFF, zero-width spaces and joiners, bidi overrides) and line or
 *       paragraph separators (Zl, Zp).</li>
 * </ol>
 *
 * <p>Two ways in. {@link #parse} is strict and is what the pool applies to the name in a {@code G}: a name that is
 * not already canonical is refused, never silently changed, so the bytes on the wire are the account. {@link
 * #fromUserInput} is what the miner applies to what a person typed or wrote in {@code my_id}: it drops a leading
 * BOM, trims and normalises first, then applies the same rules, so a valid name sent by the miner is always one
 * the pool accepts.
 *
 * <p>Nothing that reaches a log line or a terminal needs escaping once it is a {@code MinerName}: the rules leave
 * no character that could end a line, move the cursor or reorder text. Names that are not (yet) checked, such as
 * the raw bytes of a refused {@code G}, are shown through {@link #escape(byte[])}.
 */
public final class MinerName implements Comparable<MinerName> {
    /** The size of the name field in {@code G} and in the chain file. */
    public static final int MAX_BYTES = 10;
    private static final char BOM = '\uFEFF';

    private final String value;
    private final byte[] utf8;

    private MinerName(String value, byte[] utf8) {
        this.value = value;
        this.utf8 = utf8;
    }

    /** A name that breaks the rules, with a sentence that says which rule. */
    public static final class InvalidNameException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        InvalidNameException(String message) {
            super(message);
        }
    }

    /**
     * Checks a name that must already be canonical (what a pool receives).
     *
     * @throws InvalidNameException naming the broken rule
     */
    public static MinerName parse(String name) {
        if (name == null) {
            throw new InvalidNameException("the miner name is missing");
        }
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        check(name, bytes);
        return new MinerName(name, bytes);
    }

    /**
     * Checks the bytes of a name field as they arrived (trailing 0x00 padding already removed).
     *
     * @throws InvalidNameException naming the broken rule; the message shows the bytes escaped
     */
    public static MinerName parse(byte[] utf8) {
        String name;
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(utf8));
            name = chars.toString();
        } catch (CharacterCodingException e) {
            throw new InvalidNameException("the miner name \"" + escape(utf8) + "\" is not valid UTF-8");
        }
        byte[] copy = utf8.clone();
        check(name, copy);
        return new MinerName(name, copy);
    }

    /**
     * A name as a person wrote it ({@code --name}, the first line of {@code my_id}): a leading byte order mark
     * is dropped, white space at the ends trimmed and the rest normalised to NFC; then the rules of {@link
     * #parse} apply.
     *
     * @throws InvalidNameException with a sentence a person can act on
     */
    public static MinerName fromUserInput(String typed) {
        if (typed == null) {
            throw new InvalidNameException("the miner name is missing");
        }
        String name = typed;
        if (!name.isEmpty() && name.charAt(0) == BOM) {
            name = name.substring(1);
        }
        name = Normalizer.normalize(trim(name), Normalizer.Form.NFC);
        return parse(name);
    }

    private static void check(String name, byte[] bytes) {
        if (bytes.length == 0 || name.isEmpty()) {
            throw new InvalidNameException("the miner name is empty");
        }
        if (bytes.length > MAX_BYTES) {
            throw new InvalidNameException("the miner name \"" + escape(name) + "\" is " + bytes.length
                    + " bytes in UTF-8; the protocol allows at most " + MAX_BYTES);
        }
        for (int i = 0; i < name.length(); ) {
            int cp = name.codePointAt(i);
            String kind = forbiddenKind(cp);
            if (kind != null) {
                throw new InvalidNameException("the miner name \"" + escape(name) + "\" contains " + kind + " ("
                        + codePoint(cp) + ")");
            }
            i += Character.charCount(cp);
        }
        if (isWhiteSpace(name.codePointAt(0)) || isWhiteSpace(name.codePointBefore(name.length()))) {
            throw new InvalidNameException("the miner name \"" + escape(name) + "\" begins or ends with white"
                    + " space");
        }
        if (!Normalizer.isNormalized(name, Normalizer.Form.NFC)) {
            throw new InvalidNameException("the miner name \"" + escape(name) + "\" is not in Unicode"
                    + " Normalization Form C (NFC)");
        }
    }

    /** Why a code point may not be in a name, or null if it may. */
    private static String forbiddenKind(int cp) {
        switch (Character.getType(cp)) {
            case Character.CONTROL:
                return "a control character";
            case Character.FORMAT:
                return "an invisible format character";
            case Character.LINE_SEPARATOR:
            case Character.PARAGRAPH_SEPARATOR:
                return "a line separator";
            case Character.SURROGATE:
                return "a lone surrogate";
            default:
                return null;
        }
    }

    private static boolean isWhiteSpace(int cp) {
        return Character.isWhitespace(cp) || Character.isSpaceChar(cp);
    }

    private static String trim(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isWhiteSpace(s.codePointAt(start))) {
            start += Character.charCount(s.codePointAt(start));
        }
        while (end > start && isWhiteSpace(s.codePointBefore(end))) {
            end -= Character.charCount(s.codePointBefore(end));
        }
        return s.substring(start, end);
    }

    private static String codePoint(int cp) {
        return String.format("U+%04X", cp);
    }

    /**
     * A string safe to print on one line of a log or a terminal, whatever it holds: a backslash becomes
     * {@code \\}, and every control, format, separator or unpaired surrogate code point becomes {@code \}{@code
     * u{XXXX}}. For names read from somewhere that did not check them (a chain file written by an older pool).
     */
    public static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == '\\') {
                out.append("\\\\");
            } else if (cp == '"') {
                out.append("\\\"");
            } else if (forbiddenKind(cp) != null) {
                out.append(String.format("\\u{%04X}", cp));
            } else {
                out.appendCodePoint(cp);
            }
        }
        return out.toString();
    }

    /**
     * Raw bytes as one printable line: printable ASCII as itself (backslash and quote escaped), every other byte
     * as {@code \xNN}. For the name field of a {@code G} that was refused.
     */
    public static String escape(byte[] raw) {
        StringBuilder out = new StringBuilder(raw.length * 2);
        for (byte b : raw) {
            int v = b & 0xFF;
            if (v == '\\') {
                out.append("\\\\");
            } else if (v == '"') {
                out.append("\\\"");
            } else if (v >= 0x20 && v <= 0x7E) {
                out.append((char) v);
            } else {
                out.append(String.format("\\x%02x", v));
            }
        }
        return out.toString();
    }

    /** The name as text; safe to print as it is. */
    public String value() {
        return value;
    }

    /** The name's UTF-8 bytes, 1 to {@value #MAX_BYTES}, without padding. */
    public byte[] utf8() {
        return utf8.clone();
    }

    /** Whether {@code bytes} (unpadded) are exactly this name's bytes; no copy, no decoding. */
    boolean hasUtf8(byte[] bytes) {
        return Arrays.equals(utf8, bytes);
    }

    /** The number of UTF-8 bytes. */
    public int length() {
        return utf8.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MinerName other && Arrays.equals(utf8, other.utf8);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(utf8);
    }

    @Override
    public int compareTo(MinerName other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
