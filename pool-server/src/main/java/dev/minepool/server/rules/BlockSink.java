package dev.minepool.server.rules;

import dev.minepool.protocol.chain.Difficulty;
import dev.minepool.protocol.ledger.TxRecord;
import dev.minepool.server.chain.Block;
import dev.minepool.server.chain.ChainFile;
import java.io.IOException;
import java.util.List;

/**
 * Where won blocks go: the chain file, the ledger and the mempool in the pool, a list in the rules' tests.
 *
 * <p>A won block is handed over in two steps, with the miners' news between them: {@link #append} stores it, and
 * only the write and its force stand between the winning {@code S} and its {@code A}; then the {@code A} and every
 * {@code I} are written; then {@link #announced} does everything else a block means (readers' views, the mempool),
 * before the next height's jobs are built. Whatever {@link #announced} costs, no miner waits for it to hear of
 * the block.
 */
public interface BlockSink {
    /** The last block, which the next height extends. */
    ChainFile.Tip tip();

    /** The chain's difficulty rule as it stands after the tip: the zero bits the next height needs. */
    Difficulty difficulty();

    /**
     * The first height whose job data carries a transaction region (the chain file records it); 0 for a chain of
     * filler only.
     */
    default long transactionsFrom() {
        return 0;
    }

    /**
     * Stores the block durably; when this returns, the block survives a crash, so its {@code A} may be sent. Only
     * that: what can wait until the miners are told belongs in {@link #announced}.
     *
     * @return the block's records, in order, now confirmed (none for a block without a transaction region); they
     *         are handed back to {@link #announced}
     * @throws IOException if it could not be stored; the block must then never be acknowledged
     */
    List<TxRecord> append(Block block) throws IOException;

    /**
     * The block {@link #append} stored has been announced: its {@code A} and every {@code I} are written. Now it
     * is published to readers (the ledger the HTTP API reads) and its records leave the mempool. Called before
     * the next height's jobs are built, since they take their records from the mempool, which must have let go of
     * this block's by then.
     *
     * <p>So a reader may see a block a moment after its miners heard of it, never before it is on disk.
     *
     * <p>A {@link RuntimeException} here is a bug with no miner to blame: the block is on disk and acknowledged,
     * but the pool's views of the chain missed it, and the next jobs would be built from a mempool that still holds
     * its records. The referee reports it as an {@link UnpublishedBlockException}, which stops the pool; a restart
     * reads the block back from the chain file.
     *
     * @param records what {@link #append} returned for this block
     */
    default void announced(Block block, List<TxRecord> records) {
    }
}
