package dev.minepool.server.rules;

import dev.minepool.server.chain.Block;
import dev.minepool.server.chain.ChainFile;
import dev.minepool.protocol.chain.Difficulty;
import java.io.IOException;

/** Where won blocks go: the chain file in the pool, a list in the rules' tests. */
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
     * Stores the block durably; when this returns, the block survives a crash, so its {@code A} may be sent.
     *
     * @throws IOException if it could not be stored; the block must then never be acknowledged
     */
    void append(Block block) throws IOException;
}
