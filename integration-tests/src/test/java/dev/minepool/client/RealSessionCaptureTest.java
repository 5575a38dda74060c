package dev.minepool.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minepool.protocol.Direction;
import dev.minepool.protocol.Message;
import dev.minepool.protocol.MessageReader;
import dev.minepool.protocol.ProofOfWork;
import dev.minepool.protocol.wireshark.DecodedMessage;
import dev.minepool.protocol.wireshark.Tshark;
import dev.minepool.protocol.wireshark.TsharkCapture;
import dev.minepool.server.PoolConfig;
import dev.minepool.server.PoolLog;
import dev.minepool.server.PoolServer;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Wireshark dissector on a real session: the real pool, two real miners and a third connection that
 * submits a deliberately wrong nonce, captured on the loopback interface with dumpcap and decoded by tshark
 * with {@code protocol/wireshark/minepool.lua}. Every message type occurs (G T S A I R Q), and the decoded
 * fields must tell the same story as the session: job numbers follow from T to S to A/R/I on each connection,
 * names are the miners', and every accepted nonce meets the zero bits over the data the dissector shows.
 *
 * <p>Set {@code -Dminepool.keepCaptures=DIR} to keep the capture, to look at it by hand.
 */
class RealSessionCaptureTest {
    private static final int ZERO_BITS = 12;
    private static final int BLOCKS = 3; // at least
    private static final Duration HANG_GUARD = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @BeforeEach
    void needsCaptureRights() {
        TsharkCapture.available().assumeAvailable();
    }

    @Test
    void decodesARealPoolSessionWithEveryMessageType() throws Exception {
        PrintStream silent = new PrintStream(OutputStream.nullOutputStream());
        PoolConfig config = PoolConfig.forTest(dir.resolve("chain.dat"), ZERO_BITS).withSlotSize(1 << 16)
                .withLog(new PoolLog(silent, System.err));
        ExecutorService threads = Executors.newFixedThreadPool(2);
        Path capture;
        int poolPort;
        long blocks;
        try (PoolServer pool = new PoolServer(config)) {
            pool.start();
            poolPort = pool.port();
            try (TsharkCapture recording = TsharkCapture.start(poolPort, dir)) {
                // mallory takes a slot and submits a nonce that does not meet the bits: R. It keeps the
                // slot, so it is sent I when a real miner wins, and Q when the pool stops.
                try (Socket mallory = new Socket(InetAddress.getLoopbackAddress(), poolPort)) {
                    mallory.setSoTimeout((int) HANG_GUARD.toMillis());
                    MessageReader reader = new MessageReader(mallory.getInputStream(), Direction.SERVER_TO_CLIENT);
                    OutputStream out = mallory.getOutputStream();
                    out.write(new Message.GetWork("mallory").toBytes());
                    Message.Task task = (Message.Task) reader.read();
                    out.write(new Message.Submit(task.job(), wrongNonce(task)).toBytes());
                    assertThat(reader.read()).isEqualTo(new Message.Rejected(task.job()));

                    List<Future<MiningSummary>> miners = new ArrayList<>();
                    List<CapturedOutput> outputs = new ArrayList<>();
                    for (String name : List.of("alice", "bob")) {
                        CapturedOutput output = new CapturedOutput();
                        outputs.add(output);
                        MinerConfig minerConfig = MinerConfig.of(name, "127.0.0.1", poolPort, 1, false);
                        miners.add(threads.submit(() -> new Miner(minerConfig, output.stream()).run()));
                    }
                    // Not --max-blocks: the pool could finish before the second miner connects, and that miner
                    // would rightly keep retrying. Both must hold work; then the pool stops with Q to everyone.
                    for (CapturedOutput output : outputs) {
                        output.awaitLine(" slot ");
                    }
                    assertThat(pool.awaitBlocks(BLOCKS, HANG_GUARD)).as("the pool mined %d blocks", BLOCKS).isTrue();
                    pool.close();
                    blocks = pool.blocksMined();
                    for (Future<MiningSummary> miner : miners) {
                        miner.get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS);
                    }
                    // Read mallory's stream to its end, so its I and Q are on the wire before the capture stops.
                    Message last;
                    do {
                        last = reader.read();
                    } while (last != null && !(last instanceof Message.Quit));
                }
                capture = recording.stop();
            }
        } finally {
            threads.shutdownNow();
        }
        TsharkCapture.keep(capture, "real-session.pcap");

        List<DecodedMessage> messages = Tshark.decode(capture, Tshark.poolPort(poolPort));
        assertThat(messages).as("every message decodes without expert info")
                .allSatisfy(m -> assertThat(m.experts()).as("%s", m).isEmpty());
        assertThat(messages.stream().map(DecodedMessage::type).collect(Collectors.toSet()))
                .containsExactlyInAnyOrder("G", "T", "S", "A", "I", "R", "Q");
        assertThat(messages).filteredOn(m -> m.type().equals("A")).hasSize((int) blocks);
        assertThat(messages).filteredOn(m -> m.type().equals("G")).extracting(m -> m.text("name"))
                .containsOnly("alice", "bob", "mallory").contains("alice", "bob", "mallory");

