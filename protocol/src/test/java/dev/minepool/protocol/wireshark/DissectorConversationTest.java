package dev.minepool.protocol.wireshark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minepool.protocol.Message;
import dev.minepool.protocol.Protocol;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the dissector knows from a whole connection rather than one message: which answer belongs to which
 * request (both ways, with the response time), whose connection it is, and the expert info that only the
 * history can give (a duplicate S, an answer for another job, a changed name, a request never answered).
 * Captures are written with {@link SyntheticTcpSession}, whose clock is known, so response times are exact.
 */
class DissectorConversationTest {
    private static final int POOL_PORT = Protocol.DEFAULT_PORT;
    private static final HexFormat HEX = HexFormat.of();
    /** Between a request and an answer written right after it: its ACK, then the answer, 1 ms apart each. */
    private static final Duration BACK_TO_BACK = Duration.ofMillis(2);

    @TempDir
    Path dir;

    @BeforeEach
    void needsTshark() {
        Tshark.available().assumeAvailable();
    }

    private static byte[] bytes(Message message) {
        return message.toBytes();
    }

    private static Message.Task task(int job, int slot) {
        return new Message.Task(job, slot, 1L << 24, 24, new byte[] {1, 2, 3, 4});
    }

    private static List<DecodedMessage> ofType(List<DecodedMessage> messages, String type) {
        return messages.stream().filter(m -> m.type().equals(type)).toList();
    }

    private static BigDecimal seconds(Duration duration) {
        return BigDecimal.valueOf(duration.toNanos(), 9);
    }

    @Test
    void linksEachRequestToItsAnswerBothWaysWithTheResponseTime() throws Exception {
        SyntheticTcpSession.Capture capture = new SyntheticTcpSession.Capture();
        SyntheticTcpSession alice = new SyntheticTcpSession(capture, 50_010, POOL_PORT);
        alice.fromMiner(bytes(new Message.GetWork("alice")));
        capture.idle(Duration.ofMillis(250));
        alice.fromPool(bytes(task(12, 3)));
        alice.fromMiner(bytes(new Message.Submit(12, 0x0003fa1cL)));
        capture.idle(Duration.ofMillis(40));
        alice.fromPool(bytes(new Message.Accepted(12)));
        alice.fromMiner(bytes(new Message.GetWork("alice")));
        alice.fromPool(bytes(task(13, 0)));
        alice.fromMiner(bytes(new Message.Submit(13, 7)));
        alice.fromPool(bytes(new Message.Rejected(13)));
        Path file = capture.writePcap(dir.resolve("links.pcap"));

        List<DecodedMessage> messages = Tshark.decode(file, Tshark.twoPass());

        assertThat(messages).extracting(DecodedMessage::type).containsExactly("G", "T", "S", "A", "G", "T", "S", "R");
        for (int request = 0; request < messages.size(); request += 2) {
            DecodedMessage asked = messages.get(request);
            DecodedMessage answer = messages.get(request + 1);
            assertThat(asked.number("response_in")).as("%s points forward to its answer", asked)
                    .isEqualTo(answer.frame());
            assertThat(answer.number("response_to")).as("%s points back to its request", answer)
                    .isEqualTo(asked.frame());
            assertThat(answer.seconds("time")).as("response time of %s", answer)
                    .isEqualByComparingTo(answer.time().subtract(asked.time()));
            assertThat(asked.has("time")).as("a request carries no response time").isFalse();
            assertThat(asked.has("response_to")).isFalse();
            assertThat(answer.has("response_in")).isFalse();
        }
        assertThat(messages.get(1).seconds("time")).as("G -> T, with 250 ms of idling")
                .isEqualByComparingTo(seconds(BACK_TO_BACK.plusMillis(250)));
        assertThat(messages.get(3).seconds("time")).as("S -> A, with 40 ms of idling")
                .isEqualByComparingTo(seconds(BACK_TO_BACK.plusMillis(40)));
        assertThat(messages.get(7).seconds("time")).as("S -> R, back to back")
                .isEqualByComparingTo(seconds(BACK_TO_BACK));
        assertThat(messages).flatExtracting(DecodedMessage::experts).as("expert info").isEmpty();

        // One pass reaches each request before its answer: the answer links back, the request cannot yet.
        List<DecodedMessage> onePass = Tshark.decode(file, List.of());
        assertThat(onePass.get(1).number("response_to")).isEqualTo(onePass.get(0).frame());
        assertThat(onePass.get(0).has("response_in")).as("G in one pass").isFalse();
    }

