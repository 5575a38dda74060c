package dev.minepool.protocol.wireshark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minepool.protocol.BlockHeader;
import dev.minepool.protocol.Direction;
import dev.minepool.protocol.Message;
import dev.minepool.protocol.MessageDecoder;
import dev.minepool.protocol.ProofOfWork;
import dev.minepool.protocol.Protocol;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real TCP connection on the loopback interface, captured with dumpcap and decoded with the dissector: a
 * test pool (a ServerSocket on port 0) and a test miner play a scripted session with writes deliberately
 * split (a G in two writes, a T in three) and coalesced (A with the next T; a wrong S with a G; R, I and Q
 * together), using the protocol's own codec on both ends. The port is not 3333, so tshark is told the
 * pool's port, once by preference and once by Decode As.
 *
 * <p>Set {@code -Dminepool.keepCaptures=DIR} to keep the capture, to look at it by hand.
 */
class LiveCaptureTest {
    private static final int ZERO_BITS = 8; // about 256 hashes per nonce found: instant
    private static final int READ_TIMEOUT_MS = 10_000; // hang guard only
    private static final long SLOT_SIZE = 1L << 24;

    @TempDir
    Path dir;

    @BeforeEach
    void needsCaptureRights() {
        TsharkCapture.available().assumeAvailable();
    }

    @Test
    void decodesARecordedSessionWithSplitAndCoalescedWrites() throws Exception {
        Path capture;
        int poolPort;
        int minerPort;
        Message.Task firstTask = task(12, 0, 1);
        Message.Task secondTask = task(13, 1, 2);
        long goodNonce = firstNonceMeetingBits(firstTask);
        long wrongNonce = firstNonceFailingBits(secondTask);

        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            poolPort = listener.getLocalPort();
            try (TsharkCapture recording = TsharkCapture.start(poolPort, dir)) {
                minerPort = playScriptedSession(listener, firstTask, secondTask, goodNonce, wrongNonce);
                capture = recording.stop(); // after both ends closed, so both FINs are in it
            }
        }
        TsharkCapture.keep(capture, capture.getFileName().toString());

        List<DecodedMessage> messages = Tshark.decode(capture, Tshark.poolPort(poolPort));

        assertThat(messages).extracting(DecodedMessage::summary).containsExactly(
                "G name=alice",
                "T job=12 slot=0 bits=8 len=1024",
                String.format("S job=12 nonce=0x%08x", goodNonce),
                "A job=12 accepted",
                "T job=13 slot=1 bits=8 len=1024",
                String.format("S job=13 nonce=0x%08x", wrongNonce),
                "G name=alice",
                "R job=13 rejected",
                "I job=13 invalidated (unasked)",
                "Q quit: the pool is shutting down");
        assertThat(messages).flatExtracting(DecodedMessage::experts).as("expert info").isEmpty();
        for (DecodedMessage message : messages) {
            boolean fromMiner = message.type().equals("G") || message.type().equals("S");
            assertThat(message.srcPort()).as("sender of %s", message).isEqualTo(fromMiner ? minerPort : poolPort);
        }

        DecodedMessage task = messages.get(1);
        DecodedMessage submit = messages.get(2);
        assertThat(submit.number("job")).as("S names the job of the T").isEqualTo(task.number("job"));
        assertThat(messages.get(3).number("job")).as("A names the job of the S").isEqualTo(submit.number("job"));
        byte[] data = HexFormat.of().parseHex(task.hex("data"));
        assertThat(ProofOfWork.verify(data, submit.number("nonce"), (int) task.number("zero_bits")))
                .as("the accepted nonce meets the T's zero bits, recomputed from the decoded data").isTrue();
        assertThat(submit.number("nonce")).as("nonce within the slot")
                .isBetween(task.number("nonce_first"), task.number("nonce_end") - 1);
        assertThat(task.number("height")).as("height from the block header").isEqualTo(1);

