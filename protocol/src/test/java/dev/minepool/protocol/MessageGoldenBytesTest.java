package dev.minepool.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every message type against the exact bytes PROTOCOL.md shows for it: encoding gives these bytes, decoding
 * them gives the message back. The same hex strings are used by the dissector's tests.
 */
class MessageGoldenBytesTest {
    private static final HexFormat HEX = HexFormat.of();

    static byte[] sampleData() {
        return new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef};
    }

    @Test
    void getWorkPadsTheNameWithZeros() throws Exception {
        assertGolden(new Message.GetWork("alice"), "47616c6963650000000000", Direction.CLIENT_TO_SERVER);
    }

    @Test
    void getWorkWithAFullTenByteName() throws Exception {
        assertGolden(new Message.GetWork("0123456789"), "4730313233343536373839", Direction.CLIENT_TO_SERVER);
    }

    @Test
    void getWorkCarriesUtf8() throws Exception {
        // "zoë" is 4 bytes in UTF-8: 7a 6f c3 ab
        assertGolden(new Message.GetWork("zoë"), "477a6fc3ab000000000000", Direction.CLIENT_TO_SERVER);
    }

    @Test
    void task() throws Exception {
        // job 12, slot 3, slot size 16777216, 24 zero bits, 4 data bytes
        assertGolden(new Message.Task(12, 3, 16_777_216L, 24, sampleData()),
                "54" + "000c" + "0003" + "01000000" + "18" + "0004" + "deadbeef", Direction.SERVER_TO_CLIENT);
    }

    @Test
    void taskWithTheWholeNonceSpaceWritesSlotSizeZero() throws Exception {
        assertGolden(new Message.Task(1, 0, Protocol.NONCE_SPACE, 8, new byte[0]),
                "54" + "0001" + "0000" + "00000000" + "08" + "0000", Direction.SERVER_TO_CLIENT);
    }

    @Test
    void submit() throws Exception {
        assertGolden(new Message.Submit(12, 0x0003fa1cL), "53000c0003fa1c", Direction.CLIENT_TO_SERVER);
    }

    @Test
    void submitWithTheHighestNonce() throws Exception {
        assertGolden(new Message.Submit(0xFFFF, 0xFFFF_FFFFL), "53ffffffffffff", Direction.CLIENT_TO_SERVER);
    }

    @Test
    void accepted() throws Exception {
        assertGolden(new Message.Accepted(12), "41000c", Direction.SERVER_TO_CLIENT);
    }

    @Test
    void invalidated() throws Exception {
        assertGolden(new Message.Invalidated(65535), "49ffff", Direction.SERVER_TO_CLIENT);
    }

    @Test
    void rejected() throws Exception {
        assertGolden(new Message.Rejected(7), "520007", Direction.SERVER_TO_CLIENT);
    }

    @Test
    void quit() throws Exception {
        assertGolden(new Message.Quit(), "51", Direction.SERVER_TO_CLIENT);
    }

    @Test
    void aNameLongerThanTenBytesIsRefusedNotCut() {
        assertThatThrownBy(() -> new Message.GetWork("abcdefghijk"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("11 bytes")
                .hasMessageContaining("at most 10");
        // 9 ASCII bytes and one 2-byte character: 11 bytes although 10 characters
        assertThatThrownBy(() -> new Message.GetWork("abcdefghiö")).hasMessageContaining("11 bytes");
    }

    @Test
    void aSlotReachingPastTheNonceSpaceCannotBeBuilt() {
        assertThatThrownBy(() -> new Message.Task(1, 256, 16_777_216L, 24, new byte[0]))
                .hasMessageContaining("reaches past nonce 2^32");
    }

    @Test
    void taskKnowsItsNonceRange() {
        Message.Task task = new Message.Task(1, 255, 16_777_216L, 24, new byte[0]);
        assertThat(task.firstNonce()).isEqualTo(255L * 16_777_216L);
        assertThat(task.endNonce()).isEqualTo(Protocol.NONCE_SPACE);
    }

    private static void assertGolden(Message message, String hex, Direction direction) throws Exception {
        byte[] golden = HEX.parseHex(hex);
        assertThat(HEX.formatHex(message.toBytes())).as("bytes of %s", message).isEqualTo(hex);
        assertThat(message.encodedLength()).isEqualTo(golden.length);
        List<Message> decoded = new MessageDecoder(direction).decode(golden);
        assertThat(decoded).as("decoding %s", hex).containsExactly(message);
    }
}
