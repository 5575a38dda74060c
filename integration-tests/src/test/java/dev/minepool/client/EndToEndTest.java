package dev.minepool.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minepool.protocol.ProofOfWork;
import dev.minepool.server.chain.Block;
import dev.minepool.server.chain.ChainFile;
import dev.minepool.server.PoolConfig;
import dev.minepool.server.PoolLog;
import dev.minepool.server.PoolServer;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real pool and real miners, in one JVM, over loopback sockets: what {@code bin/minepool demo} shows, with
 * the accounting checked. The server is a test-scoped dependency only; the miner's main code never sees it.
 */
class EndToEndTest {
    private static final Duration HANG_GUARD = Duration.ofSeconds(20);
    private static final List<String> NAMES = List.of("alice", "bob", "carol");

    @Test
    void threeMinersMineBlocksAndTheirCoinsMatchTheChain(@TempDir Path dir) throws Exception {
        int blocks = 6; // at least: each miner wins once, then three more
        Path chain = dir.resolve("chain.dat");
        PrintStream silent = new PrintStream(OutputStream.nullOutputStream());
        // 14 zero bits: ~16k hashes a block, milliseconds; small slots so that every miner gets several. No
        // --max-blocks: blocks could all be mined before the last miner connects, and a miner whose pool is
        // gone rightly keeps retrying. The test closes the pool instead, which says Q to everyone.
        PoolConfig config = PoolConfig.forTest(chain, 14).withSlotSize(1 << 16)
                .withLog(new PoolLog(silent, System.err));
        ExecutorService threads = Executors.newFixedThreadPool(NAMES.size());
        Map<String, CapturedOutput> outputs = new HashMap<>();
        try (PoolServer pool = new PoolServer(config)) {
            pool.start();
            List<Future<MiningSummary>> miners = new ArrayList<>();
            for (String name : NAMES) {
                CapturedOutput output = new CapturedOutput();
                outputs.put(name, output);
                MinerConfig minerConfig = MinerConfig.of(name, "127.0.0.1", pool.port(), 1, false);
                miners.add(threads.submit(() -> new Miner(minerConfig, output.stream()).run()));
            }
            for (String name : NAMES) {
                outputs.get(name).awaitLine("accepted");
            }
            // Every miner has won at least once, so all three are connected and mining; now a few more blocks.
            // A miner can print its A before the pool's counter counts that block (the pool sends A, then counts),
            // so the counter may lag by one; one block per miner is on disk either way.
            long wonByAll = Math.max(pool.blocksMined(), NAMES.size());
            assertThat(pool.awaitBlocks(wonByAll + 3, HANG_GUARD)).as("three more blocks").isTrue();
            pool.close();
            assertThat(pool.failed()).isFalse();

            // The pool said Q to everyone, so every miner ends by itself with its summary.
            Map<String, Long> coins = new HashMap<>();
            for (int i = 0; i < NAMES.size(); i++) {
                MiningSummary summary;
                try {
                    summary = miners.get(i).get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    throw new AssertionError(NAMES.get(i) + " did not stop after the pool's Q; it printed:\n"
                            + outputs.get(NAMES.get(i)).text() + "\nthreads:\n" + threadDump(), e);
                }
                coins.put(NAMES.get(i), summary.coins());
                assertThat(summary.rejected()).as("%s had no nonce rejected", NAMES.get(i)).isZero();
            }

            // Each block is credited to exactly one miner, and the chain agrees with what each miner counted.
            Map<String, Long> credited = new HashMap<>();
            List<Block> mined = new ArrayList<>();
            ChainFile.ReadResult read = ChainFile.scan(chain, block -> {
                mined.add(block);
                credited.merge(block.winner(), 1L, Long::sum);
            });
            assertThat(read.blocks()).isGreaterThanOrEqualTo(blocks);
            assertThat(read.torn()).isFalse();
            for (String name : NAMES) {
                assertThat(coins.get(name)).as("coins %s counted vs. blocks the chain credits to %s", name, name)
                        .isEqualTo(credited.getOrDefault(name, 0L));
            }
            assertThat(coins.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(read.blocks());
            for (Block block : mined) {
                assertThat(ProofOfWork.verify(block.data(), block.nonce(), 14)).isTrue();
            }
        } finally {
            threads.shutdownNow();
        }

        // Every miner really mined its own slots: each job line names a distinct (job, slot) pair.
        Map<String, String> slotOwners = new HashMap<>();
        for (String name : NAMES) {
            for (String line : outputs.get(name).lines()) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("job (\\d+) slot (\\d+): nonces").matcher(line);
                if (m.find()) {
                    String previous = slotOwners.put(m.group(1) + "/" + m.group(2), name);
                    assertThat(previous).as("job %s slot %s given to %s and to %s", m.group(1), m.group(2),
                            previous, name).isNull();
                }
            }
        }
        assertThat(slotOwners).hasSizeGreaterThanOrEqualTo(blocks);
    }

    /** Where every thread is, for the message of a test that hung: it is what finds the race. */
    private static String threadDump() {
        StringBuilder dump = new StringBuilder();
        Thread.getAllStackTraces().forEach((thread, stack) -> {
            dump.append(thread.getName()).append(' ').append(thread.getState()).append('\n');
            for (StackTraceElement frame : stack) {
                dump.append("    at ").append(frame).append('\n');
            }
        });
        return dump.toString();
    }
}
