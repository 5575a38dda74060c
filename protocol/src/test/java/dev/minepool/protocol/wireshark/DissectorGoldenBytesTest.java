package dev.minepool.protocol.wireshark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minepool.protocol.GoldenMessages;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dissector against the golden bytes the codec is tested with ({@code golden-messages.txt}): every case
 * goes into one capture, on a connection of its own, from the side that sends it, and tshark must show
 * exactly the fields the file lists, with the same values, and no expert info.
 *
 * <p>A connection of its own, because what a message means beside its bytes (which G a T answers, whose
 * connection it is) depends on the messages before it; those fields are {@link #CONVERSATION_FIELDS}, left out
 * here and tested by {@link DissectorConversationTest}.
 */
class DissectorGoldenBytesTest {
    private static final int POOL_PORT = 3333;
    private static final int MINER_PORT = 50_001;
    /** Fields compared by their bytes on the wire; the others by value. */
    private static final Set<String> BYTE_FIELDS = Set.of("data", "prev_hash", "transactions", "tx_key",
            "tx_signature", "tx_filler");
    /** Fields compared as tshark displays them. */
    private static final Set<String> TEXT_FIELDS = Set.of("name", "tx_name", "tx_sender", "tx_recipient", "tx_coins",
            "tx_id");
    /** Generated from the connection's history, not from the message's bytes. */
    private static final Set<String> CONVERSATION_FIELDS = Set.of("miner", "response_in", "response_to", "time",
            "broadcast", "unsolicited", "quit_in");

    @TempDir
    static Path dir;
    private static List<GoldenMessages.Case> cases;
    private static List<DecodedMessage> decoded;

    @BeforeAll
    static void decodeEveryGoldenCase() throws Exception {
        if (!Tshark.available().available()) {
            return; // each test skips, saying why
        }
        cases = GoldenMessages.all();
        SyntheticTcpSession.Capture capture = new SyntheticTcpSession.Capture();
        int minerPort = MINER_PORT;
        for (GoldenMessages.Case golden : cases) {
            SyntheticTcpSession session = new SyntheticTcpSession(capture, minerPort++, POOL_PORT);
            if (golden.fromMiner()) {
                session.fromMiner(golden.bytes());
            } else {
                session.fromPool(golden.bytes());
            }
        }
        // On port 3333 the dissector needs no option: that is its registered port.
        decoded = Tshark.decode(capture.writePcap(dir.resolve("golden.pcap")), List.of());
    }

    @BeforeEach
    void needsTshark() {
        Tshark.available().assumeAvailable();
    }

    @Test
    void decodesEveryGoldenCaseAsOneMessage() {
        assertThat(decoded).as("one decoded message per golden case").hasSameSizeAs(cases);
    }

    @Test
    void showsExactlyTheGoldenFieldsWithTheirValues() {
        for (int i = 0; i < cases.size(); i++) {
            GoldenMessages.Case golden = cases.get(i);
            DecodedMessage message = decoded.get(i);
            assertThat(message.fields().keySet().stream().filter(field -> !CONVERSATION_FIELDS.contains(field)))
                    .as("fields of %s (%s)", golden.name(), message)
                    .containsExactlyInAnyOrderElementsOf(golden.fields().keySet());
            assertThat(message.experts()).as("expert info on %s", golden.name()).isEmpty();
            for (String field : golden.fields().keySet()) {
                String what = golden.name() + " minepool." + field;
                if (field.equals("type")) {
                    assertThat(message.type()).as(what).isEqualTo(golden.field("type"));
                } else if (field.equals("tx_kind")) {
                    assertThat((char) Integer.parseInt(message.hex("tx_kind"), 16)).as(what)
                            .isEqualTo(golden.field("tx_kind").charAt(0));
                } else if (TEXT_FIELDS.contains(field)) {
                    assertThat(message.text(field)).as(what).isEqualTo(golden.field(field));
                } else if (BYTE_FIELDS.contains(field)) {
                    assertThat(message.hex(field)).as(what).isEqualTo(golden.field(field));
                } else {
                    assertThat(message.number(field)).as(what).isEqualTo(golden.number(field));
                }
            }
        }
    }

    @Test
    void summarisesEachMessageTheWayAPersonReadsIt() {
        assertThat(decoded).extracting(DecodedMessage::summary).containsExactly(
                "G name=alice",
                "G name=0123456789",
                "G name=zoë",
                "T job=12 slot=3 bits=24 len=4",
                "T job=1 slot=0 bits=8 len=0",
                "T job=65535 slot=255 bits=24 len=0",
                "T job=300 slot=2 bits=20 len=57",
                "T job=300 slot=2 bits=20 len=160 tx=1",
                "S job=12 nonce=0x0003fa1c",
                "S job=65535 nonce=0xffffffff",
                "A job=12 accepted",
                "I job=65535 invalidated (unasked)", // alone on its connection: no S asked for it
                "R job=7 rejected",
                "Q quit: the pool is shutting down",
                "Q quit: the pool is full",
                "Q quit: reason code 200");
    }
}
