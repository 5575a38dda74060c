package dev.minepool.protocol.wireshark;

import static dev.minepool.protocol.ledger.TestKeys.ALICE;
import static dev.minepool.protocol.ledger.TestKeys.BOB;
import static dev.minepool.protocol.ledger.TestKeys.CAROL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.minepool.protocol.BlockHeader;
import dev.minepool.protocol.Message;
import dev.minepool.protocol.ledger.NameRegistration;
import dev.minepool.protocol.ledger.TxRecord;
import dev.minepool.protocol.ledger.TxRegion;
import dev.minepool.protocol.ledger.Transfer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transaction region inside a {@code T}'s data (PROTOCOL.md, "Transactions"): records decoded field by field
 * with their txids, filler left alone without alarm, and with the chain's transactions height known (the
 * preference {@code minepool.tx_height}), every flaw of a region flagged.
 */
class DissectorTransactionsTest {
    private static final int POOL_PORT = 3333;
    private static final HexFormat HEX = HexFormat.of();
    private static final List<String> FROM_HEIGHT_1 = List.of("-o", "minepool.tx_height:1");

    @TempDir
    Path dir;
    private int minerPort = 50_200;

    @BeforeEach
    void needsTshark() {
        Tshark.available().assumeAvailable();
    }

    /** Job data of a height: the block header, then random bytes (the filler a region leaves). */
    private static byte[] data(int size, long height, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        byte[] previous = new byte[32];
        Arrays.fill(previous, (byte) 0x11);
        new BlockHeader(previous, height, 1_763_780_461_123L, 0).writeTo(data);
        return data;
    }

    private static byte[] withRegion(byte[] data, List<? extends TxRecord> records) {
        TxRegion.write(data, records);
        return data;
    }

    /** Each data as the data of one T, on a connection of its own; the decoded T's in order. */
    private List<DecodedMessage> decode(List<String> options, byte[]... datas) throws Exception {
        SyntheticTcpSession.Capture capture = new SyntheticTcpSession.Capture();
        for (int i = 0; i < datas.length; i++) {
            new SyntheticTcpSession(capture, minerPort++, POOL_PORT)
                    .fromPool(new Message.Task(i + 1, 0, 16_777_216L, 24, datas[i]).toBytes());
        }
        Path file = capture.writePcap(dir.resolve("transactions-" + minerPort + ".pcap"));
        List<DecodedMessage> decoded = Tshark.decode(file, options);
        assertThat(decoded).as("one T per data").hasSize(datas.length);
        return decoded;
    }

    private String tree(List<String> options, byte[] data) throws Exception {
        Path file = new SyntheticTcpSession(minerPort++, POOL_PORT)
                .fromPool(new Message.Task(1, 0, 16_777_216L, 24, data).toBytes())
                .writePcap(dir.resolve("tree-" + minerPort + ".pcap"));
        List<String> all = new ArrayList<>(options);
        all.addAll(List.of("-V", "-O", "minepool"));
        return Tshark.text(file, all);
    }

    @Test
    void decodesARegistrationAndATransferWithTheirTxids() throws Exception {
        NameRegistration n = ALICE.registration();
        Transfer x = ALICE.send(BOB, 150_000_000L, 1);
        byte[] data = withRegion(data(1024, 7, 1), List.of(n, x));

        DecodedMessage t = decode(List.of(), data).get(0);

        assertThat(t.experts()).as("expert info").isEmpty();
        assertThat(t.summary()).isEqualTo("T job=1 slot=0 bits=24 len=1024 tx=2");
        assertThat(t.number("tx_count")).isEqualTo(2);
        assertThat(t.all("tx_kind")).extracting(DecodedMessage.Field::value).containsExactly("4e", "58");
        assertThat(t.texts("tx_name")).containsExactly("alice");
        assertThat(t.all("tx_key")).extracting(DecodedMessage.Field::value).containsExactly(HEX.formatHex(
                ALICE.publicKey()));
        assertThat(t.texts("tx_sender")).containsExactly("alice");
        assertThat(t.texts("tx_recipient")).containsExactly("bob");
        assertThat(t.texts("tx_amount")).containsExactly("150000000");
        assertThat(t.texts("tx_coins")).containsExactly("1.50000000");
        assertThat(t.texts("tx_nonce")).containsExactly("1");
        assertThat(t.all("tx_signature")).extracting(DecodedMessage.Field::value)
                .containsExactly(HEX.formatHex(n.signature()), HEX.formatHex(x.signature()));
        assertThat(t.texts("tx_id")).as("SHA-256 of each record, computed by the dissector")
                .containsExactly(n.txidHex(), x.txidHex());
        assertThat(t.hex("tx_filler")).isEqualTo(HEX.formatHex(Arrays.copyOfRange(data, 54 + 107 + 101, 1024)));
        assertThat(t.hex("transactions")).isEqualTo(HEX.formatHex(Arrays.copyOfRange(data, 52, 1024)));

        String tree = tree(List.of(), data);
        assertThat(tree).contains("Transaction 1 of 2: N alice key 03a107bf…")
                .contains("Transaction 2 of 2: X alice → bob 1.50000000 coins, nonce 1")
                .contains("Amount: 150000000 (1.50000000 coins)")
                .contains("Transaction id: " + x.txidHex());
    }

