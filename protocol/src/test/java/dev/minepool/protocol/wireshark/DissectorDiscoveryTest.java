package dev.minepool.protocol.wireshark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minepool.protocol.Message;
import dev.minepool.protocol.Protocol;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the dissector finds minepool traffic and what it shows when it cannot have whole messages: a range of
 * pool ports, the heuristic on a port nobody registered (and its refusal of other protocols), TCP reassembly
 * turned off, and the name in the Protocol column.
 */
class DissectorDiscoveryTest {
    private static final int MINER_PORT = 50_030;

    @TempDir
    Path dir;

    @BeforeEach
    void needsTshark() {
        Tshark.available().assumeAvailable();
    }

    private static Message.Task task(int job) {
        byte[] data = new byte[Protocol.DEFAULT_DATA_SIZE];
        Arrays.fill(data, (byte) 0x5a);
        return new Message.Task(job, 0, 1L << 24, 24, data);
    }

    private static SyntheticTcpSession aliceMining(SyntheticTcpSession.Capture capture, int poolPort) {
        return new SyntheticTcpSession(capture, MINER_PORT, poolPort)
                .fromMiner(new Message.GetWork("alice").toBytes())
                .fromPool(new Message.Task(7, 0, 1L << 24, 24, new byte[] {9, 9}).toBytes())
                .fromMiner(new Message.Submit(7, 42).toBytes())
                .fromPool(new Message.Accepted(7).toBytes());
    }

    @Test
    void decodesEveryPortOfTheRangePreference() throws Exception {
        Path capture = aliceMining(new SyntheticTcpSession.Capture(), 4004).writePcap(dir.resolve("range.pcap"));

        List<DecodedMessage> messages = Tshark.decode(capture, List.of("-o", "minepool.port:3333,4000-4010"));

        assertThat(messages).extracting(DecodedMessage::type).containsExactly("G", "T", "S", "A");
        assertThat(messages).flatExtracting(DecodedMessage::experts).as("every message from its own side").isEmpty();
    }

    @Test
    void findsMinepoolOnAnyPortByItsFirstMessageOnlyWhenTheHeuristicIsOn() throws Exception {
        SyntheticTcpSession.Capture capture = new SyntheticTcpSession.Capture();
        aliceMining(capture, 40_404);
        // Another protocol whose first byte is a G: an HTTP request on another unregistered port.
        new SyntheticTcpSession(capture, MINER_PORT + 1, 40_405)
                .fromMiner("GET / HTTP/1.1\r\nHost: example\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        Path file = capture.writePcap(dir.resolve("heuristic.pcap"));

        assertThat(Tshark.decode(file, List.of())).as("heuristic off by default").isEmpty();

        List<DecodedMessage> messages = Tshark.decode(file, List.of("-o", "minepool.heuristic:TRUE", "-2"));
        assertThat(messages).extracting(DecodedMessage::summary).containsExactly("G name=alice",
                "T job=7 slot=0 bits=24 len=2", "S job=7 nonce=0x0000002a", "A job=7 accepted");
        assertThat(messages).allSatisfy(m -> {
            assertThat(m.experts()).as("%s: the pool's side is the one the G went to", m).isEmpty();
            assertThat(m.text("miner")).isEqualTo("alice");
        });
        assertThat(messages.get(0).number("response_in")).isEqualTo(messages.get(1).frame());
        assertThat(messages).as("the HTTP connection stays HTTP's").allSatisfy(m -> assertThat(m.dstPort() == 40_405
                || m.srcPort() == 40_405).isFalse());
    }

    @Test
    void showsSegmentsWithoutReassemblyAndKeepsFramingAfterThem() throws Exception {
        byte[] bytes = task(20).toBytes();
        byte[] accepted = new Message.Accepted(20).toBytes();
        byte[] tailAndAccepted = Arrays.copyOf(Arrays.copyOfRange(bytes, 40, bytes.length), bytes.length - 40 + 3);
        System.arraycopy(accepted, 0, tailAndAccepted, bytes.length - 40, 3);
        // The T's type byte alone, then the rest of its header and some data, then the rest with an A.
        Path capture = new SyntheticTcpSession(MINER_PORT, Protocol.DEFAULT_PORT)
                .fromMiner(new Message.GetWork("hank").toBytes())
                .fromPool(Arrays.copyOfRange(bytes, 0, 1), Arrays.copyOfRange(bytes, 1, 40), tailAndAccepted)
                .writePcap(dir.resolve("no-reassembly.pcap"));

        List<DecodedMessage> messages = Tshark.decode(capture, List.of("-o", "tcp.desegment_tcp_streams:FALSE"));

        assertThat(messages).extracting(DecodedMessage::summary).containsExactly("G name=hank",
                "T segment (bytes 1-1 of ?)", "T segment (bytes 2-40 of 1036, from frame " + messages.get(1).frame()
                        + ")", "T segment (bytes 41-1036 of 1036, from frame " + messages.get(1).frame() + ")",
                "A job=20 accepted");
        assertThat(messages.subList(1, 4)).allSatisfy(m -> assertThat(m.experts()).singleElement().asString()
                .startsWith("minepool.segment: "));
        assertThat(messages.get(4).experts()).as("the A after the T's last bytes is framed").isEmpty();
        assertThat(messages.get(4).text("miner")).isEqualTo("hank");
    }

    @Test
    void reportsItsVersionWhenInstalledAsAPlugin() throws Exception {
        String plugins = Tshark.installedPlugins(dir.resolve("home"));

        assertThat(plugins.lines().filter(line -> line.startsWith("minepool.lua")))
                .as(plugins).singleElement().asString().matches("minepool\\.lua\\s+2\\.1\\.0\\s+lua script\\s+.*");
    }

    /** Five characters: the column's default width holds six of the packet list's font (see minepool.lua). */
    @Test
    void namesItselfInTheProtocolColumnShortEnoughForItsDefaultWidth() throws Exception {
        Path capture = aliceMining(new SyntheticTcpSession.Capture(), Protocol.DEFAULT_PORT)
                .writePcap(dir.resolve("column.pcap"));

        Map<Integer, String> protocols = Tshark.fieldByFrame(capture, List.of("-Y", "minepool"), "_ws.col.Protocol");

        assertThat(protocols).hasSize(4);
        assertThat(protocols.values()).containsOnly("mpool");
    }
}