    @Test
    void marksAnInvalidatedThatAnswersNoSubmitAsABroadcast() throws Exception {
        SyntheticTcpSession bob = new SyntheticTcpSession(50_011, POOL_PORT)
                .fromMiner(bytes(new Message.GetWork("bob")))
                .fromPool(bytes(task(12, 1)), bytes(new Message.Invalidated(12)))
                .fromMiner(bytes(new Message.Submit(12, 99)))
                .fromPool(bytes(new Message.Invalidated(12)), bytes(new Message.Accepted(12)));

        List<DecodedMessage> messages = Tshark.decode(bob.writePcap(dir.resolve("broadcast.pcap")), Tshark.twoPass());

        assertThat(messages).extracting(DecodedMessage::summary).containsExactly("G name=bob",
                "T job=12 slot=1 bits=24 len=4", "I job=12 invalidated (unasked)", "S job=12 nonce=0x00000063",
                "I job=12 invalidated", "A job=12 accepted");
        DecodedMessage unasked = messages.get(2);
        assertThat(unasked.text("broadcast")).isIn("True", "1");
        assertThat(unasked.has("response_to")).as("a broadcast answers nothing").isFalse();
        DecodedMessage answer = messages.get(4);
        assertThat(answer.number("response_to")).as("the I after the S answers it").isEqualTo(messages.get(3).frame());
        assertThat(answer.has("broadcast")).isFalse();
        DecodedMessage stray = messages.get(5);
        assertThat(stray.text("unsolicited")).as("an A with no S waiting").isIn("True", "1");
        assertThat(stray.has("response_to")).isFalse();
    }

    @Test
    void namesTheMinerOnEveryMessageOfItsConnectionOnceItsGetWorkIsSeen() throws Exception {
        SyntheticTcpSession.Capture capture = new SyntheticTcpSession.Capture();
        SyntheticTcpSession alice = new SyntheticTcpSession(capture, 50_012, POOL_PORT);
        SyntheticTcpSession bob = new SyntheticTcpSession(capture, 50_013, POOL_PORT);
        // bob submits before asking for work: the pool rejects it, and nobody knows whose it is yet.
        bob.fromMiner(bytes(new Message.Submit(3, 4)));
        bob.fromPool(bytes(new Message.Rejected(3)));
        alice.fromMiner(bytes(new Message.GetWork("alice")));
        bob.fromMiner(bytes(new Message.GetWork("bob")));
        bob.fromPool(bytes(task(12, 0)));
        alice.fromPool(bytes(task(12, 1)));
        alice.fromMiner(bytes(new Message.Submit(12, 0x0003fa1cL)));
        alice.fromPool(bytes(new Message.Accepted(12)));
        bob.fromPool(concat(new Message.Invalidated(12), new Message.Quit(Message.Quit.Reason.SHUTDOWN)));
        Path file = capture.writePcap(dir.resolve("miners.pcap"));

        List<DecodedMessage> messages = Tshark.decode(file, List.of());
        Map<Integer, String> info = Tshark.infoColumns(file, List.of());

        for (DecodedMessage m : messages) {
            int minerPort = m.from(POOL_PORT) ? m.dstPort() : m.srcPort();
            boolean beforeGetWork = minerPort == 50_013 && m.frame() < ofType(messages, "G").get(1).frame();
            if (beforeGetWork) {
                assertThat(m.has("miner")).as("%s comes before bob's G", m).isFalse();
            } else {
                assertThat(m.text("miner")).as("miner of %s", m).isEqualTo(minerPort == 50_012 ? "alice" : "bob");
            }
        }
        DecodedMessage submit = ofType(messages, "S").get(1);
        assertThat(info.get(submit.frame())).isEqualTo("S job=12 nonce=0x0003fa1c [alice]");
        assertThat(info.get(ofType(messages, "G").get(0).frame())).as("a G names its miner already")
                .isEqualTo("G name=alice");
        assertThat(info.get(ofType(messages, "Q").get(0).frame())).as("one name for all messages of a frame")
                .isEqualTo("I job=12 invalidated (unasked), Q quit: the pool is shutting down [bob]");
        assertThat(info.get(ofType(messages, "S").get(0).frame())).as("before bob's G")
                .isEqualTo("S job=3 nonce=0x00000004");
    }

    @Test
    void escapesANameThatCouldReorderOrHideText() throws Exception {
        // "a", RIGHT-TO-LEFT OVERRIDE, "b\": shown as escapes, so the Info column's order cannot be forged
        byte[] getWork = java.util.Arrays.copyOf(HEX.parseHex("47" + "61e280ae625c"), 11);
        SyntheticTcpSession session = new SyntheticTcpSession(50_014, POOL_PORT)
                .fromMiner(getWork, bytes(new Message.Submit(1, 2)));
        Path file = session.writePcap(dir.resolve("escaped.pcap"));

        Map<Integer, String> info = Tshark.infoColumns(file, List.of());
        List<DecodedMessage> messages = Tshark.decode(file, List.of());

        assertThat(info.get(messages.get(0).frame())).isEqualTo("G name=a\\u{202E}b\\\\");
        assertThat(info.get(messages.get(1).frame())).isEqualTo("S job=1 nonce=0x00000002 [a\\u{202E}b\\\\]");
        assertThat(messages.get(0).experts()).containsExactly(
                "minepool.bad_name: G carries a miner name that contains an invisible format character (U+202E)");
    }

