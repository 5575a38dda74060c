package dev.minepool.protocol.ledger;

import static dev.minepool.protocol.ledger.TestKeys.ALICE;
import static dev.minepool.protocol.ledger.TestKeys.BOB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.minepool.protocol.MinerName;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TxRecordTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void aRegistrationIsLaidOutAsDrawn() {
        NameRegistration n = ALICE.registration();
        byte[] bytes = n.toBytes();
        assertThat(bytes).hasSize(107);
        assertThat(bytes[0]).isEqualTo((byte) 'N');
        assertThat(Arrays.copyOfRange(bytes, 1, 11)).as("the name, 0x00-padded")
                .isEqualTo(HEX.parseHex("616c6963650000000000"));
        assertThat(Arrays.copyOfRange(bytes, 11, 43)).isEqualTo(ALICE.publicKey());
        assertThat(Arrays.copyOfRange(bytes, 43, 107)).isEqualTo(n.signature());
        assertThat(n.signedMessage()).as("the domain, then bytes 0..42")
                .isEqualTo(concat("minepool-name-v1".getBytes(StandardCharsets.US_ASCII), Arrays.copyOf(bytes, 43)));
        assertThat(n.signatureValid()).isTrue();
        assertThat(Ed25519.verify(ALICE.publicKey(), n.signedMessage(), n.signature())).isTrue();
    }

    @Test
    void aTransferIsLaidOutAsDrawnBigEndian() {
        Transfer x = ALICE.send(BOB, 150_000_000L, 1);
        byte[] bytes = x.toBytes();
        assertThat(bytes).hasSize(101);
        assertThat(HEX.formatHex(Arrays.copyOf(bytes, 37))).isEqualTo("58" + "616c6963650000000000"
                + "626f6200000000000000" + "0000000008f0d180" + "0000000000000001");
        assertThat(x.signedMessage())
                .isEqualTo(concat("minepool-tx-v1".getBytes(StandardCharsets.US_ASCII), Arrays.copyOf(bytes, 37)));
        assertThat(x.signatureValid(ALICE.publicKey())).isTrue();
        assertThat(x.signatureValid(BOB.publicKey())).as("under another key").isFalse();
    }

    @Test
    void theTxidIsSha256OfTheWholeRecordInLowerCaseHex() throws Exception {
        Transfer x = ALICE.send(BOB, 1, 1);
        byte[] expected = MessageDigest.getInstance("SHA-256").digest(x.toBytes());
        assertThat(x.txid()).isEqualTo(expected);
        assertThat(x.txidHex()).isEqualTo(HEX.formatHex(expected)).matches("[0-9a-f]{64}");
        assertThat(ALICE.registration().txidHex()).isEqualTo(HEX.formatHex(
                MessageDigest.getInstance("SHA-256").digest(ALICE.registration().toBytes())));
        assertThat(TxRecord.isTxidHex(x.txidHex())).isTrue();
        assertThat(TxRecord.isTxidHex(x.txidHex().toUpperCase(java.util.Locale.ROOT))).isTrue();
        assertThat(TxRecord.isTxidHex(x.txidHex().substring(1))).isFalse();
        assertThat(TxRecord.isTxidHex("g" + x.txidHex().substring(1))).isFalse();
        assertThat(TxRecord.isTxidHex("\u0663" + x.txidHex().substring(1))).as("an Arabic-Indic three").isFalse();
    }

    @Test
    void bothKindsDecodeBackToEqualRecords() throws MalformedTxException {
        NameRegistration n = ALICE.registration();
        Transfer x = ALICE.send(BOB, 150_000_000L, 1);
        assertThat(TxRecord.decode(n.toBytes())).isEqualTo(n).hasSameHashCodeAs(n);
        assertThat(TxRecord.decode(x.toBytes())).isEqualTo(x).hasSameHashCodeAs(x);
        Transfer read = (Transfer) TxRecord.decode(x.toBytes());
        assertThat(read.sender()).isEqualTo(ALICE.name);
        assertThat(read.recipient()).isEqualTo(BOB.name);
        assertThat(read.amount()).isEqualTo(150_000_000L);
        assertThat(read.nonce()).isEqualTo(1);
        assertThat(read.account()).isEqualTo(ALICE.name);
        assertThat(read.toString()).contains("alice -> bob 1.50000000 nonce 1 txid " + x.txidHex());
    }

    @Test
    void aTenByteNameAndAUtf8NameFillTheirFields() throws MalformedTxException {
        MinerName full = MinerName.parse("0123456789");
        MinerName zoe = MinerName.parse("zoë");
        Transfer x = Transfer.sign(full, zoe, 5, 9, ALICE.privateKey());
        assertThat(HEX.formatHex(Arrays.copyOfRange(x.toBytes(), 1, 21)))
                .isEqualTo("30313233343536373839" + "7a6fc3ab000000000000");
        assertThat(TxRecord.decode(x.toBytes())).isEqualTo(x);
    }

    @Test
    void anAmountAndNonceWithTheTopBitSetReadAsU64() throws MalformedTxException {
        Transfer x = Transfer.sign(ALICE.name, BOB.name, -1L, Long.MIN_VALUE, ALICE.privateKey());
        Transfer read = (Transfer) TxRecord.decode(x.toBytes());
        assertThat(read.amount()).isEqualTo(-1L);
        assertThat(read.amountCoins()).isEqualTo("184467440737.09551615");
        assertThat(read.toString()).contains("nonce 9223372036854775808");
    }

    @Test
    void readAdvancesPastOneRecordAndLeavesThePositionOnAnError() throws MalformedTxException {
        Transfer x = ALICE.send(BOB, 7, 1);
        NameRegistration n = BOB.registration();
        // A little-endian buffer: the record is big-endian whatever the caller's buffer says.
        ByteBuffer buffer = ByteBuffer.wrap(concat(x.toBytes(), n.toBytes(), new byte[] {0x41}))
                .order(ByteOrder.LITTLE_ENDIAN);
        assertThat(TxRecord.read(buffer)).isEqualTo(x);
        assertThat(buffer.position()).isEqualTo(101);
        assertThat(TxRecord.read(buffer)).isEqualTo(n);
        assertThat(buffer.position()).isEqualTo(208);
        assertThat(buffer.order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
        assertThatThrownBy(() -> TxRecord.read(buffer)).isInstanceOf(MalformedTxException.class)
                .hasMessage("unknown record kind 0x41 at byte 208 (N is 0x4e, X is 0x58)");
        assertThat(buffer.position()).isEqualTo(208);
        buffer.position(209);
        assertThatThrownBy(() -> TxRecord.read(buffer)).hasMessageContaining("no record at byte 209");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 100, 102, 106, 108, 200})
    void aWrongLengthIsMalformed(int length) {
        byte[] x = ALICE.send(BOB, 7, 1).toBytes();
        byte[] n = ALICE.registration().toBytes();
        byte[] asX = Arrays.copyOf(x, length);
        byte[] asN = Arrays.copyOf(n, length);
        if (length != 0) {
            assertThatThrownBy(() -> TxRecord.decode(asX)).isInstanceOf(MalformedTxException.class)
                    .hasMessage("a X record is 101 bytes, not " + length);
            assertThatThrownBy(() -> TxRecord.decode(asN)).isInstanceOf(MalformedTxException.class)
                    .hasMessage("an N record is 107 bytes, not " + length);
        } else {
            assertThatThrownBy(() -> TxRecord.decode(asX)).hasMessage("no record: 0 bytes");
        }
    }

    @Test
    void aCutOffRecordInABufferSaysHowManyBytesRemain() {
        ByteBuffer buffer = ByteBuffer.wrap(Arrays.copyOf(ALICE.registration().toBytes(), 60));
        assertThatThrownBy(() -> TxRecord.read(buffer))
                .hasMessage("the N record at byte 0 is cut off: it is 107 bytes, 60 remain");
        assertThat(buffer.position()).isZero();
    }

    @ParameterizedTest
    @ValueSource(ints = {0x00, 0x41, 0x47, 0x54, 0x6e, 0x78, 0xff})
    void anUnknownKindIsMalformed(int kind) {
        byte[] bytes = ALICE.send(BOB, 7, 1).toBytes();
        bytes[0] = (byte) kind;
        assertThatThrownBy(() -> TxRecord.decode(bytes)).isInstanceOf(MalformedTxException.class)
                .hasMessageStartingWith(String.format("unknown record kind 0x%02x", kind));
    }

    @Test
    void badNamesAreMalformed() {
        byte[] good = ALICE.send(BOB, 7, 1).toBytes();
        assertThatThrownBy(() -> TxRecord.decode(withField(good, 1, HEX.parseHex("ff616c69636500000000"))))
                .isInstanceOf(MalformedTxException.class)
                .hasMessageContaining("the sender of the X is not a valid name").hasMessageContaining("not valid UTF-8");
        // "zoe" + U+0308 COMBINING DIAERESIS: the same text as "zoë" to the eye, but not NFC.
        assertThatThrownBy(() -> TxRecord.decode(withField(good, 11, HEX.parseHex("7a6f65cc880000000000"))))
                .hasMessageContaining("the recipient of the X is not a valid name")
                .hasMessageContaining("Normalization Form C");
        assertThatThrownBy(() -> TxRecord.decode(withField(good, 11, new byte[10])))
                .hasMessageContaining("the recipient of the X is not a valid name").hasMessageContaining("empty");
        assertThatThrownBy(() -> TxRecord.decode(withField(good, 1, HEX.parseHex("616c0069636500000000"))))
                .as("a 0x00 inside the name, not padding").hasMessageContaining("a control character");
        assertThatThrownBy(() -> TxRecord.decode(withField(good, 1, HEX.parseHex("20616c69636500000000"))))
                .hasMessageContaining("white space");
        byte[] n = ALICE.registration().toBytes();
        assertThatThrownBy(() -> TxRecord.decode(withField(n, 1, HEX.parseHex("616c6963650a00000000"))))
                .hasMessageContaining("the name of the N is not a valid name");
    }

    @Test
    void aForgedSignatureAndEveryChangedFieldFailVerification() throws MalformedTxException {
        byte[] good = ALICE.send(BOB, 150_000_000L, 1).toBytes();
        byte[] forged = good.clone();
        forged[50] ^= 1;
        assertThat(((Transfer) TxRecord.decode(forged)).signatureValid(ALICE.publicKey())).as("forged").isFalse();
        for (int offset = 0 + 1; offset < Transfer.SIGNATURE_OFFSET; offset++) {
            byte[] changed = good.clone();
            changed[offset] ^= 0x01;
            try {
                Transfer x = (Transfer) TxRecord.decode(changed);
                assertThat(x.signatureValid(ALICE.publicKey())).as("byte %d changed", offset).isFalse();
            } catch (MalformedTxException e) {
                // a changed name byte may make the name invalid: also refused
            }
        }
        Transfer recipientChanged = new Transfer(ALICE.name, TestKeys.MALLORY.name, 150_000_000L, 1,
                ((Transfer) TxRecord.decode(good)).signature());
        assertThat(recipientChanged.signatureValid(ALICE.publicKey())).as("another recipient").isFalse();
        Transfer amountFlipped = new Transfer(ALICE.name, BOB.name, 150_000_000L ^ (1L << 40), 1,
                ((Transfer) TxRecord.decode(good)).signature());
        assertThat(amountFlipped.signatureValid(ALICE.publicKey())).as("a flipped amount bit").isFalse();
    }

    @Test
    void aSignatureOfOneKindNeverPassesAsTheOther() {
        // The domain prefixes differ, so signing the bytes of an X can never yield a valid N's signature and back.
        NameRegistration n = ALICE.registration();
        byte[] messageWithoutDomain = Arrays.copyOf(n.toBytes(), NameRegistration.SIGNATURE_OFFSET);
        byte[] signedUnderTxDomain = Ed25519.sign(ALICE.privateKey(),
                concat("minepool-tx-v1".getBytes(StandardCharsets.US_ASCII), messageWithoutDomain));
        assertThat(new NameRegistration(ALICE.name, ALICE.publicKey(), signedUnderTxDomain).signatureValid())
                .isFalse();
    }

    @Test
    void aRegistrationSignedByAnotherKeyIsNotValid() {
        byte[] sig = NameRegistration.sign(ALICE.name, ALICE.publicKey(), TestKeys.MALLORY.privateKey()).signature();
        assertThat(new NameRegistration(ALICE.name, ALICE.publicKey(), sig).signatureValid()).isFalse();
        NameRegistration invalidKey = new NameRegistration(ALICE.name, new byte[32], sig);
        assertThat(invalidKey.signatureValid()).isFalse();
    }

    @Test
    void recordsCompareTheirBytesAndCopyTheirArrays() {
        byte[] key = ALICE.publicKey();
        NameRegistration n = ALICE.registration();
        NameRegistration same = new NameRegistration(ALICE.name, key.clone(), n.signature());
        assertThat(same).isEqualTo(n).hasSameHashCodeAs(n);
        key[0] ^= 1;
        assertThat(same.publicKey()).as("a copy was kept").isEqualTo(ALICE.publicKey());
        same.publicKey()[0] ^= 1;
        assertThat(same.publicKey()).as("a copy was handed out").isEqualTo(ALICE.publicKey());
        same.signature()[0] ^= 1;
        assertThat(same).isEqualTo(n);
        assertThat(n.toString()).isEqualTo("N[alice key " + HEX.formatHex(ALICE.publicKey()) + " txid "
                + n.txidHex() + "]");
        Transfer x = ALICE.send(BOB, 1, 1);
        assertThat(x).isEqualTo(new Transfer(ALICE.name, BOB.name, 1, 1, x.signature()))
                .isNotEqualTo(new Transfer(ALICE.name, BOB.name, 1, 2, x.signature()));
    }

    @Test
    void theConstructorsCheckLengths() {
        assertThatThrownBy(() -> new NameRegistration(ALICE.name, new byte[31], new byte[64]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32 bytes");
        assertThatThrownBy(() -> new NameRegistration(ALICE.name, new byte[32], new byte[63]))
                .hasMessageContaining("64 bytes");
        assertThatThrownBy(() -> new Transfer(ALICE.name, BOB.name, 1, 1, new byte[65]))
                .hasMessageContaining("64 bytes");
        assertThatThrownBy(() -> new Transfer(null, BOB.name, 1, 1, new byte[64]))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void theKindsCarryTheirLettersAndLengths() {
        assertThat(TxKind.fromWireByte((byte) 'N')).isEqualTo(TxKind.NAME_REGISTRATION);
        assertThat(TxKind.fromWireByte((byte) 'X')).isEqualTo(TxKind.TRANSFER);
        assertThat(TxKind.fromWireByte((byte) 'x')).isNull();
        assertThat(TxKind.NAME_REGISTRATION.length()).isEqualTo(107).isEqualTo(NameRegistration.LENGTH);
        assertThat(TxKind.TRANSFER.length()).isEqualTo(101).isEqualTo(Transfer.LENGTH);
        assertThat(ALICE.registration().length()).isEqualTo(107);
        assertThat(ALICE.send(BOB, 1, 1).kind()).isEqualTo((byte) 0x58);
    }

    static byte[] withField(byte[] record, int offset, byte[] field) {
        byte[] out = record.clone();
        System.arraycopy(field, 0, out, offset, field.length);
        return out;
    }

    static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        ByteBuffer out = ByteBuffer.allocate(length);
        for (byte[] part : parts) {
            out.put(part);
        }
        return out.array();
    }
}
