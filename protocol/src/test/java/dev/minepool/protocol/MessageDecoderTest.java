package dev.minepool.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class MessageDecoderTest {
    private static final List<Message> SERVER_TO_CLIENT = List.of(
            new Message.Task(1, 0, 1000, 16, jobData(1024)),
            new Message.Invalidated(1),
            new Message.Task(2, 7, 16_777_216L, 24, jobData(1024)),
            new Message.Rejected(2),
            new Message.Accepted(2),
            new Message.Task(3, 1, 5, 0, new byte[0]),
            new Message.Quit(Message.Quit.Reason.SHUTDOWN));

    private static final List<Message> CLIENT_TO_SERVER = List.of(
            new Message.GetWork("alice"),
            new Message.Submit(1, 5713),
            new Message.GetWork("0123456789"),
            new Message.Submit(65535, 0xFFFF_FFFFL));

    static byte[] jobData(int length) {
        byte[] data = new byte[length];
        for (int i = 0; i < length; i++) {
            data[i] = (byte) i;
        }
        return data;
    }

    static byte[] concat(List<Message> messages) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        messages.forEach(m -> out.writeBytes(m.toBytes()));
        return out.toByteArray();
    }

    @Test
    void decodesTwoMessagesInOneRead() throws Exception {
        byte[] bytes = concat(List.of(new Message.Accepted(9), new Message.Invalidated(10)));
        assertThat(new MessageDecoder(Direction.SERVER_TO_CLIENT).decode(bytes))
                .containsExactly(new Message.Accepted(9), new Message.Invalidated(10));
    }

    @Test
    void decodesAMixedStreamSplitAtEveryPosition() throws Exception {
        for (List<Message> messages : List.of(SERVER_TO_CLIENT, CLIENT_TO_SERVER)) {
            Direction direction = messages == SERVER_TO_CLIENT ? Direction.SERVER_TO_CLIENT
                    : Direction.CLIENT_TO_SERVER;
            byte[] stream = concat(messages);
            for (int split = 0; split <= stream.length; split++) {
                MessageDecoder decoder = new MessageDecoder(direction);
                List<Message> out = new ArrayList<>();
                decoder.decode(ByteBuffer.wrap(stream, 0, split), out);
                decoder.decode(ByteBuffer.wrap(stream, split, stream.length - split), out);
                assertThat(out).as("%s split at byte %d of %d", direction, split, stream.length)
                        .isEqualTo(messages);
                assertThat(decoder.bufferedBytes()).isZero();
            }
        }
    }

    @Test
    void decodesAMixedStreamSplitAtEveryPairOfPositions() throws Exception {
        byte[] stream = concat(CLIENT_TO_SERVER);
        for (int a = 0; a <= stream.length; a++) {
            for (int b = a; b <= stream.length; b++) {
                MessageDecoder decoder = new MessageDecoder(Direction.CLIENT_TO_SERVER);
                List<Message> out = new ArrayList<>();
                decoder.decode(ByteBuffer.wrap(stream, 0, a), out);
                decoder.decode(ByteBuffer.wrap(stream, a, b - a), out);
                decoder.decode(ByteBuffer.wrap(stream, b, stream.length - b), out);
                assertThat(out).as("split at %d and %d", a, b).isEqualTo(CLIENT_TO_SERVER);
            }
        }
    }

    @Test
    void decodesByteByByte() throws Exception {
        byte[] stream = concat(SERVER_TO_CLIENT);
        MessageDecoder decoder = new MessageDecoder(Direction.SERVER_TO_CLIENT);
        List<Message> out = new ArrayList<>();
        for (byte b : stream) {
            decoder.decode(ByteBuffer.wrap(new byte[] {b}), out);
        }
        assertThat(out).isEqualTo(SERVER_TO_CLIENT);
        decoder.finish();
    }

    @Test
    void consumesEveryByteAndHoldsOnlyTheIncompleteTail() throws Exception {
        byte[] stream = concat(List.of(new Message.Accepted(1), new Message.Task(1, 0, 10, 1, jobData(100))));
        ByteBuffer first = ByteBuffer.wrap(stream, 0, 3 + 20);
        MessageDecoder decoder = new MessageDecoder(Direction.SERVER_TO_CLIENT);
        List<Message> out = new ArrayList<>();
        decoder.decode(first, out);
        assertThat(first.hasRemaining()).isFalse();
        assertThat(out).containsExactly(new Message.Accepted(1));
        assertThat(decoder.bufferedBytes()).isEqualTo(20);
    }

    @Test
    void unknownTypeByteIsAClearError() {
        MessageDecoder decoder = new MessageDecoder(Direction.CLIENT_TO_SERVER);
        assertThatThrownBy(() -> decoder.decode(new byte[] {'X', 1, 2}))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("unknown message type byte 'X' (0x58)");
        assertThatThrownBy(() -> new MessageDecoder(Direction.SERVER_TO_CLIENT).decode(new byte[] {0}))
                .hasMessage("unknown message type byte 0x00");
    }

    @Test
    void unknownTypeAfterAValidMessageIsFound() {
        byte[] stream = HexFormat.of().parseHex("41000c" + "ff");
        assertThatThrownBy(() -> new MessageDecoder(Direction.SERVER_TO_CLIENT).decode(stream))
                .hasMessage("unknown message type byte 0xff");
    }

    @Test
    void wrongDirectionIsAClearError() {
        assertThatThrownBy(() -> new MessageDecoder(Direction.CLIENT_TO_SERVER).decode(new Message.Accepted(1).toBytes()))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("message type A is only sent by the pool to a miner");
        assertThatThrownBy(() -> new MessageDecoder(Direction.SERVER_TO_CLIENT).decode(new Message.GetWork("bob").toBytes()))
                .hasMessageContaining("message type G is only sent by a miner to the pool");
    }

    @Test
    void streamEndingInsideAMessageIsAClearError() throws Exception {
        byte[] task = new Message.Task(1, 0, 10, 1, jobData(1024)).toBytes();
        MessageDecoder decoder = new MessageDecoder(Direction.SERVER_TO_CLIENT);
        decoder.decode(Arrays.copyOf(task, 500));
        assertThatThrownBy(decoder::finish)
                .isInstanceOf(ProtocolException.class)
                .hasMessage("the stream ended inside a T message: 500 of 1036 bytes arrived");

        MessageDecoder header = new MessageDecoder(Direction.CLIENT_TO_SERVER);
        header.decode(new byte[] {'S', 0});
        assertThatThrownBy(header::finish).hasMessage("the stream ended inside a S message: 2 of 7 bytes arrived");
    }

    @Test
    void aGWithABadNameStillDecodesSoThatThePoolCanSayWhyItRefusesIt() throws Exception {
        // The frame is sound; only the name breaks the rules, and that is the pool's call (it answers Q), not
        // the codec's (which would drop the connection as if the bytes were garbage).
        List<Message> empty = new MessageDecoder(Direction.CLIENT_TO_SERVER)
                .decode(HexFormat.of().parseHex("4700000000000000000000"));
        assertThat(empty).containsExactly(new Message.GetWork(new byte[0]));
        assertThatThrownBy(() -> ((Message.GetWork) empty.get(0)).name())
                .isInstanceOf(MinerName.InvalidNameException.class).hasMessage("the miner name is empty");

        Message.GetWork nul = (Message.GetWork) new MessageDecoder(Direction.CLIENT_TO_SERVER)
                .decode(HexFormat.of().parseHex("4761006200000000000000")).get(0);
        assertThat(nul.nameBytes()).containsExactly(0x61, 0x00, 0x62);
        assertThatThrownBy(nul::name).hasMessageContaining("a control character (U+0000)");

        Message.GetWork notUtf8 = (Message.GetWork) new MessageDecoder(Direction.CLIENT_TO_SERVER)
                .decode(HexFormat.of().parseHex("47ff000000000000000000")).get(0);
        assertThatThrownBy(notUtf8::name).hasMessage("the miner name \"\\xff\" is not valid UTF-8");
    }

    @Test
    void encodingIntoALittleEndianBufferIsRefused() {
        ByteBuffer little = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        for (Message message : List.of(new Message.GetWork("alice"), new Message.Submit(1, 2),
                new Message.Accepted(3), new Message.Invalidated(3), new Message.Rejected(3),
                new Message.Quit(Message.Quit.Reason.POOL_FULL), new Message.Task(1, 0, 16, 8, new byte[4]))) {
            assertThatThrownBy(() -> message.encode(little)).as("%s", message)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("big-endian");
            assertThat(little.position()).as("nothing written for %s", message).isZero();
        }
    }

    @Test
    void aSlotReachingPastTheNonceSpaceIsRefused() {
        // slot 256 of 2^24 nonces would start at 2^32
        byte[] bytes = HexFormat.of().parseHex("54" + "0001" + "0100" + "01000000" + "18" + "0000");
        assertThatThrownBy(() -> new MessageDecoder(Direction.SERVER_TO_CLIENT).decode(bytes))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("reaches past nonce 2^32");
    }
}