    @Test
    void nineTransfersFillADefaultJobAndU64AmountsShowExactly() throws Exception {
        List<Transfer> nine = new ArrayList<>();
        for (int i = 1; i <= 8; i++) {
            nine.add(ALICE.send(CAROL, i, i));
        }
        nine.add(Transfer.sign(ALICE.name, BOB.name, -1L, Long.MIN_VALUE, ALICE.privateKey()));
        byte[] data = withRegion(data(1024, 9, 2), nine);

        DecodedMessage t = decode(FROM_HEIGHT_1, data).get(0);

        assertThat(t.experts()).isEmpty();
        assertThat(t.summary()).endsWith(" tx=9");
        assertThat(t.texts("tx_id")).containsExactlyElementsOf(nine.stream().map(Transfer::txidHex).toList());
        assertThat(t.texts("tx_amount")).last().isEqualTo("18446744073709551615");
        assertThat(t.texts("tx_coins")).startsWith("0.00000001", "0.00000002").last()
                .isEqualTo("184467440737.09551615");
        assertThat(t.texts("tx_nonce")).last().isEqualTo("9223372036854775808");
        assertThat(t.hex("tx_filler")).hasSize(2 * (1024 - 54 - 909));
    }

    @Test
    void anEmptyRegionIsACountOfZeroAndTheRestFiller() throws Exception {
        byte[] data = withRegion(data(1024, 3, 3), List.of());
        DecodedMessage t = decode(List.of(), data).get(0);
        assertThat(t.experts()).isEmpty();
        assertThat(t.number("tx_count")).isZero();
        assertThat(t.summary()).isEqualTo("T job=1 slot=0 bits=24 len=1024");
        assertThat(t.has("tx_kind")).isFalse();
        assertThat(t.hex("tx_filler")).hasSize(2 * 970);
    }

    @Test
    void randomBytesWhoseCountCannotFitAreFillerWithoutAlarm() throws Exception {
        byte[] data = data(1024, 2, 4);
        data[52] = (byte) 0xc3;
        data[53] = 0x10;
        DecodedMessage t = decode(List.of(), data).get(0);
        assertThat(t.experts()).as("random filler raises no alarm").isEmpty();
        assertThat(t.has("tx_count")).isFalse();
        assertThat(t.has("tx_filler")).as("the whole of it is filler, shown as the transactions bytes").isFalse();
        assertThat(t.summary()).isEqualTo("T job=1 slot=0 bits=24 len=1024");
        assertThat(tree(List.of(), data)).contains("Not a transaction region (filler): a count of 49936 could not"
                + " fit in 970 bytes");
    }

    @Test
    void randomBytesWithAFittingCountButNoKnownKindAreFillerToo() throws Exception {
        byte[] data = data(1024, 2, 5);
        data[52] = 0;
        data[53] = 3;
        data[54] = (byte) 0x9d;
        DecodedMessage t = decode(List.of(), data).get(0);
        assertThat(t.experts()).isEmpty();
        assertThat(t.has("tx_count")).isFalse();
        assertThat(tree(List.of(), data)).contains("Not a transaction region (filler): byte 54 (0x9d) is no record"
                + " kind");
    }

