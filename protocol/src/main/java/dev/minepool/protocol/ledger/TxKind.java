package dev.minepool.protocol.ledger;

import java.nio.ByteBuffer;

/**
 * The kinds of record, each with its kind byte, its fixed length and its decoder, so that no length is written
 * twice. The kind byte is the record's first byte, an ASCII letter like the message types.
 */
public enum TxKind {
    /** {@code N}: a name registration. */
    NAME_REGISTRATION('N', NameRegistration.LENGTH),
    /** {@code X}: a transfer. */
    TRANSFER('X', Transfer.LENGTH);

    private final char letter;
    private final int length;

    TxKind(char letter, int length) {
        this.letter = letter;
        this.length = length;
    }

    public char letter() {
        return letter;
    }

    public byte wireByte() {
        return (byte) letter;
    }

    /** The record's whole length, kind byte included. */
    public int length() {
        return length;
    }

    /** The kind of a kind byte, or null for a byte that is no kind. */
    public static TxKind fromWireByte(byte b) {
        return switch (b) {
            case NameRegistration.KIND -> NAME_REGISTRATION;
            case Transfer.KIND -> TRANSFER;
            default -> null;
        };
    }

    /** Decodes a whole record at the buffer's position; the caller has checked kind and length. */
    TxRecord decode(ByteBuffer src) throws MalformedTxException {
        return switch (this) {
            case NAME_REGISTRATION -> NameRegistration.decode(src);
            case TRANSFER -> Transfer.decode(src);
        };
    }

    /** The smallest record: a count of n records needs at least n times this many bytes. */
    public static int shortestLength() {
        return Math.min(NameRegistration.LENGTH, Transfer.LENGTH);
    }
}
