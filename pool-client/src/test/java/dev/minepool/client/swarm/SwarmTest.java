package dev.minepool.client.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minepool.client.PoolClientMain;
import dev.minepool.protocol.Message;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The swarm against a scripted pool that leaves out an I or names the wrong job (SwarmAgainstPoolTest, in
 * integration-tests, runs it against the real pool). Nothing here asserts a time: the latencies are only checked to exist.
 */
@Timeout(60) // a hang guard only
class SwarmTest {
    private static final PrintStream SILENT = new PrintStream(OutputStream.nullOutputStream());

    @TempDir
    Path dir;

    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

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
    void aMissingInvalidationIsCountedAndFailsTheRun() throws Exception {
        // The first connection that did not win never hears of the win.
        try (ScriptedPool pool = new ScriptedPool((loser, job) -> loser == 0 ? null : new Message.Invalidated(job))) {
            int code = command("--connections", "3", "--host", "127.0.0.1", "--port", String.valueOf(pool.port()),
                    "--rounds", "1", "--warmup", "0", "--timeout", "1");
            assertThat(code).as("exit code with a missing I").isEqualTo(SwarmCommand.EXIT_ERRORS);
        }
        assertThat(output())
                .containsPattern("error: missing I: session \\d+ \\(swarm\\d+\\): no I for job 7 within 1 s")
                .containsPattern("(?m)^\\s+1\\s+3 .*\\b1/2\\b")
                .contains("errors: 1 (missing I 1)");
    }

    @Test
    void anInvalidationNamingTheWrongJobIsCountedAndFailsTheRun() throws Exception {
        try (ScriptedPool pool = new ScriptedPool(
                (loser, job) -> new Message.Invalidated(loser == 1 ? job + 1 : job))) {
            int code = command("--connections", "4", "--host", "127.0.0.1", "--port", String.valueOf(pool.port()),
                    "--rounds", "1", "--warmup", "0");
            assertThat(code).as("exit code with a wrong job").isEqualTo(SwarmCommand.EXIT_ERRORS);
        }
        assertThat(output())
                .contains("its I names job 8, but the T it holds is job 7")
                .containsPattern("(?m)^\\s+1\\s+4 .*\\b2/3\\b")
                .contains("errors: 1 (wrong job 1)");
    }

    @Test
    void anAcceptForAMinerThatDidNotSubmitIsUnexpected() throws Exception {
        try (ScriptedPool pool = new ScriptedPool(
                (loser, job) -> loser == 0 ? new Message.Accepted(job) : new Message.Invalidated(job))) {
            int code = command("--connections", "3", "--host", "127.0.0.1", "--port", String.valueOf(pool.port()),
                    "--rounds", "1", "--warmup", "0");
            assertThat(code).isEqualTo(SwarmCommand.EXIT_ERRORS);
        }
        assertThat(output())
                .containsPattern("error: unexpected message: session \\d+ \\(swarm\\d+\\): an A for job 7 while"
                        + " holding its slot")
                .contains("errors: 1 (unexpected message 1)");
    }

    @Test
    void aConnectionThePoolClosesIsCountedAsDropped() throws Exception {
        try (ScriptedPool pool = new ScriptedPool(
                (loser, job) -> loser == 0 ? ScriptedPool.HANG_UP : new Message.Invalidated(job))) {
            int code = command("--connections", "3", "--host", "127.0.0.1", "--port", String.valueOf(pool.port()),
                    "--rounds", "1", "--warmup", "0");
            assertThat(code).isEqualTo(SwarmCommand.EXIT_ERRORS);
        }
        assertThat(output())
                .containsPattern("error: dropped connection: session \\d+ \\(swarm\\d+\\): the pool closed the"
                        + " connection")
                .contains("errors: 1 (dropped connection 1)");
    }

    @Test
    void aPoolThatIsNotThereIsAConnectErrorPerSession() throws Exception {
        // A client socket bound to a port and never connected holds that port without listening on it: connects to
        // it are refused, and no other test or process can take it while the socket is open. (Binding a server
        // socket to port 0 and closing it frees the number for anyone to reuse before the swarm connects.)
        int code;
        try (Socket holder = new Socket()) {
            holder.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            code = command("--connections", "5", "--host", "127.0.0.1", "--port", String.valueOf(holder.getLocalPort()));
        }
        assertThat(code).isEqualTo(SwarmCommand.EXIT_ERRORS);
        assertThat(output())
                .contains("0 of 5 connected")
                .containsPattern("error: connect failed: session 0 \\(swarm0\\): cannot connect to 127.0.0.1:\\d+: "
                        + "Connection refused")
                .contains("errors: 5 (connect failed 5)")
                .doesNotContain("Exception");
    }