        DecodedMessage wrongSubmit = messages.get(5);
        assertThat(ProofOfWork.verify(HexFormat.of().parseHex(messages.get(4).hex("data")),
                wrongSubmit.number("nonce"), ZERO_BITS)).as("the rejected nonce misses the bits").isFalse();
        assertThat(messages.get(7).number("job")).as("R names the job of the wrong S")
                .isEqualTo(wrongSubmit.number("job"));

        assertSplitAndCoalescedOnTheWire(capture, poolPort);

        assertThat(Tshark.decode(capture, Tshark.decodeAs(poolPort))).as("the same through Decode As")
                .extracting(DecodedMessage::summary)
                .containsExactlyElementsOf(messages.stream().map(DecodedMessage::summary).toList());
    }

    /**
     * What the session claims to produce is really in the capture, so a sender that stopped splitting or
     * coalescing (or a TCP stack that merged the split writes) fails here rather than passing untested: segments
     * that each carry several whole messages and nothing else, and messages the dissector reassembled from
     * several segments, each of which held only part of it.
     */
    private static void assertSplitAndCoalescedOnTheWire(Path capture, int poolPort) throws IOException {
        List<Tshark.Segment> segments = Tshark.segments(capture, Tshark.poolPort(poolPort));
        Map<Integer, Tshark.Segment> byFrame = new HashMap<>();
        segments.forEach(segment -> byFrame.put(segment.frame(), segment));

        List<List<String>> coalesced = segments.stream()
                .filter(s -> s.reassembledFrom().isEmpty() && s.types().size() >= 2)
                .peek(s -> assertThat(s.messageLengths().stream().mapToInt(Integer::intValue).sum())
                        .as("frame %d's %s fill its %d TCP bytes exactly", s.frame(), s.types(), s.tcpLength())
                        .isEqualTo(s.tcpLength()))
                .map(Tshark.Segment::types).toList();
        assertThat(coalesced).as("segments carrying two or more whole messages")
                .containsExactly(List.of("A", "T"), List.of("S", "G"), List.of("R", "I", "Q"));

        List<Tshark.Segment> reassembled = segments.stream().filter(s -> s.reassembledFrom().size() >= 2).toList();
        assertThat(reassembled).as("messages reassembled from several segments").extracting(Tshark.Segment::types)
                .containsExactly(List.of("G"), List.of("T"));
        for (Tshark.Segment whole : reassembled) {
            int length = whole.messageLengths().get(0);
            List<Integer> parts = whole.reassembledFrom().stream().map(frame -> byFrame.get(frame).tcpLength())
                    .toList();
            assertThat(parts).as("TCP lengths of the segments of the %s in frame %d", whole.types(), whole.frame())
                    .allSatisfy(part -> assertThat(part).isBetween(1, length - 1));
            assertThat(parts.stream().mapToInt(Integer::intValue).sum()).as("they add up to the message")
                    .isEqualTo(length);
        }
        assertThat(reassembled).extracting(s -> s.reassembledFrom().size()).as("segments per split message")
                .containsExactly(2, 3);
    }

    /**
     * Connects a miner to the listener and plays the session, each end checking what it receives with the
     * codec; returns the miner's port once both ends are closed.
     */
    private static int playScriptedSession(ServerSocket listener, Message.Task firstTask, Message.Task secondTask,
            long goodNonce, long wrongNonce) throws IOException {
        try (Socket miner = new Socket()) {
            miner.connect(listener.getLocalSocketAddress(), READ_TIMEOUT_MS);
            try (Socket pool = listener.accept()) {
                for (Socket socket : List.of(miner, pool)) {
                    socket.setTcpNoDelay(true); // each write its own segment: the splits reach the wire
                    socket.setSoTimeout(READ_TIMEOUT_MS);
                }
                Peer minerEnd = new Peer(miner, Direction.SERVER_TO_CLIENT);
                Peer poolEnd = new Peer(pool, Direction.CLIENT_TO_SERVER);

                minerEnd.writeSplit(new Message.GetWork("alice").toBytes(), 4);
                assertThat(poolEnd.read(1)).containsExactly(new Message.GetWork("alice"));

                poolEnd.writeSplit(firstTask.toBytes(), 5, 600);
                assertThat(minerEnd.read(1)).containsExactly(firstTask);

                minerEnd.write(new Message.Submit(firstTask.job(), goodNonce));
                assertThat(poolEnd.read(1)).containsExactly(new Message.Submit(firstTask.job(), goodNonce));

                poolEnd.write(new Message.Accepted(firstTask.job()), secondTask);
                assertThat(minerEnd.read(2)).containsExactly(new Message.Accepted(firstTask.job()), secondTask);

                minerEnd.write(new Message.Submit(secondTask.job(), wrongNonce), new Message.GetWork("alice"));
                assertThat(poolEnd.read(2)).hasSize(2);

                poolEnd.write(new Message.Rejected(secondTask.job()), new Message.Invalidated(secondTask.job()),
                        new Message.Quit(Message.Quit.Reason.SHUTDOWN));
                assertThat(minerEnd.read(3)).hasSize(3);
            }
            return miner.getLocalPort();
        }
    }

    private static Message.Task task(int job, int slot, long height) {
        byte[] data = new byte[Protocol.DEFAULT_DATA_SIZE];
        for (int i = BlockHeader.LENGTH; i < data.length; i++) {
            data[i] = (byte) (i * 31 + job);
        }
        byte[] previousHash = ProofOfWork.hash(new byte[] {(byte) height}, 0);
        new BlockHeader(previousHash, height, 1_763_780_461_000L + job, 0x5eed_0000L + job).writeTo(data);
        return new Message.Task(job, slot, SLOT_SIZE, ZERO_BITS, data);
    }

    private static long firstNonceMeetingBits(Message.Task task) {
        for (long nonce = task.firstNonce(); nonce < task.endNonce(); nonce++) {
            if (ProofOfWork.verify(task.data(), nonce, task.zeroBits())) {
                return nonce;
            }
        }
        throw new AssertionError("no nonce in " + task);
    }

    private static long firstNonceFailingBits(Message.Task task) {
        for (long nonce = task.firstNonce(); ; nonce++) {
            if (!ProofOfWork.verify(task.data(), nonce, task.zeroBits())) {
                return nonce;
            }
        }
    }


    /** One end of the connection: writes whole or split messages, reads and decodes with the codec. */
    private static final class Peer {
        private final OutputStream out;
        private final InputStream in;
        private final MessageDecoder decoder;
        private final List<Message> decoded = new ArrayList<>();

        Peer(Socket socket, Direction inbound) throws IOException {
            this.out = socket.getOutputStream();
            this.in = socket.getInputStream();
            this.decoder = new MessageDecoder(inbound);
        }

        /** All the messages in one write: coalesced into one segment. */
        void write(Message... messages) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            for (Message message : messages) {
                bytes.writeBytes(message.toBytes());
            }
            out.write(bytes.toByteArray());
            out.flush();
        }

        /** One message in several writes, cut at the given offsets. */
        void writeSplit(byte[] message, int... cuts) throws IOException {
            int from = 0;
            for (int i = 0; i <= cuts.length; i++) {
                int to = i < cuts.length ? cuts[i] : message.length;
                out.write(Arrays.copyOfRange(message, from, to));
                out.flush();
                from = to;
            }
        }

        /** Reads until {@code count} messages are decoded (a read timeout guards against a hang). */
        List<Message> read(int count) throws IOException {
            byte[] buffer = new byte[4096];
            while (decoded.size() < count) {
                int n = in.read(buffer);
                if (n < 0) {
                    throw new IOException("the peer closed after " + decoded.size() + " of " + count + " messages");
                }
                decoder.decode(java.nio.ByteBuffer.wrap(buffer, 0, n), decoded);
            }
            List<Message> messages = new ArrayList<>(decoded.subList(0, count));
            decoded.subList(0, count).clear();
            return messages;
        }
    }
}