    @Test
    void withTheTransactionsHeightSetACountThatDoesNotFitIsAnError() throws Exception {
        byte[] data = data(1024, 2, 6);
        data[52] = 0;
        data[53] = 10;
        DecodedMessage t = decode(FROM_HEIGHT_1, data).get(0);
        assertThat(t.number("tx_count")).isEqualTo(10);
        assertThat(t.experts()).containsExactly("minepool.tx_count_too_big: 10 records need at least 1010 bytes,"
                + " the data has 970 after the count");
    }

    @Test
    void withTheTransactionsHeightSetAnUnknownKindIsAnError() throws Exception {
        byte[] data = data(1024, 2, 7);
        data[52] = 0;
        data[53] = 3;
        data[54] = (byte) 0x9d;
        DecodedMessage t = decode(FROM_HEIGHT_1, data).get(0);
        assertThat(t.experts()).containsExactly("minepool.tx_unknown_kind: record 1 of 3 at data byte 54 has kind"
                + " byte 0x9d (N is 0x4e, X is 0x58): nothing after it can be framed");
    }

    @Test
    void anUnknownKindAfterAGoodRecordIsAnErrorEvenWhenGuessing() throws Exception {
        byte[] data = withRegion(data(1024, 4, 8), List.of(ALICE.send(BOB, 5, 1), ALICE.send(BOB, 6, 2)));
        data[54 + 101] = 'Q';
        DecodedMessage t = decode(List.of(), data).get(0);
        assertThat(t.texts("tx_sender")).containsExactly("alice");
        assertThat(t.experts()).containsExactly("minepool.tx_unknown_kind: record 2 of 2 at data byte 155 has kind"
                + " byte 0x51 (N is 0x4e, X is 0x58): nothing after it can be framed");
        assertThat(t.summary()).endsWith(" tx=1");
    }

    @Test
    void aRecordCutOffByTheEndOfTheDataIsAnError() throws Exception {
        byte[] whole = withRegion(data(54 + 107 + 101 + 101, 5, 9),
                List.of(ALICE.registration(), ALICE.send(BOB, 1, 1), ALICE.send(BOB, 2, 2)));
        byte[] cut = Arrays.copyOf(whole, whole.length - 1);
        DecodedMessage t = decode(List.of(), cut).get(0);
        assertThat(t.texts("tx_id")).hasSize(2);
        assertThat(t.experts()).containsExactly("minepool.tx_cut_off: record 3 of 3, an X of 101 bytes at data"
                + " byte 262, has only 100");
    }

    @Test
    void aBadNameInARecordIsAnErrorAndTheRecordIsStillShown() throws Exception {
        byte[] data = withRegion(data(1024, 6, 10), List.of(ALICE.send(BOB, 1, 1)));
        data[54 + Transfer.RECIPIENT_OFFSET + 3] = (byte) 0xff; // "bob" + 0xff: not UTF-8
        DecodedMessage t = decode(List.of(), data).get(0);
        assertThat(t.texts("tx_recipient")).hasSize(1);
        assertThat(t.texts("tx_sender")).containsExactly("alice");
        assertThat(t.experts()).containsExactly("minepool.tx_bad_name: the recipient's name is not valid UTF-8: the"
                + " record is malformed, and a block that carries it invalid");
    }

    @Test
    void belowTheTransactionsHeightEvenAParsableRegionIsFiller() throws Exception {
        byte[] data = withRegion(data(1024, 7, 11), List.of(ALICE.send(BOB, 1, 1)));
        List<String> fromHeight10 = List.of("-o", "minepool.tx_height:10");
        DecodedMessage t = decode(fromHeight10, data).get(0);
        assertThat(t.has("tx_count")).isFalse();
        assertThat(t.experts()).isEmpty();
        assertThat(tree(fromHeight10, data)).contains("Not a transaction region (filler): height 7 is below the"
                + " transactions height 10 (preference)");
    }

    @Test
    void dataTooShortForACountHasNoRegion() throws Exception {
        byte[] data = data(53, 1, 12);
        DecodedMessage t = decode(FROM_HEIGHT_1, data).get(0);
        assertThat(t.has("tx_count")).isFalse();
        assertThat(t.experts()).isEmpty();
        assertThat(t.hex("transactions")).hasSize(2);
    }
}
