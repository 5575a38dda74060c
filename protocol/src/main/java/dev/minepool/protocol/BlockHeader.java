package dev.minepool.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The pool server's convention for the start of a job's data, so that the chain is visible on the wire. Miners
 * treat the data as opaque bytes; this layout is for the server, for people reading a capture, and for the
 * dissector.
 *
 * <pre>
 *  0                                32         36                 44                 52
 *  +--------------------------------+----------+------------------+------------------+--------------------
 *  | previous block hash (32)       | height   | timestamp ms     | extra-nonce      | transactions ...
 *  | SHA-256(prev data || nonce)    | u32      | u64              | u64              | (the rest)
 *  +--------------------------------+----------+------------------+------------------+--------------------
 * </pre>
 *
 * All integers big-endian, like the rest of the protocol.
 */
public record BlockHeader(byte[] previousHash, long height, long timestampMillis, long extraNonce) {
    public static final int PREVIOUS_HASH_OFFSET = 0;
    public static final int HEIGHT_OFFSET = 32;
    public static final int TIMESTAMP_OFFSET = 36;
    public static final int EXTRA_NONCE_OFFSET = 44;
    public static final int TRANSACTIONS_OFFSET = 52;
    /** Job data shorter than this carries no header. */
    public static final int LENGTH = TRANSACTIONS_OFFSET;

    public BlockHeader {
        if (previousHash == null || previousHash.length != ProofOfWork.HASH_LENGTH) {
            throw new IllegalArgumentException("the previous hash must be 32 bytes");
        }
        if (height < 0 || height > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("height " + height + " is not a u32");
        }
        previousHash = previousHash.clone();
    }

    @Override
    public byte[] previousHash() {
        return previousHash.clone();
    }

    /** Writes the header over the first {@link #LENGTH} bytes of {@code data}. */
    public void writeTo(byte[] data) {
        ByteBuffer.wrap(data).order(ByteOrder.BIG_ENDIAN)
                .put(previousHash)
                .putInt((int) height)
                .putLong(timestampMillis)
                .putLong(extraNonce);
    }

    /** Reads the header from job data of at least {@link #LENGTH} bytes. */
    public static BlockHeader readFrom(byte[] data) {
        if (data.length < LENGTH) {
            throw new IllegalArgumentException("job data of " + data.length + " bytes has no block header");
        }
        ByteBuffer buffer = ByteBuffer.wrap(data).order(ByteOrder.BIG_ENDIAN);
        return new BlockHeader(Arrays.copyOfRange(data, PREVIOUS_HASH_OFFSET, HEIGHT_OFFSET),
                Integer.toUnsignedLong(buffer.getInt(HEIGHT_OFFSET)),
                buffer.getLong(TIMESTAMP_OFFSET),
                buffer.getLong(EXTRA_NONCE_OFFSET));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BlockHeader h && Arrays.equals(previousHash, h.previousHash) && height == h.height
                && timestampMillis == h.timestampMillis && extraNonce == h.extraNonce;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(previousHash) * 31 + Long.hashCode(height ^ timestampMillis ^ extraNonce);
    }

    @Override
    public String toString() {
        return "BlockHeader[height=" + height + ", previousHash=" + HexFormat.of().formatHex(previousHash)
                + ", timestampMillis=" + timestampMillis + ", extraNonce=" + extraNonce + "]";
    }
}
