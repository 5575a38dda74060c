package dev.minepool.protocol.ledger;

import dev.minepool.protocol.MinerName;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A record of the ledger, carried inside a job's data (see {@link TxRegion}) and so inside a block: a name
 * registration ({@code N}) or a transfer ({@code X}). Fixed layouts, big-endian, drawn on each record and in
 * PROTOCOL.md, "Transactions". A record that exists is well formed (lengths, names); whether it may apply is
 * {@link Accounts}' question.
 */
public sealed interface TxRecord permits NameRegistration, Transfer {

    /** The kind byte: {@code 'N'} (0x4E) or {@code 'X'} (0x58). */
    byte kind();

    /** The whole record as it is carried, {@link #length()} bytes. */
    byte[] toBytes();

    /** The record's length in bytes: 107 for N, 101 for X. */
    int length();

    /** The transaction id: SHA-256 of {@link #toBytes()}. */
    byte[] txid();

    /** The transaction id as 64 lower-case hex digits. */
    String txidHex();

    /**
     * The name whose account this record draws on: the registered name of an N, the sender of an X. The pool's
     * mempool counts its per-sender bound by it.
     */
    MinerName account();

    /** The bytes the signature covers: the ASCII domain of the kind, then the record up to the signature. */
    byte[] signedMessage();

    /**
     * Reads one record at the buffer's position and advances past it. On an exception the position is where it
     * was.
     *
     * @throws MalformedTxException naming what is wrong (unknown kind, too few bytes, a bad name)
     */
    static TxRecord read(ByteBuffer src) throws MalformedTxException {
        int start = src.position();
        if (!src.hasRemaining()) {
            throw new MalformedTxException("no record at byte " + start + ": the bytes end there");
        }
        byte kindByte = src.get(start);
        TxKind kind = TxKind.fromWireByte(kindByte);
        if (kind == null) {
            throw new MalformedTxException(String.format("unknown record kind 0x%02x at byte %d (N is 0x4e, X is"
                    + " 0x58)", kindByte & 0xFF, start));
        }
        if (src.remaining() < kind.length()) {
            throw new MalformedTxException("the " + kind.letter() + " record at byte " + start + " is cut off: it"
                    + " is " + kind.length() + " bytes, " + src.remaining() + " remain");
        }
        // Read through a big-endian view of exactly the record, whatever order the caller's buffer is in.
        ByteBuffer record = src.slice(start, kind.length()).order(ByteOrder.BIG_ENDIAN);
        TxRecord decoded = kind.decode(record);
        src.position(start + kind.length());
        return decoded;
    }

    /** Exactly one record, all of {@code bytes} (what {@code POST /api/transactions} takes, as hex). */
    static TxRecord decode(byte[] bytes) throws MalformedTxException {
        if (bytes == null || bytes.length == 0) {
            throw new MalformedTxException("no record: 0 bytes");
        }
        TxKind kind = TxKind.fromWireByte(bytes[0]);
        if (kind != null && bytes.length != kind.length()) {
            throw new MalformedTxException("a" + (kind == TxKind.NAME_REGISTRATION ? "n" : "") + " " + kind.letter()
                    + " record is " + kind.length() + " bytes, not " + bytes.length);
        }
        return read(ByteBuffer.wrap(bytes));
    }

    /**
     * What {@link #signedMessage()} is for every kind, in one place: {@code domain} (the kind's ASCII domain),
     * then the first {@code signatureOffset} bytes of {@code record}, the record up to its signature.
     */
    static byte[] signedMessage(byte[] domain, byte[] record, int signatureOffset) {
        byte[] message = Arrays.copyOf(domain, domain.length + signatureOffset);
        System.arraycopy(record, 0, message, domain.length, signatureOffset);
        return message;
    }

    /** SHA-256 of the bytes: the txid of a record. */
    static byte[] sha256(byte[] bytes) {
        return Ed25519.sha256().digest(bytes);
    }

    /** Whether {@code s} looks like a txid: 64 hex digits (lower or upper case). */
    static boolean isTxidHex(String s) {
        if (s == null || s.length() != 64) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (Character.digit(s.charAt(i), 16) < 0 || s.charAt(i) > 'f') {
                return false;
            }
        }
        return true;
    }

    /** Lower-case hex, as txids and keys are shown. */
    static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
