package dev.minepool.protocol.wireshark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minepool.protocol.Message;
import dev.minepool.protocol.Protocol;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The statistics tap through {@code tshark -z minepool,tree}: the same table the GUI's Statistics › minepool
 * window shows. Two miners with known idle times, so every count and every response time is known exactly:
 *
 * <pre>
 *   alice  G -> T 102 ms, S -> A 22 ms, G -> T 302 ms
 *   bob    G -> T 202 ms, S -> R 12 ms, then an unasked I
 * </pre>
 *
 * (Each answer also comes 2 ms after its request's frame: the request's ACK and the answer, 1 ms apart.)
 */
class DissectorStatisticsTest {
    private static final int POOL_PORT = Protocol.DEFAULT_PORT;

    @TempDir
    Path dir;

    @BeforeEach
    void needsTshark() {
        Tshark.available().assumeAvailable();
    }

    private Path twoMiners() throws Exception {
        SyntheticTcpSession.Capture capture = new SyntheticTcpSession.Capture();
        SyntheticTcpSession alice = new SyntheticTcpSession(capture, 50_020, POOL_PORT);
        SyntheticTcpSession bob = new SyntheticTcpSession(capture, 50_021, POOL_PORT);
        exchange(alice, new Message.GetWork("alice"), 100, task(1, 0));
        exchange(bob, new Message.GetWork("bob"), 200, task(1, 1));
        exchange(alice, new Message.Submit(1, 0x1234), 20, new Message.Accepted(1));
        exchange(bob, new Message.Submit(1, 0x5678), 10, new Message.Rejected(1));
        bob.fromPool(new Message.Invalidated(1).toBytes());
        exchange(alice, new Message.GetWork("alice"), 300, task(2, 0));
        return capture.writePcap(dir.resolve("two-miners.pcap"));
    }

    private static void exchange(SyntheticTcpSession session, Message request, int idleMillis, Message answer) {
        session.fromMiner(request.toBytes());
        session.capture().idle(Duration.ofMillis(idleMillis));
        session.fromPool(answer.toBytes());
    }

    private static Message.Task task(int job, int slot) {
        return new Message.Task(job, slot, 1L << 24, 24, new byte[] {1, 2, 3, 4});
    }

    /** The table's lines with runs of spaces made one, so that a test does not depend on column widths. */
    private static List<String> rows(String table) {
        return table.lines().map(line -> line.strip().replaceAll(" +", " ")).toList();
    }

    @Test
    void countsMessagesByTypeAndByMinerAndTimesTheAnswers() throws Exception {
        String table = Tshark.statistics(twoMiners(), List.of(), Optional.empty());

        assertThat(rows(table)).as(table).containsSubsequence(
                "minepool statistics",
                "Filter: minepool",
                "Messages by type count",
                "G get work 3",
                "T task 3",
                "S submit 2",
                "A accepted 1",
                "I invalidated 1",
                "R rejected 1",
                "Q quit 0",
                "all 11",
                "Messages by miner G T S A I R Q all",
                "alice 2 2 1 1 0 0 0 6",
                "bob 1 1 1 0 1 1 0 5",
                "Response times (seconds) count min avg max",
                "G -> T 3 0.102000 0.202000 0.302000",
                "S -> A/I/R 2 0.012000 0.017000 0.022000",
                "alice: G -> T 2 0.102000 0.202000 0.302000",
                "alice: S -> A/I/R 1 0.022000 0.022000 0.022000",
                "bob: G -> T 1 0.202000 0.202000 0.202000",
                "bob: S -> A/I/R 1 0.012000 0.012000 0.012000");
    }

    @Test
    void countsEachFrameOnceInTwoPassesAndKeepsToAFilter() throws Exception {
        Path capture = twoMiners();

        assertThat(Tshark.statistics(capture, Tshark.twoPass(), Optional.empty()))
                .as("tshark -2 hands frames to taps on both passes").isEqualTo(
                        Tshark.statistics(capture, List.of(), Optional.empty()));

        String bob = Tshark.statistics(capture, List.of(), Optional.of("minepool.miner == \"bob\""));
        assertThat(rows(bob)).as(bob).containsSubsequence(
                "Filter: minepool && (minepool.miner == \"bob\")",
                "G get work 1",
                "all 5",
                "bob 1 1 1 0 1 1 0 5",
                "G -> T 1 0.202000 0.202000 0.202000");
        assertThat(rows(bob)).noneMatch(row -> row.startsWith("alice"));
    }
}
