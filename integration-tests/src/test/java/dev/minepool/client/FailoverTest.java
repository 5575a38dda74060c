package dev.minepool.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minepool.client.engine.DigestNonceScanner;
import dev.minepool.protocol.MinerName;
import dev.minepool.server.PoolConfig;
import dev.minepool.server.PoolLog;
import dev.minepool.server.PoolServer;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real pools and one miner with the second as its backup: the primary goes away, the miner moves to the
 * backup and earns coins there, the primary comes back on its port, and the miner returns to it and earns
 * coins there again.
 */
class FailoverTest {
    private static final Duration HANG_GUARD = Duration.ofSeconds(20);

    @Test
    void theMinerMovesToTheBackupWhenThePrimaryStopsAndReturnsWhenItIsBack(@TempDir Path dir) throws Exception {
        PrintStream silent = new PrintStream(OutputStream.nullOutputStream());
        // 12 zero bits: a block in milliseconds, so each pool's coins show that the miner really mined there
        PoolConfig primaryConfig = PoolConfig.forTest(dir.resolve("primary.dat"), 12).withSlotSize(1 << 16)
                .withLog(new PoolLog(silent, System.err));
        PoolConfig backupConfig = PoolConfig.forTest(dir.resolve("backup.dat"), 12).withSlotSize(1 << 16)
                .withLog(new PoolLog(silent, System.err));
        ExecutorService executor = Executors.newSingleThreadExecutor();
        CapturedOutput output = new CapturedOutput();
        try (PoolServer backup = new PoolServer(backupConfig)) {
            backup.start();
            PoolServer primary = new PoolServer(primaryConfig);
            primary.start();
            int primaryPort = primary.port();
            PoolAddress first = new PoolAddress("127.0.0.1", primaryPort);
            PoolAddress second = new PoolAddress("127.0.0.1", backup.port());
            MinerConfig config = MinerConfig.of(MinerName.parse("alice"), List.of(first, second), 1,
                    DigestNonceScanner.ENGINE, false)
                    .withRetry(Duration.ofMillis(50), Duration.ofMillis(200))
                    .withRetries(3);
            Miner miner = new Miner(config, output.stream());
            Future<MiningSummary> run = executor.submit(miner::run);
            try {
                assertThat(primary.awaitBlocks(2, HANG_GUARD)).as("two blocks on the primary").isTrue();

                primary.close(); // the pool says Q (shutting down) to its miners and stops
                output.awaitLine("switching from pool " + first + " to " + second + ": it said goodbye (Q): the pool "
                        + "is shutting down");
                assertThat(backup.awaitBlocks(2, HANG_GUARD)).as("two blocks on the backup").isTrue();

                // The same port again, as a restarted pool would have.
                PoolServer restarted = new PoolServer(primaryConfig.withPort(primaryPort)
                        .withChainFile(dir.resolve("primary-again.dat")));
                restarted.start();
                try {
                    output.awaitLine("switching back to the primary pool " + first + " from " + second
                            + ": it answers again");
                    assertThat(restarted.awaitBlocks(2, HANG_GUARD)).as("two blocks on the restarted primary")
                            .isTrue();
                    miner.stop();
                    MiningSummary summary = run.get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS);
                    assertThat(summary.failed()).isFalse();
                    assertThat(summary.rejected()).isZero();
                    assertThat(summary.coins()).as("a coin for each block of the three pools' at least two")
                            .isGreaterThanOrEqualTo(6);
                } finally {
                    restarted.close();
                }
            } finally {
                miner.stop();
                executor.shutdownNow();
            }
        }
        assertThat(output.text()).doesNotContain("Exception");
    }
}
