package dev.minepool.protocol.ledger;

import dev.minepool.protocol.BlockHeader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The transaction region of a job's data, from {@link dev.minepool.protocol.BlockHeader#TRANSACTIONS_OFFSET}
 * (52) to the end: a u16 count, that many records back to back, then filler (random bytes) to the end. A
 * 1024-byte job holds up to 9 transfers. Chains record from which height their blocks carry a region (older
 * blocks' data after byte 52 is all filler).
 *
 * <pre>
 *  52        54                                          54 + records
 *  +---------+--------------+--------------+----  ...  --+-----------------------------
 *  | count   | record 0     | record 1     |             | filler (random) to the end
 *  | u16     | N: 107 bytes | X: 101 bytes |             |
 *  +---------+--------------+--------------+----  ...  --+-----------------------------
 * </pre>
 *
 * Data of 52 or 53 bytes (a pool run with {@code --data-size} below 54) has no room for the count: its region is
 * empty by definition, so such a chain is valid and simply carries no records.
 */
public final class TxRegion {
    public static final int COUNT_BYTES = 2;
    public static final int COUNT_OFFSET = BlockHeader.TRANSACTIONS_OFFSET;
    public static final int RECORDS_OFFSET = COUNT_OFFSET + COUNT_BYTES;
    /** The most records a count can name. */
    public static final int MAX_COUNT = 0xFFFF;

    private TxRegion() {
    }

    /**
     * The records in {@code data}'s region, in order.
     *
     * @throws MalformedTxException if the count or a record does not fit in the data, or a record is malformed
     */
    public static List<TxRecord> read(byte[] data) throws MalformedTxException {
        if (data.length < RECORDS_OFFSET) {
            if (data.length < BlockHeader.LENGTH) {
                throw new MalformedTxException("job data of " + data.length + " bytes has no block header");
            }
            return List.of();
        }
        ByteBuffer buffer = ByteBuffer.wrap(data).order(ByteOrder.BIG_ENDIAN);
        int count = Short.toUnsignedInt(buffer.getShort(COUNT_OFFSET));
        long room = data.length - RECORDS_OFFSET;
        if ((long) count * TxKind.shortestLength() > room) {
            throw new MalformedTxException("the transaction count " + count + " does not fit: " + count
                    + " records need at least " + (long) count * TxKind.shortestLength() + " bytes, the region has "
                    + room + " after the count");
        }
        List<TxRecord> records = new ArrayList<>(count);
        buffer.position(RECORDS_OFFSET);
        for (int i = 0; i < count; i++) {
            try {
                records.add(TxRecord.read(buffer));
            } catch (MalformedTxException e) {
                throw new MalformedTxException("record " + i + " of " + count + ": " + e.getMessage());
            }
        }
        return records;
    }

    /**
     * Writes the count and {@code records} at the start of the region; leaves the bytes after them as they are
     * (the caller's filler).
     *
     * @return the offset just after the last record
     * @throws IllegalArgumentException if they do not fit
     */
    public static int write(byte[] data, List<? extends TxRecord> records) {
        if (data.length < RECORDS_OFFSET) {
            if (records.isEmpty() && data.length >= BlockHeader.LENGTH) {
                return data.length;
            }
            throw new IllegalArgumentException("job data of " + data.length + " bytes has no room for a"
                    + " transaction region (" + RECORDS_OFFSET + " bytes at least)");
        }
        long needed = 0;
        for (TxRecord record : records) {
            needed += record.length();
        }
        if (records.size() > MAX_COUNT || needed > capacity(data.length)) {
            throw new IllegalArgumentException(records.size() + " records of " + needed + " bytes do not fit in"
                    + " job data of " + data.length + " bytes (room for " + capacity(data.length) + ")");
        }
        ByteBuffer buffer = ByteBuffer.wrap(data).order(ByteOrder.BIG_ENDIAN);
        buffer.position(COUNT_OFFSET);
        buffer.putShort((short) records.size());
        for (TxRecord record : records) {
            buffer.put(record.toBytes());
        }
        return buffer.position();
    }

    /** Bytes available for records in data of {@code dataSize} bytes (after the count); 0 if none fit. */
    public static int capacity(int dataSize) {
        return Math.max(0, dataSize - RECORDS_OFFSET);
    }
}
