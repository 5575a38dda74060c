package dev.minepool.server.rules;

import dev.minepool.protocol.ledger.TxRecord;
import java.util.List;

/** Where a new job's transaction region comes from: the mempool in the pool, a list in the rules' tests. */
@FunctionalInterface
public interface PendingRecords {
    /** No records: every job's region holds a count of 0. */
    PendingRecords NONE = capacity -> List.of();

    /**
     * The records a job takes, in arrival order, as many as fit in {@code capacity} bytes, stopping at the first
     * that does not; they stay pending until a block that holds them is on disk.
     */
    List<TxRecord> take(int capacity);
}