    @Test
    void theTraceHasALinePerMeasuredTimeWithItsStartOnTheMonotonicClock() throws Exception {
        Path trace = dir.resolve("trace.txt");
        long before = System.nanoTime() / 1000;
        try (ScriptedPool pool = new ScriptedPool((loser, job) -> new Message.Invalidated(job))) {
            int code = command("--connections", "3", "--host", "127.0.0.1", "--port", String.valueOf(pool.port()),
                    "--rounds", "2", "--warmup", "1", "--trace", trace.toString());
            assertThat(code).as("exit code; the swarm printed:%n%s", output()).isEqualTo(SwarmCommand.EXIT_OK);
        }
        long after = System.nanoTime() / 1000;
        java.util.List<String> lines = java.nio.file.Files.readAllLines(trace);
        assertThat(lines.get(0)).startsWith("# minepool swarm trace").contains("CLOCK_MONOTONIC");
        assertThat(lines.get(1)).isEqualTo("# kind round phase session start_us latency_us");
        java.util.Map<String, Integer> counts = new java.util.TreeMap<>();
        for (String line : lines.subList(2, lines.size())) {
            String[] f = line.split(" ");
            assertThat(f).as(line).hasSize(6);
            counts.merge(f[0] + f[1] + f[2], 1, Integer::sum);
            assertThat(Integer.parseInt(f[3])).as(line).isBetween(0, 2);
            // One clock with the test's System.nanoTime: the start lies within the run, the latency after it.
            assertThat(Long.parseLong(f[4])).as(line).isBetween(before, after);
            assertThat(Long.parseLong(f[4]) + Long.parseLong(f[5])).as(line).isBetween(before, after);
        }
        // Every session's T in every round, one A (the winner) and an I for each of the other two.
        assertThat(counts).containsExactlyInAnyOrderEntriesOf(java.util.Map.of(
                "T1warmup", 3, "A1warmup", 1, "I1warmup", 2,
                "T2measured", 3, "A2measured", 1, "I2measured", 2,
                "T3measured", 3, "A3measured", 1, "I3measured", 2));
    }

    @Test
    void aTraceThatCannotBeWrittenStopsTheRunBeforeItStarts() throws Exception {
        try (ScriptedPool pool = new ScriptedPool((loser, job) -> new Message.Invalidated(job))) {
            int code = command("--connections", "2", "--host", "127.0.0.1", "--port", String.valueOf(pool.port()),
                    "--rounds", "1", "--trace", dir.toString()); // a directory
            assertThat(code).isEqualTo(SwarmCommand.EXIT_ERRORS);
        }
        assertThat(errBytes.toString(StandardCharsets.UTF_8))
                .startsWith("minepool client swarm: cannot write the trace " + dir)
                .doesNotContain("Exception");
        assertThat(output()).doesNotContain("connect:");
    }

    @Test
    void badOptionsExitTwoWithOneLine() {
        assertThat(command("--connections", "0")).isEqualTo(SwarmCommand.EXIT_USAGE);
        assertThat(command("--window", "x")).isEqualTo(SwarmCommand.EXIT_USAGE);
        assertThat(command("--bogus", "1")).isEqualTo(SwarmCommand.EXIT_USAGE);
        assertThat(errBytes.toString(StandardCharsets.UTF_8))
                .contains("--connections needs a whole number from 1 to 99999, not '0'")
                .contains("--window needs a whole number")
                .contains("unknown option '--bogus'")
                .doesNotContain("Exception");
    }

    @Test
    void latenciesUseTheNearestRank() {
        Latencies samples = new Latencies();
        for (int i = 100; i >= 1; i--) {
            samples.add(i);
        }
        assertThat(samples.median()).isEqualTo(50);
        assertThat(samples.percentile(0.99)).isEqualTo(99);
        assertThat(samples.max()).isEqualTo(100);
        samples.add(1000);
        assertThat(samples.percentile(0.99)).as("101 samples: the 100th smallest").isEqualTo(100);
    }
}
