package dev.minepool.client.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minepool.client.PoolClientMain;
import dev.minepool.protocol.Message;
import dev.minepool.server.PoolConfig;
import dev.minepool.server.PoolLog;
import dev.minepool.server.PoolServer;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The swarm against the real pool, in-process at low zero bits. Nothing here asserts a time: the latencies are only checked to exist.
 */
@Timeout(60) // a hang guard only
class SwarmAgainstPoolTest {
    private static final PrintStream SILENT = new PrintStream(OutputStream.nullOutputStream());

    @TempDir
    Path dir;

    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    private PoolServer realPool() throws Exception {
        PoolServer pool = new PoolServer(PoolConfig.forTest(dir.resolve("chain.dat"), 8)
                .withLog(new PoolLog(SILENT, SILENT)));
        pool.start();
        return pool;
    }

    private String output() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    private int command(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "swarm";
        System.arraycopy(args, 0, all, 1, args.length);
        return PoolClientMain.run(all, out, err, dir);
    }

    @Test
    void everySessionGetsItsTaskAndAllButTheWinnerAreInvalidated() throws Exception {
        int sessions = 50;
        try (PoolServer pool = realPool()) {
            SwarmResult result = new Swarm(SwarmConfig.of("127.0.0.1", pool.port(), sessions, 2), out).run();

            assertThat(result.errors()).as("errors counted; the swarm printed:%n%s", output()).isEmpty();
            assertThat(result.clean()).isTrue();
            assertThat(result.connected()).isEqualTo(sessions);
            assertThat(result.rounds()).hasSize(2);
            Set<Integer> winners = new HashSet<>();
            Set<Integer> jobs = new HashSet<>();
            for (RoundResult round : result.rounds()) {
                assertThat(round.sessions()).isEqualTo(sessions);
                assertThat(round.tasks()).as("T's in round %d", round.round()).isEqualTo(sessions);
                assertThat(round.expectedInvalidations()).isEqualTo(sessions - 1);
                assertThat(round.invalidations()).as("I's in round %d", round.round()).isEqualTo(sessions - 1);
                assertThat(round.acceptToInvalidation().count()).isEqualTo(sessions - 1);
                assertThat(round.submitToAccept()).as("the winner's A arrived").isNotNegative();
                assertThat(round.zeroBits()).as("the zero bits read from the T").isEqualTo(8);
                winners.add(round.winner());
                jobs.add(round.winnerJob());
            }
            assertThat(winners).as("round-robin winners").containsExactly(0, 1);
            assertThat(jobs).as("each round mines a new height, so a new job").hasSize(2);
            // The swarm is done once it has read the last I; the pool counts the block a moment later, after it
            // has published it to the ledger (BlockSink.announced), so wait for the count rather than read it.
            assertThat(pool.awaitBlocks(2, java.time.Duration.ofSeconds(10))).as("both blocks counted").isTrue();
            assertThat(pool.blocksMined()).as("one block per round").isEqualTo(2);
        }
        assertThat(output()).contains("errors: none");
    }

    @Test
    void commandExitsZeroAndPrintsARowPerRoundWhenThePoolBehaves() throws Exception {
        try (PoolServer pool = realPool()) {
            int code = command("--connections", "10", "--host", "127.0.0.1", "--port", String.valueOf(pool.port()),
                    "--rounds", "2", "--warmup", "1");
            assertThat(code).as("exit code; the swarm printed:%n%s%s", output(), errBytes).isZero();
        }
        assertThat(output())
                .contains("10 of 10 connected")
                .containsPattern("(?m)^\\s+w1\\s+10 ")
                .containsPattern("(?m)^\\s+3\\s+10 .*\\b9/9\\b")
                .contains("summary: 10 of 10 sessions connected; 2 rounds (the warm-up round, marked w, left out)")
                .contains("errors: none");
    }

    @Test
    void aWindowPacesTheGetWorksAndStillServesEverySession() throws Exception {
        int sessions = 20;
        try (PoolServer pool = realPool()) {
            SwarmResult result = new Swarm(SwarmConfig.of("127.0.0.1", pool.port(), sessions, 2).withWindow(3), out)
                    .run();
            assertThat(result.errors()).as("errors; the swarm printed:%n%s", output()).isEmpty();
            for (RoundResult round : result.rounds()) {
                assertThat(round.tasks()).isEqualTo(sessions);
                assertThat(round.invalidations()).isEqualTo(sessions - 1);
            }
        }
        assertThat(output()).contains("G's at most 3 waiting for their T");
    }

    @Test
    void sessionsBeyondThePoolsClientLimitCountTheQuit() throws Exception {
        PoolConfig config = PoolConfig.forTest(dir.resolve("chain.dat"), 8).withMaxClients(5)
                .withLog(new PoolLog(SILENT, SILENT));
        try (PoolServer pool = new PoolServer(config)) {
            pool.start();
            SwarmResult result = new Swarm(SwarmConfig.of("127.0.0.1", pool.port(), 8, 1), out).run();
            // The pool sends Q and closes at once; the swarm reads the Q, or finds the connection gone if its G
            // met the closed socket first. Either way each refused session is one error.
            assertThat(result.errorCount()).as("errors; the swarm printed:%n%s", output()).isEqualTo(3);
            assertThat(result.errors().keySet()).containsAnyOf(SwarmError.QUIT)
                    .isSubsetOf(SwarmError.QUIT, SwarmError.DROPPED);
            assertThat(result.rounds().get(0).invalidations()).as("the five admitted sessions still mine a block")
                    .isEqualTo(4);
        }
    }
}
