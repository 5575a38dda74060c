package dev.minepool.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.minepool.protocol.ledger.NameRegistration;
import dev.minepool.protocol.ledger.Transfer;
import dev.minepool.protocol.ledger.TxKind;
import dev.minepool.protocol.ledger.TxRecord;
import dev.minepool.protocol.ledger.TxRegion;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every message type against the exact bytes PROTOCOL.md shows for it: encoding gives these bytes, decoding
 * them gives the message back. The cases live in {@code golden-messages.txt}, which the dissector's tests
 * read too ({@code DissectorGoldenBytesTest}), so the codec and the dissector are held to the same bytes.
 */
class MessageGoldenBytesTest {
    private static final HexFormat HEX = HexFormat.of();

    static Stream<GoldenMessages.Case> goldenCases() {
        return GoldenMessages.all().stream();
    }

    @Test
    void theGoldenFileCoversEveryMessageType() {
        Set<String> letters = new LinkedHashSet<>();
        GoldenMessages.all().forEach(c -> letters.add(c.field("type")));
        assertThat(letters).as("message types with a golden case")
                .containsExactlyInAnyOrder("G", "T", "S", "A", "I", "R", "Q");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldenCases")
    void encodesAndDecodesTheGoldenBytes(GoldenMessages.Case golden) throws Exception {
        Message message = messageOf(golden);
        assertThat(HEX.formatHex(message.toBytes())).as("bytes of %s", message).isEqualTo(golden.hex());
        assertThat(message.encodedLength()).isEqualTo(golden.bytes().length);
        List<Message> decoded = new MessageDecoder(golden.from()).decode(golden.bytes());
        assertThat(decoded).as("decoding %s", golden.hex()).containsExactly(message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldenCases")
    void theGoldenFieldsAreTheOnesTheCodecReads(GoldenMessages.Case golden) throws Exception {
        Message message = new MessageDecoder(golden.from()).decode(golden.bytes()).get(0);
        assertThat(golden.fields().keySet()).as("the fields a dissector must show for %s", message)
                .containsExactlyInAnyOrderElementsOf(fieldNames(message));
        assertThat(golden.field("type")).isEqualTo(String.valueOf(message.type().letter()));
        if (message instanceof Message.Task task) {
            assertThat(golden.number("nonce_first")).as("first nonce").isEqualTo(task.firstNonce());
            assertThat(golden.number("nonce_end")).as("end nonce").isEqualTo(task.endNonce());
            assertThat(golden.number("data_len")).as("data length").isEqualTo(task.dataLength());
            if (task.dataLength() >= BlockHeader.LENGTH) {
                BlockHeader header = BlockHeader.readFrom(task.data());
                assertThat(golden.field("prev_hash")).isEqualTo(HEX.formatHex(header.previousHash()));
                assertThat(golden.number("height")).isEqualTo(header.height());
                assertThat(golden.number("timestamp")).isEqualTo(header.timestampMillis());
                assertThat(golden.number("extra_nonce")).isEqualTo(header.extraNonce());
            }
            if (looksLikeARegion(task.data())) {
                checkRegion(golden, task.data());
            }
        }
    }

    /** The golden fields of a region against what the ledger's codec reads (TxRegion, TxRecord). */
    private static void checkRegion(GoldenMessages.Case golden, byte[] data) throws Exception {
        java.util.List<TxRecord> records = TxRegion.read(data);
        assertThat(golden.number("tx_count")).as("the count").isEqualTo(records.size());
        assertThat(records).as("a golden case holds at most one record").hasSizeLessThanOrEqualTo(1);
        int end = TxRegion.RECORDS_OFFSET;
        for (TxRecord record : records) {
            end += record.length();
            assertThat(golden.field("tx_kind")).isEqualTo(String.valueOf((char) record.kind()));
            assertThat(golden.field("tx_id")).isEqualTo(record.txidHex());
            if (record instanceof NameRegistration n) {
                assertThat(golden.field("tx_name")).isEqualTo(n.name().value());
                assertThat(golden.field("tx_key")).isEqualTo(HEX.formatHex(n.publicKey()));
                assertThat(golden.field("tx_signature")).isEqualTo(HEX.formatHex(n.signature()));
            } else {
                Transfer x = (Transfer) record;
                assertThat(golden.field("tx_sender")).isEqualTo(x.sender().value());
                assertThat(golden.field("tx_recipient")).isEqualTo(x.recipient().value());
                assertThat(golden.field("tx_amount")).isEqualTo(Long.toUnsignedString(x.amount()));
                assertThat(golden.field("tx_coins")).isEqualTo(x.amountCoins());
                assertThat(golden.field("tx_nonce")).isEqualTo(Long.toUnsignedString(x.nonce()));
                assertThat(golden.field("tx_signature")).isEqualTo(HEX.formatHex(x.signature()));
            }
        }
        if (end < data.length) {
            assertThat(golden.field("tx_filler"))
                    .isEqualTo(HEX.formatHex(java.util.Arrays.copyOfRange(data, end, data.length)));
        }
    }

    /**
     * Whether the dissector, not knowing the chain's transactions height, takes the bytes from 52 on for a
     * transaction region (README, "Watching it in Wireshark"): the count fits in records of the shortest kind,
     * and the first record, if any, has a known kind. Otherwise they are filler and show no transaction fields.
     */
    static boolean looksLikeARegion(byte[] data) {
        if (data.length < TxRegion.RECORDS_OFFSET) {
            return false;
        }
        int count = ((data[TxRegion.COUNT_OFFSET] & 0xFF) << 8) | (data[TxRegion.COUNT_OFFSET + 1] & 0xFF);
        if ((long) count * TxKind.shortestLength() > TxRegion.capacity(data.length)) {
            return false;
        }
        return count == 0 || TxKind.fromWireByte(data[TxRegion.RECORDS_OFFSET]) != null;
    }

    /** A pool writes a T as its header and then the job's shared data: together, the golden bytes exactly. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("goldenCases")
    void aTaskHeaderFollowedByItsDataIsTheGoldenT(GoldenMessages.Case golden) {
        if (!(messageOf(golden) instanceof Message.Task t)) {
            return;
        }
        ByteBuffer out = ByteBuffer.allocate(golden.bytes().length);
        Message.Task.encodeHeader(out, t.job(), t.slot(), t.slotSize(), t.zeroBits(), t.dataLength());
        assertThat(out.position()).isEqualTo(Message.Task.HEADER_LENGTH);
        out.put(t.data());
        assertThat(HEX.formatHex(out.array())).isEqualTo(golden.hex());
        assertThatThrownBy(() -> Message.Task.encodeHeader(ByteBuffer.allocate(64), 1, 256, 16_777_216L, 24, 0))
                .as("the header checks what the record checks").hasMessageContaining("reaches past nonce 2^32");
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

    /** The message a golden line describes, built from its fields alone (not from its bytes). */
    private static Message messageOf(GoldenMessages.Case golden) {
        return switch (golden.field("type")) {
            case "G" -> new Message.GetWork(golden.field("name"));
            case "T" -> {
                long slotSize = golden.number("slot_size");
                byte[] data = golden.fields().containsKey("data") ? HEX.parseHex(golden.field("data")) : new byte[0];
                yield new Message.Task((int) golden.number("job"), (int) golden.number("slot"),
                        slotSize == 0 ? Protocol.NONCE_SPACE : slotSize, (int) golden.number("zero_bits"), data);
            }
            case "S" -> new Message.Submit((int) golden.number("job"), golden.number("nonce"));
            case "A" -> new Message.Accepted((int) golden.number("job"));
            case "I" -> new Message.Invalidated((int) golden.number("job"));
            case "R" -> new Message.Rejected((int) golden.number("job"));
            case "Q" -> new Message.Quit((int) golden.number("reason"));
            default -> throw new IllegalArgumentException("golden case " + golden.name() + " has type "
                    + golden.field("type"));
        };
    }

    /**
     * The fields PROTOCOL.md gives a message, named as the dissector's display filter fields: the job data's
     * block header only when the data is long enough to hold one, its transactions only when there are any.
     */
    private static Set<String> fieldNames(Message message) {
        Set<String> names = new LinkedHashSet<>(List.of("type"));
        // Java 17 has no pattern matching in switch; the sealed interface keeps this list complete.
        if (message instanceof Message.GetWork) {
            names.add("name");
        } else if (message instanceof Message.Task t) {
            names.addAll(List.of("job", "slot", "slot_size", "nonce_first", "nonce_end", "zero_bits",
                    "data_len"));
            if (t.dataLength() > 0) {
                names.add("data");
            }
            if (t.dataLength() >= BlockHeader.LENGTH) {
                names.addAll(List.of("prev_hash", "height", "timestamp", "extra_nonce"));
            }
            if (t.dataLength() > BlockHeader.LENGTH) {
                names.add("transactions");
            }
            if (t.dataLength() >= BlockHeader.LENGTH && looksLikeARegion(t.data())) {
                names.add("tx_count");
                int end = TxRegion.RECORDS_OFFSET;
                try {
                    for (TxRecord record : TxRegion.read(t.data())) {
                        end += record.length();
                        names.addAll(List.of("tx_kind", "tx_signature", "tx_id"));
                        names.addAll(record instanceof NameRegistration ? List.of("tx_name", "tx_key")
                                : List.of("tx_sender", "tx_recipient", "tx_amount", "tx_coins", "tx_nonce"));
                    }
                } catch (dev.minepool.protocol.ledger.MalformedTxException e) {
                    throw new AssertionError("a golden region must be well formed: " + e.getMessage(), e);
                }
                if (end < t.dataLength()) {
                    names.add("tx_filler");
                }
            }
        } else if (message instanceof Message.Submit) {
            names.addAll(List.of("job", "nonce"));
        } else if (message instanceof Message.Quit) {
            names.add("reason");
        } else {
            names.add("job"); // A, I and R
        }
        return names;
    }
}