        // Follow each connection (by the miner's port) through the decoded messages.
        Map<Integer, Map<Long, DecodedMessage>> tasksByMiner = new HashMap<>();
        Map<Integer, Map<Long, DecodedMessage>> submitsByMiner = new HashMap<>();
        for (DecodedMessage m : messages) {
            boolean fromPool = m.from(poolPort);
            int miner = fromPool ? m.dstPort() : m.srcPort();
            assertThat(fromPool).as("%s travels the right way", m).isEqualTo(Set.of("T", "A", "I", "R", "Q").contains(m.type()));
            Map<Long, DecodedMessage> tasks = tasksByMiner.computeIfAbsent(miner, k -> new HashMap<>());
            Map<Long, DecodedMessage> submits = submitsByMiner.computeIfAbsent(miner, k -> new HashMap<>());
            switch (m.type()) {
                case "T" -> {
                    assertThat(m.number("zero_bits")).isEqualTo(ZERO_BITS);
                    assertThat(m.number("data_len")).isEqualTo(1024);
                    tasks.put(m.number("job"), m);
                }
                case "S" -> {
                    assertThat(tasks).as("%s names a job this miner was given", m).containsKey(m.number("job"));
                    DecodedMessage task = tasks.get(m.number("job"));
                    assertThat(m.number("nonce")).as("%s lies in its slot", m)
                            .isBetween(task.number("nonce_first"), task.number("nonce_end") - 1);
                    submits.put(m.number("job"), m);
                }
                case "A", "R" -> {
                    DecodedMessage submit = submits.get(m.number("job"));
                    assertThat(submit).as("%s answers an S for the same job", m).isNotNull();
                    byte[] data = HexFormat.of().parseHex(tasks.get(m.number("job")).hex("data"));
                    assertThat(ProofOfWork.verify(data, submit.number("nonce"), ZERO_BITS))
                            .as("%s: the nonce %s meets %d bits", m, submit.summary(), ZERO_BITS)
                            .isEqualTo(m.type().equals("A"));
                }
                case "I" -> assertThat(tasks).as("%s names a job this miner was given", m)
                        .containsKey(m.number("job"));
                default -> {
                }
            }
        }
        assertThat(tasksByMiner).as("three connections").hasSize(3);

        assertLinkedAsTheGuiShowsThem(capture, poolPort);
        assertStatisticsCount(capture, poolPort, messages);
    }

    /**
     * The same capture in two passes, as the GUI shows it: every answer points back at the request it answers
     * on its own connection (a T at a G, an A or R at an S for the same job), with the time between them; every
     * request that the pool did not quit before points forward at its answer; every message carries the name of
     * its connection's G; and two passes find nothing to flag either.
     */
    private static void assertLinkedAsTheGuiShowsThem(Path capture, int poolPort) throws Exception {
        List<String> options = new ArrayList<>(Tshark.poolPort(poolPort));
        options.addAll(Tshark.twoPass());
        List<DecodedMessage> linked = Tshark.decode(capture, options);
        assertThat(linked).as("two passes: no expert info either")
                .allSatisfy(m -> assertThat(m.experts()).as("%s", m).isEmpty());
        Map<Integer, String> names = new HashMap<>();
        for (DecodedMessage m : linked) {
            int miner = m.from(poolPort) ? m.dstPort() : m.srcPort();
            if (m.type().equals("G")) {
                names.putIfAbsent(miner, m.text("name"));
            }
            assertThat(m.text("miner")).as("miner of %s", m).isEqualTo(names.get(miner));
            switch (m.type()) {
                case "G", "S" -> assertThat(m.has("response_in") || m.has("quit_in"))
                        .as("%s is answered, or the pool quit first", m).isTrue();
                case "T", "A", "R" -> assertThat(m.has("response_to")).as("%s answers a request", m).isTrue();
                case "I" -> assertThat(m.has("response_to") || m.has("broadcast"))
                        .as("%s answers an S or is unasked", m).isTrue();
                default -> {
                }
            }
            if (m.has("response_to")) {
                String asked = m.type().equals("T") ? "G" : "S";
                DecodedMessage request = linked.stream()
                        .filter(r -> r.frame() == m.number("response_to") && r.srcPort() == miner
                                && r.type().equals(asked))
                        .findFirst().orElseThrow(() -> new AssertionError(m + " points at frame "
                                + m.number("response_to") + ", which holds no " + asked + " from its miner"));
                if (asked.equals("S")) {
                    assertThat(m.number("job")).as("%s answers %s", m, request).isEqualTo(request.number("job"));
                }
                assertThat(request.number("response_in")).as("%s points forward at %s", request, m)
                        .isEqualTo(m.frame());
                assertThat(m.seconds("time")).as("response time of %s", m)
                        .isEqualByComparingTo(m.time().subtract(request.time()));
            }
        }
    }

    /** The statistics tap counts what the dissector decoded, message by message. */
    private static void assertStatisticsCount(Path capture, int poolPort, List<DecodedMessage> messages)
            throws Exception {
        String table = Tshark.statistics(capture, Tshark.poolPort(poolPort), java.util.Optional.empty());
        List<String> rows = table.lines().map(line -> line.strip().replaceAll(" +", " ")).toList();
        Map<String, String> names = Map.of("G", "get work", "T", "task", "S", "submit", "A", "accepted",
                "I", "invalidated", "R", "rejected", "Q", "quit");
        for (Map.Entry<String, String> type : names.entrySet()) {
            long count = messages.stream().filter(m -> m.type().equals(type.getKey())).count();
            assertThat(rows).as(table).contains(type.getKey() + " " + type.getValue() + " " + count);
        }
        assertThat(rows).as(table).contains("all " + messages.size());
        for (String miner : List.of("alice", "bob", "mallory")) {
            assertThat(rows).as(table).anyMatch(row -> row.startsWith(miner + " "));
        }
    }

    private static long wrongNonce(Message.Task task) {
        byte[] data = task.data();
        for (long n = task.firstNonce(); ; n++) {
            if (!ProofOfWork.verify(data, n, task.zeroBits())) {
                return n;
            }
        }
    }

}