    @Test
    void flagsADuplicateSubmitAnAnswerForAnotherJobAndAChangedName() throws Exception {
        SyntheticTcpSession session = new SyntheticTcpSession(50_015, POOL_PORT)
                .fromMiner(bytes(new Message.GetWork("carol")))
                .fromPool(bytes(task(12, 0)))
                .fromMiner(bytes(new Message.Submit(12, 5)))
                .fromPool(bytes(new Message.Rejected(12)))
                .fromMiner(bytes(new Message.Submit(12, 5)))
                .fromPool(bytes(new Message.Rejected(30)))
                .fromMiner(bytes(new Message.GetWork("dave")))
                .fromPool(bytes(new Message.Quit(Message.Quit.Reason.NAME_CHANGED)));

        List<DecodedMessage> messages = Tshark.decode(session.writePcap(dir.resolve("experts.pcap")), Tshark.twoPass());

        assertThat(messages).extracting(DecodedMessage::type).containsExactly("G", "T", "S", "R", "S", "R", "G", "Q");
        assertThat(messages.get(4).experts()).containsExactly(
                "minepool.duplicate: S job=12 nonce=0x00000005 was sent before, in frame " + messages.get(2).frame());
        assertThat(messages.get(5).experts()).containsExactly("minepool.job_mismatch: R names job 30, but the S it "
                + "answers (frame " + messages.get(4).frame() + ") named job 12");
        assertThat(messages.get(6).experts()).containsExactly("minepool.name_changed: this connection's first G "
                + "(frame " + messages.get(0).frame() + ") named carol: the pool answers Q (reason 4)");
        assertThat(messages.get(6).text("miner")).as("the connection stays carol's").isEqualTo("carol");
        assertThat(messages.get(7).number("response_to")).as("Q reason 4 answers the G that changed the name")
                .isEqualTo(messages.get(6).frame());
        assertThat(messages).filteredOn(m -> List.of(0, 1, 2, 3, 7).contains(messages.indexOf(m)))
                .allSatisfy(m -> assertThat(m.experts()).as("%s", m).isEmpty());
    }

    @Test
    void flagsARequestLeftUnansweredButNotOneThePoolQuitBefore() throws Exception {
        SyntheticTcpSession.Capture capture = new SyntheticTcpSession.Capture();
        SyntheticTcpSession silent = new SyntheticTcpSession(capture, 50_016, POOL_PORT);
        silent.fromMiner(bytes(new Message.GetWork("erin")));
        silent.fromPool(bytes(task(1, 0)));
        silent.fromMiner(bytes(new Message.Submit(1, 9)));
        SyntheticTcpSession quitting = new SyntheticTcpSession(capture, 50_017, POOL_PORT);
        quitting.fromMiner(bytes(new Message.GetWork("frank")));
        quitting.fromPool(bytes(new Message.Quit(Message.Quit.Reason.SHUTDOWN)));
        quitting.fromMiner(bytes(new Message.GetWork("frank")));
        Path file = capture.writePcap(dir.resolve("unanswered.pcap"));

        List<DecodedMessage> messages = Tshark.decode(file, Tshark.twoPass());

        DecodedMessage lostSubmit = messages.get(2);
        assertThat(lostSubmit.summary()).isEqualTo("S job=1 nonce=0x00000009");
        assertThat(lostSubmit.experts()).containsExactly("minepool.unanswered: no answer to this S in the capture");
        DecodedMessage quit = messages.get(4);
        assertThat(quit.type()).isEqualTo("Q");
        for (DecodedMessage getWork : List.of(messages.get(3), messages.get(5))) {
            assertThat(getWork.experts()).as("%s: the pool quit, it did not ignore it", getWork).isEmpty();
            assertThat(getWork.number("quit_in")).isEqualTo(quit.frame());
        }
        assertThat(Tshark.decode(file, List.of()).get(2).experts())
                .as("one pass cannot know that no answer follows").isEmpty();
    }

    @Test
    void flagsAMessageTheCaptureCutShort() throws Exception {
        SyntheticTcpSession session = new SyntheticTcpSession(50_018, POOL_PORT);
        session.fromMiner(bytes(new Message.GetWork("gina")));
        // Ethernet, IPv4 and TCP headers (54 bytes) and the first 30 bytes of the 1036-byte T.
        session.capture().snapLength(54 + 30);
        session.fromPool(bytes(new Message.Task(4, 0, 1L << 24, 24, new byte[1024])));

        List<DecodedMessage> messages = Tshark.decode(session.writePcap(dir.resolve("snapped.pcap")), List.of());

        assertThat(messages).hasSize(2);
        assertThat(messages.get(1).experts()).containsExactly("minepool.truncated: T (task) needs 1036 bytes, but "
                + "the capture kept only 30 of this segment's");
    }

    private static byte[] concat(Message... messages) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (Message message : messages) {
            out.writeBytes(message.toBytes());
        }
        return out.toByteArray();
    }
}
