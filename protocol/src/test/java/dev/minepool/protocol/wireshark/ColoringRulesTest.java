package dev.minepool.protocol.wireshark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minepool.protocol.BlockHeader;
import dev.minepool.protocol.Message;
import dev.minepool.protocol.Protocol;
import dev.minepool.protocol.ledger.TestKeys;
import dev.minepool.protocol.ledger.Transfer;
import dev.minepool.protocol.ledger.TxRegion;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coloring rules shipped beside the dissector ({@code minepool.colorfilters}): each rule's filter is one
 * Wireshark accepts, and colors exactly the packets it is named for in a capture that holds one of each (and
 * a clean connection, which none of them colors).
 */
class ColoringRulesTest {
    /** {@code @name@filter@[background r,g,b][foreground r,g,b]}, as Wireshark writes its colorfilters file. */
    private static final Pattern RULE = Pattern.compile(
            "^@([^@]+)@([^@]+)@\\[(\\d+),(\\d+),(\\d+)\\]\\[(\\d+),(\\d+),(\\d+)\\]$");
    private static final int POOL_PORT = Protocol.DEFAULT_PORT;

    @TempDir
    Path dir;

    @BeforeEach
    void needsTshark() {
        Tshark.available().assumeAvailable();
    }

    private static Map<String, String> rules() throws Exception {
        Path file = Tshark.dissector().resolveSibling("minepool.colorfilters");
        Map<String, String> rules = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            Matcher rule = RULE.matcher(line);
            assertThat(rule.matches()).as("a rule in Wireshark's colorfilters format: %s", line).isTrue();
            for (int color = 3; color <= 8; color++) {
                assertThat(Integer.parseInt(rule.group(color))).as("16-bit color in %s", line).isBetween(0, 65535);
            }
            rules.put(rule.group(1), rule.group(2));
        }
        return rules;
    }

    @Test
    void eachRuleColorsThePacketsItIsNamedFor() throws Exception {
        SyntheticTcpSession.Capture capture = new SyntheticTcpSession.Capture();
        new SyntheticTcpSession(capture, 50_040, POOL_PORT)
                .fromMiner(new Message.GetWork("clean").toBytes())
                .fromPool(new Message.Task(1, 0, 1L << 24, 24, new byte[4]).toBytes())
                .fromMiner(new Message.Submit(1, 1).toBytes())
                .fromPool(new Message.Rejected(1).toBytes());
        new SyntheticTcpSession(capture, 50_041, POOL_PORT)
                .fromMiner("Zap".getBytes(StandardCharsets.US_ASCII));
        new SyntheticTcpSession(capture, 50_042, POOL_PORT)
                .fromMiner(new Message.Submit(2, 2).toBytes())
                .fromPool(new Message.Rejected(2).toBytes())
                .fromMiner(new Message.Submit(2, 2).toBytes());
        new SyntheticTcpSession(capture, 50_043, POOL_PORT)
                .fromPool(new Message.Accepted(3).toBytes(), new Message.Invalidated(4).toBytes());
        byte[] task = new Message.Task(5, 0, 1L << 24, 24, new byte[100]).toBytes();
        new SyntheticTcpSession(capture, 50_044, POOL_PORT)
                .fromPool(java.util.Arrays.copyOfRange(task, 0, 50),
                        java.util.Arrays.copyOfRange(task, 50, task.length));
        // A region whose second record has no known kind: the block it would make is invalid.
        byte[] data = new byte[1024];
        new BlockHeader(new byte[32], 9, 0, 0).writeTo(data);
        TxRegion.write(data, List.of(TestKeys.ALICE.send(TestKeys.BOB, 1, 1), TestKeys.ALICE.send(TestKeys.BOB, 2, 2)));
        data[TxRegion.RECORDS_OFFSET + Transfer.LENGTH] = 'Q';
        new SyntheticTcpSession(capture, 50_045, POOL_PORT)
                .fromMiner(new Message.GetWork("eve").toBytes())
                .fromPool(new Message.Task(6, 0, 1L << 24, 24, data).toBytes());
        Path file = capture.writePcap(dir.resolve("colors.pcap"));
        List<DecodedMessage> all = Tshark.decode(file, Tshark.twoPass());
        int zap = frameFrom(all, 50_041, 0);
        int duplicate = frameFrom(all, 50_042, 2);
        int accepted = frameFrom(all, 50_043, 0);
        int unasked = frameFrom(all, 50_043, 1);
        int badRegion = frameFrom(all, 50_045, 1);

        Map<String, String> rules = rules();
        assertThat(rules.keySet()).containsExactly("minepool framing broken", "minepool protocol violation",
                "minepool bad transaction region", "minepool unanswered", "minepool segment (no reassembly)", "minepool block accepted",
                "minepool unasked I");
        assertThat(colored(file, rules.get("minepool framing broken"))).containsExactly(zap);
        assertThat(colored(file, rules.get("minepool protocol violation"))).containsExactly(duplicate);
        assertThat(colored(file, rules.get("minepool bad transaction region"))).containsExactly(badRegion);
        assertThat(colored(file, rules.get("minepool unanswered"))).as("the duplicate S is never answered")
                .containsExactly(duplicate);
        assertThat(colored(file, rules.get("minepool block accepted"))).containsExactly(accepted);
        assertThat(colored(file, rules.get("minepool unasked I"))).containsExactly(unasked);
        String segment = rules.get("minepool segment (no reassembly)");
        assertThat(colored(file, segment, List.of())).as("with reassembly on").isEmpty();
        List<String> noReassembly = List.of("-o", "tcp.desegment_tcp_streams:FALSE");
        List<Integer> pieces = Tshark.decode(file, noReassembly).stream()
                .filter(m -> m.dstPort() == 50_044).map(DecodedMessage::frame).toList();
        assertThat(pieces).as("the T in two pieces").hasSize(2);
        assertThat(colored(file, segment, noReassembly)).containsExactlyElementsOf(pieces);
    }

    /** The frame of the index-th message on the connection from the given miner port. */
    private static int frameFrom(List<DecodedMessage> messages, int minerPort, int index) {
        return messages.stream().filter(m -> m.srcPort() == minerPort || m.dstPort() == minerPort).toList()
                .get(index).frame();
    }

    private static List<Integer> colored(Path file, String filter) throws Exception {
        return colored(file, filter, List.of());
    }

    /** The frames the filter matches after two passes, as the GUI colors them. */
    private static List<Integer> colored(Path file, String filter, List<String> options) throws Exception {
        List<String> all = new java.util.ArrayList<>(options);
        all.addAll(List.of("-2", "-Y", filter));
        return List.copyOf(Tshark.fieldByFrame(file, all, "tcp.srcport").keySet());
    }
}
