package dev.minepool.server.chain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minepool.server.ledger.Ledger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ledger's job data for a range of blocks, as {@code /api/blocks?data=true} asks for it: the latest from
 * memory, older ones read back from the chain file in one pass. (Here, not with the ledger's tests: the chains are
 * made by {@link TestChains}.)
 */
class LedgerDataTest {
    @TempDir
    Path dir;

    @Test
    void aRangeReachingPastTheBlocksKeptInMemoryIsReadBackFromTheChainFile() throws Exception {
        int count = Ledger.DATA_KEPT + 200; // blocks 1 to 200 are only in the file
        List<Block> blocks = TestChains.blocks(count, 64, 1, "alice", "bob");
        Path file = dir.resolve("chain.dat");
        Files.write(file, TestChains.file(blocks));
        Ledger ledger;
        try (ChainFile chain = ChainFile.open(file, TestChains.fixedRule(blocks), new TestChains.Log())) {
            ledger = Ledger.load(file, chain.transactionsFrom(), chain.balances().copy());
        }
        assertThat(ledger.height()).isEqualTo(count);
        for (long[] range : new long[][] {{150, 260}, {1, 3}, {count - 5, count}}) { // file and memory; file; memory
            byte[][] data = ledger.data(range[0], range[1]);
            assertThat(data.length).isEqualTo((int) (range[1] - range[0] + 1));
            for (long h = range[0]; h <= range[1]; h++) {
                assertThat(data[(int) (h - range[0])]).as("block %d", h).isEqualTo(blocks.get((int) h - 1).data())
                        .isEqualTo(ledger.data(h));
            }
        }
        byte[][] edges = ledger.data(0, 1);
        assertThat(edges[0]).as("no block 0 (genesis is not a block)").isNull();
        assertThat(edges[1]).isEqualTo(blocks.get(0).data());
        byte[][] beyond = ledger.data(count, count + 2);
        assertThat(beyond[0]).isEqualTo(blocks.get(count - 1).data());
        assertThat(beyond[1]).isNull();
        assertThat(beyond[2]).isNull();
    }
}
