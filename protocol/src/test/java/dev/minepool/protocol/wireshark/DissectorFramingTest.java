package dev.minepool.protocol.wireshark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.minepool.protocol.BlockHeader;
import dev.minepool.protocol.Message;
import dev.minepool.protocol.MinerName;
import dev.minepool.protocol.Protocol;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Framing over TCP, from captures written with exact segment boundaries: several messages in one segment,
 * a 1036-byte T split over segments (also inside its 12-byte header), a T whose tail shares a segment with
 * the next message, an unknown type byte, a message sent the wrong way, and the ways to pick the port.
 */
class DissectorFramingTest {
    private static final int POOL_PORT = Protocol.DEFAULT_PORT;
    private static final int MINER_PORT = 50_002;
    private static final HexFormat HEX = HexFormat.of();

    @TempDir
    Path dir;

    @BeforeEach
    void needsTshark() {
        Tshark.available().assumeAvailable();
    }

    /** A T as the server sends it: 1024 data bytes that start with the server's block header. */
    private static Message.Task realisticTask(int job, int slot) {
        byte[] data = new byte[Protocol.DEFAULT_DATA_SIZE];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7);
        }
        byte[] previousHash = new byte[32];
        Arrays.fill(previousHash, (byte) 0xab);
        new BlockHeader(previousHash, 42, 1_763_780_461_123L, 0x1122334455667788L).writeTo(data);
        return new Message.Task(job, slot, 16_777_216L, 24, data);
    }

    private static byte[] concat(Message... messages) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Message message : messages) {
            out.writeBytes(message.toBytes());
        }
        return out.toByteArray();
    }

    /** Cuts bytes at the given offsets: {@code split(b, 1, 7)} gives b[0,1), b[1,7), b[7,end). */
    private static byte[][] split(byte[] bytes, int... cuts) {
        byte[][] pieces = new byte[cuts.length + 1][];
        int from = 0;
        for (int i = 0; i <= cuts.length; i++) {
            int to = i < cuts.length ? cuts[i] : bytes.length;
            pieces[i] = Arrays.copyOfRange(bytes, from, to);
            from = to;
        }
        return pieces;
    }

    private List<DecodedMessage> decode(SyntheticTcpSession session, String name) throws Exception {
        return Tshark.decode(session.writePcap(dir.resolve(name + ".pcap")), List.of());
    }

    @Test
    void decodesSeveralMessagesInOneSegment() throws Exception {
        SyntheticTcpSession session = new SyntheticTcpSession(MINER_PORT, POOL_PORT)
                .fromMiner(concat(new Message.GetWork("alice"), new Message.Submit(12, 0x0003fa1cL)))
                .fromPool(concat(new Message.Task(12, 3, 16_777_216L, 24, new byte[] {1, 2, 3, 4}),
                        new Message.Accepted(12), new Message.Invalidated(13), new Message.Rejected(14),
                        new Message.Quit(Message.Quit.Reason.SHUTDOWN)));
        Path capture = session.writePcap(dir.resolve("coalesced.pcap"));

        List<DecodedMessage> messages = Tshark.decode(capture, List.of());

        assertThat(messages).extracting(DecodedMessage::type).containsExactly("G", "S", "T", "A", "I", "R", "Q");
        assertThat(messages.get(0).frame()).as("G and S share a frame").isEqualTo(messages.get(1).frame());
        assertThat(messages.subList(2, 7)).extracting(DecodedMessage::frame).as("T A I R Q share a frame")
                .containsOnly(messages.get(2).frame());
        assertThat(messages).extracting(m -> m.has("job") ? m.number("job") : -1L)
                .containsExactly(-1L, 12L, 12L, 12L, 13L, 14L, -1L);
        assertThat(messages).flatExtracting(DecodedMessage::experts).isEmpty();

        Map<Integer, String> info = Tshark.infoColumns(capture, List.of());
        assertThat(info.get(messages.get(0).frame())).as("Info column of the miner's segment")
                .isEqualTo("G name=alice, S job=12 nonce=0x0003fa1c [alice]");
        // A answers the S; no S waits for the I, so it is the unasked kind.
        assertThat(info.get(messages.get(2).frame())).as("Info column of the pool's segment")
                .isEqualTo("T job=12 slot=3 bits=24 len=4, A job=12 accepted, I job=13 invalidated (unasked), "
                        + "R job=14 rejected, Q quit: the pool is shutting down [alice]");
    }

    @Test
    void reassemblesATaskSplitOverTwoSegments() throws Exception {
        Message.Task task = realisticTask(12, 3);
        byte[][] pieces = split(task.toBytes(), 600);

        List<DecodedMessage> messages = decode(new SyntheticTcpSession(MINER_PORT, POOL_PORT).fromPool(pieces),
                "task-in-two");

        assertThat(messages).as("one T from two segments").hasSize(1);
        assertTaskFields(messages.get(0), task);
    }

    @Test
    void reassemblesATaskSplitOverFiveSegmentsOneOfThemInsideItsHeader() throws Exception {
        Message.Task task = realisticTask(7, 0);
        // the type byte alone, then a cut inside the 12-byte header, inside the block header, and in the data
        byte[][] pieces = split(task.toBytes(), 1, 7, 40, 700);

        List<DecodedMessage> messages = decode(new SyntheticTcpSession(MINER_PORT, POOL_PORT).fromPool(pieces),
                "task-in-five");

        assertThat(messages).as("one T from five segments").hasSize(1);
        assertTaskFields(messages.get(0), task);
    }

    @Test
    void decodesATaskWhoseTailSharesASegmentWithTheNextMessage() throws Exception {
        Message.Task task = realisticTask(20, 1);
        byte[] bytes = task.toBytes();
        byte[] head = Arrays.copyOfRange(bytes, 0, 500);
        byte[] tailAndAccepted = concat(new Message.Accepted(20));
        tailAndAccepted = concatBytes(Arrays.copyOfRange(bytes, 500, bytes.length), tailAndAccepted);

        List<DecodedMessage> messages = decode(new SyntheticTcpSession(MINER_PORT, POOL_PORT)
                .fromPool(head, tailAndAccepted), "tail-and-accepted");

        assertThat(messages).extracting(DecodedMessage::type).containsExactly("T", "A");
        assertThat(messages.get(0).frame()).as("the T completes in the segment that carries the A")
                .isEqualTo(messages.get(1).frame());
        assertTaskFields(messages.get(0), task);
        assertThat(messages.get(1).number("job")).isEqualTo(20);
    }

    @Test
    void listsAReassembledTaskAndTheMessagesAfterItInTheInfoColumn() throws Exception {
        byte[] bytes = realisticTask(20, 1).toBytes();
        byte[] tailAndMore = concatBytes(Arrays.copyOfRange(bytes, 500, bytes.length),
                concat(new Message.Accepted(20), new Message.Invalidated(21)));
        Path capture = new SyntheticTcpSession(MINER_PORT, POOL_PORT)
                .fromMiner(new Message.GetWork("alice").toBytes())
                .fromPool(Arrays.copyOfRange(bytes, 0, 500), tailAndMore)
                .writePcap(dir.resolve("info-after-reassembly.pcap"));

        List<DecodedMessage> messages = Tshark.decode(capture, List.of());
        Map<Integer, String> info = Tshark.infoColumns(capture, List.of());

        assertThat(messages).extracting(DecodedMessage::type).containsExactly("G", "T", "A", "I");
        // TCP calls the dissector twice for that frame (the reassembled T, then the rest of the segment) and
        // keeps what the first call wrote: each call's messages end with the miner.
        assertThat(info.get(messages.get(1).frame())).isEqualTo("T job=20 slot=1 bits=24 len=1024 [alice], "
                + "A job=20 accepted, I job=21 invalidated (unasked) [alice]");
    }

    @Test
    void flagsAnUnknownTypeByteAndStopsDecodingThatDirection() throws Exception {
        // After 'Z' nothing in the miner's direction can be framed: the S that follows, in the next segment,
        // must not be decoded as if the stream were in step.
        byte[] garbage = concatBytes(new Message.GetWork("bob").toBytes(), "Zebra".getBytes(StandardCharsets.US_ASCII));
        SyntheticTcpSession session = new SyntheticTcpSession(MINER_PORT, POOL_PORT)
                .fromMiner(garbage, new Message.Submit(1, 5).toBytes())
                .fromPool(new Message.Quit(Message.Quit.Reason.SHUTDOWN).toBytes());

        List<DecodedMessage> messages = decode(session, "unknown-type");

        assertThat(messages).extracting(DecodedMessage::type).containsExactly("G", "?", "?", "Q");
        assertThat(messages.get(1).experts()).as("expert info on the unknown type byte").singleElement()
                .asString().startsWith("minepool.unknown_type: ").contains("'Z' (0x5a)");
        assertThat(messages.get(1).hex("undecoded")).isEqualTo(HEX.formatHex("Zebra".getBytes(StandardCharsets.US_ASCII)));
        assertThat(messages.get(2).experts()).as("expert info on the next segment").singleElement().asString()
                .startsWith("minepool.framing_lost: ");
        assertThat(messages.get(2).has("job")).as("the S after lost framing is not decoded").isFalse();
        assertThat(messages.get(3).experts()).as("the other direction keeps its framing").isEmpty();
    }

    @Test
    void warnsAboutAMessageFromTheWrongSide() throws Exception {
        List<DecodedMessage> messages = decode(new SyntheticTcpSession(MINER_PORT, POOL_PORT)
                .fromPool(new Message.GetWork("mallory").toBytes())
                .fromMiner(new Message.Accepted(3).toBytes()), "wrong-direction");

        assertThat(messages).extracting(DecodedMessage::type).containsExactly("G", "A");
        assertThat(messages).allSatisfy(m -> assertThat(m.experts()).as("expert info on %s", m).singleElement()
                .asString().startsWith("minepool.wrong_direction: "));
        assertThat(messages.get(0).text("name")).as("still decoded, by its type").isEqualTo("mallory");
    }

    @Test
    void warnsAboutMinerNamesThatBreakTheRules() throws Exception {
        byte[] empty = new byte[11];
        empty[0] = 'G';
        byte[] nulInside = Arrays.copyOf("Gab\0cd".getBytes(StandardCharsets.US_ASCII), 11);
        byte[] notUtf8 = Arrays.copyOf(new byte[] {'G', 'z', (byte) 0xc3, 'x'}, 11);

        List<DecodedMessage> messages = decode(new SyntheticTcpSession(MINER_PORT, POOL_PORT)
                .fromMiner(empty, nulInside, notUtf8), "bad-names");

        assertThat(messages).extracting(m -> m.experts().toString()).containsExactly(
                "[minepool.bad_name: G carries an empty miner name]",
                "[minepool.bad_name: G carries a miner name with a 0x00 byte inside it]",
                "[minepool.bad_name: G carries a miner name that is not valid UTF-8]");
    }

    /**
     * Version 2's rules (PROTOCOL.md, "Miner names"), each name in the G as the pool would receive it: the
     * dissector says which rule it breaks, in MinerName's words, and passes names that keep them. NFC is the
     * one rule it cannot check (no Unicode tables in the script): "zoe" + U+0308 is shown without a warning.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            616c690a6365   | contains a control character (U+000A)
            6109           | contains a control character (U+0009)
            1b5b324a       | contains a control character (U+001B)
            617f62         | contains a control character (U+007F)
            61c28562       | contains a control character (U+0085)
            61c29f         | contains a control character (U+009F)
            efbbbf616c6963 | contains an invisible format character (U+FEFF)
            61e2808b62     | contains an invisible format character (U+200B)
            61e2808f62     | contains an invisible format character (U+200F)
            61e280ae62     | contains an invisible format character (U+202E)
            61e281a062     | contains an invisible format character (U+2060)
            61e281a462     | contains an invisible format character (U+2064)
            61e281a662     | contains an invisible format character (U+2066)
            61e281a962     | contains an invisible format character (U+2069)
            61e280a862     | contains a line or paragraph separator (U+2028)
            61e280a962     | contains a line or paragraph separator (U+2029)
            616c69636520   | begins or ends with white space (U+0020)
            20616c696365   | begins or ends with white space (U+0020)
            c2a0626f62     | begins or ends with white space (U+00A0)
            626f62e38080   | begins or ends with white space (U+3000)
            """)
    void warnsWhichVersion2NameRuleANameBreaks(String nameHex, String rule) throws Exception {
        byte[] name = HEX.parseHex(nameHex);
        assertThatThrownBy(() -> MinerName.parse(name)).as("the codec refuses %s too", nameHex)
                .isInstanceOf(MinerName.InvalidNameException.class);
        byte[] getWork = Arrays.copyOf(new byte[] {'G'}, 11);
        System.arraycopy(name, 0, getWork, 1, name.length);

        List<DecodedMessage> messages = decode(new SyntheticTcpSession(MINER_PORT, POOL_PORT).fromMiner(getWork),
                "name-" + nameHex);

        assertThat(messages).singleElement().satisfies(m -> {
            assertThat(m.type()).isEqualTo("G");
            assertThat(m.experts()).as("expert info on the G with name bytes %s", nameHex)
                    .containsExactly("minepool.bad_name: G carries a miner name that " + rule);
        });
    }

    /** Valid names pass quietly, and so does the one rule the dissector cannot check: NFC. */
    @ParameterizedTest(name = "{0}: valid for the codec: {1}")
    @CsvSource(delimiter = '|', textBlock = """
            616c696365             | true
            7a6fc3ab               | true
            626f6220736d697468     | true
            e79fbfe5b7a5           | true
            30313233343536373839   | true
            7a6f65cc88             | false
            """)
    void passesNamesThatKeepTheRulesItCanCheck(String nameHex, boolean validForTheCodec) throws Exception {
        byte[] name = HEX.parseHex(nameHex);
        if (validForTheCodec) {
            assertThat(MinerName.parse(name).utf8()).isEqualTo(name);
        } else {
            assertThatThrownBy(() -> MinerName.parse(name)).as("zoe + U+0308 is not NFC")
                    .hasMessageContaining("Normalization Form C");
        }
        byte[] getWork = Arrays.copyOf(new byte[] {'G'}, 11);
        System.arraycopy(name, 0, getWork, 1, name.length);

        List<DecodedMessage> messages = decode(new SyntheticTcpSession(MINER_PORT, POOL_PORT).fromMiner(getWork),
                "name-" + nameHex);

        assertThat(messages).singleElement().satisfies(m -> {
            assertThat(m.text("name")).isEqualTo(new String(name, StandardCharsets.UTF_8));
            assertThat(m.experts()).as("expert info on the G with name bytes %s", nameHex).isEmpty();
        });
    }

    @Test
    void warnsAboutASlotReachingPastTheNonceSpace() throws Exception {
        // The codec refuses to build this T, so its bytes are written out: job 5, slot 256 of 2^24 nonces.
        byte[] task = HEX.parseHex("54" + "0005" + "0100" + "01000000" + "18" + "0000");

        List<DecodedMessage> messages = decode(new SyntheticTcpSession(MINER_PORT, POOL_PORT).fromPool(task),
                "slot-past-end");

        assertThat(messages).singleElement().satisfies(m -> {
            assertThat(m.number("nonce_end")).isEqualTo(257L << 24);
            assertThat(m.experts()).singleElement().asString().startsWith("minepool.slot_past_end: ");
        });
    }

    @Test
    void decodesAnotherPortThroughThePreferenceOrDecodeAs() throws Exception {
        int poolPort = 40_404;
        Path capture = new SyntheticTcpSession(MINER_PORT, poolPort)
                .fromMiner(new Message.GetWork("carol").toBytes())
                .fromPool(new Message.Invalidated(9).toBytes())
                .writePcap(dir.resolve("other-port.pcap"));

        assertThat(Tshark.decode(capture, List.of())).as("not the registered port: not decoded").isEmpty();
        for (List<String> options : List.of(Tshark.poolPort(poolPort), Tshark.decodeAs(poolPort))) {
            List<DecodedMessage> messages = Tshark.decode(capture, options);
            assertThat(messages).as("decoded with %s", options).extracting(DecodedMessage::summary)
                    .containsExactly("G name=carol", "I job=9 invalidated (unasked)");
            assertThat(messages).as("directions with %s", options).flatExtracting(DecodedMessage::experts).isEmpty();
        }
    }

    private static byte[] concatBytes(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static void assertTaskFields(DecodedMessage decoded, Message.Task task) {
        assertThat(decoded.type()).isEqualTo("T");
        assertThat(decoded.experts()).as("expert info on %s", decoded).isEmpty();
        assertThat(decoded.number("job")).isEqualTo(task.job());
        assertThat(decoded.number("slot")).isEqualTo(task.slot());
        assertThat(decoded.number("nonce_first")).isEqualTo(task.firstNonce());
        assertThat(decoded.number("nonce_end")).isEqualTo(task.endNonce());
        assertThat(decoded.number("zero_bits")).isEqualTo(task.zeroBits());
        assertThat(decoded.number("data_len")).isEqualTo(1024);
        assertThat(decoded.hex("data")).isEqualTo(HEX.formatHex(task.data()));
        BlockHeader header = BlockHeader.readFrom(task.data());
        assertThat(decoded.hex("prev_hash")).isEqualTo(HEX.formatHex(header.previousHash()));
        assertThat(decoded.number("height")).isEqualTo(header.height());
        assertThat(decoded.number("timestamp")).isEqualTo(header.timestampMillis());
        assertThat(decoded.number("extra_nonce")).isEqualTo(header.extraNonce());
        assertThat(decoded.summary()).isEqualTo("T job=" + task.job() + " slot=" + task.slot() + " bits=24 len=1024");
    }
}
