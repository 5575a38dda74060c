package dev.minepool.protocol.ledger;

import java.util.List;

/**
 * The transaction region of a job's data, from {@link dev.minepool.protocol.BlockHeader#TRANSACTIONS_OFFSET}
 * (52) to the end: a u16 count, that many records back to back, then filler (random bytes) to the end. A
 * 1024-byte job holds up to 9 transfers. Chains record from which height their blocks carry a region (older
 * blocks' data after byte 52 is all filler).
 */
public final class TxRegion {
    public static final int COUNT_BYTES = 2;

    private TxRegion() {
    }

    /**
     * The records in {@code data}'s region, in order.
     *
     * @throws MalformedTxException if the count or a record does not fit in the data, or a record is malformed
     */
    public static List<TxRecord> read(byte[] data) throws MalformedTxException {
        throw new UnsupportedOperationException("TODO");
    }

    /**
     * Writes the count and {@code records} at the start of the region; leaves the bytes after them as they are
     * (the caller's filler).
     *
     * @return the offset just after the last record
     * @throws IllegalArgumentException if they do not fit
     */
    public static int write(byte[] data, List<? extends TxRecord> records) {
        throw new UnsupportedOperationException("TODO");
    }

    /** Bytes available for records in data of {@code dataSize} bytes (after the count); 0 if none fit. */
    public static int capacity(int dataSize) { throw new UnsupportedOperationException("TODO"); }
}
