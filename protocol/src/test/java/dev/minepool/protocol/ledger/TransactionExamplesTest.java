package dev.minepool.protocol.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minepool.protocol.MinerName;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The worked example of PROTOCOL.md, "Transactions": each fenced block of hex lines there is one record, field
 * by field, followed by its txid. Each must decode to a record that encodes back to the same bytes, whose fields
 * are what its lines say, whose signature verifies and is exactly what the key of the seed 00 01 .. 1f makes
 * (Ed25519 is deterministic), and whose txid is the one stated. The registration must apply, and then the
 * transfer, to a ledger where alice has mined two blocks.
 */
class TransactionExamplesTest {
    private static final Path PROTOCOL_MD = Path.of("..", "PROTOCOL.md");
    /** Hex groups (each an even number of digits), one space apart, then two or more spaces and the field. */
    private static final Pattern FIELD_LINE =
            Pattern.compile("^((?:[0-9a-f]{2})+(?: (?:[0-9a-f]{2})+)*) {2,}(\\S.*)$");
    private static final Pattern TXID_LINE = Pattern.compile("^txid ([0-9a-f]{64})$");
    private static final Pattern KIND = Pattern.compile("^kind ([NX])$");
    private static final Pattern NAME = Pattern.compile("^(name|sender|recipient) \"([^\"]*)\"$");
    private static final Pattern AMOUNT = Pattern.compile("^amount (\\d+) base units \\((\\d+\\.\\d{8}) coins\\)$");
    private static final Pattern NONCE = Pattern.compile("^nonce (\\d+)$");
    private static final Pattern KEY = Pattern.compile("^public key$");
    private static final Pattern SIGNATURE = Pattern.compile("^signature \\((\\d) of 2\\)$");

    /** One record of the page: its bytes, the field each line names (with its offset), and the stated txid. */
    record Example(int line, byte[] bytes, List<Field> fields, String txid) {
        @Override
        public String toString() {
            return "the example at PROTOCOL.md line " + line;
        }
    }

    record Field(int offset, byte[] bytes, String text, int line) {
    }

    @Test
    void theWorkedExampleIsARegistrationAndATransferThatDecodeVerifyAndHaveTheirTxids() throws Exception {
        List<Example> examples = examples();
        assertThat(examples).as("records in PROTOCOL.md's worked example").hasSize(2);
        KeyPair seedKey = Ed25519.fromSeed(seed());
        byte[] key = Ed25519.rawPublicKey(seedKey.getPublic());

        Accounts accounts = new Accounts();
        accounts.reward(MinerName.parse("alice"));
        accounts.reward(MinerName.parse("alice"));
        List<Character> kinds = new ArrayList<>();
        for (Example example : examples) {
            TxRecord record = TxRecord.decode(example.bytes());
            kinds.add((char) record.kind());
            assertThat(record.toBytes()).as("%s encodes back to the same bytes", example).isEqualTo(example.bytes());
            assertThat(record.txidHex()).as("the txid of %s", example).isEqualTo(example.txid());
            for (Field field : example.fields()) {
                checkField(example, record, field, key);
            }
            if (record instanceof NameRegistration n) {
                assertThat(n.signatureValid()).as("the signature of %s", example).isTrue();
                assertThat(NameRegistration.sign(n.name(), n.publicKey(), seedKey.getPrivate()))
                        .as("%s is what the seed's key signs", example).isEqualTo(n);
            } else {
                Transfer x = (Transfer) record;
                assertThat(x.signatureValid(key)).as("the signature of %s", example).isTrue();
                assertThat(Transfer.sign(x.sender(), x.recipient(), x.amount(), x.nonce(), seedKey.getPrivate()))
                        .as("%s is what the seed's key signs", example).isEqualTo(x);
            }
            accounts.apply(record);
        }
        assertThat(kinds).containsExactly('N', 'X');
        assertThat(accounts.balance(MinerName.parse("bob"))).isEqualTo(150_000_000L);
        assertThat(accounts.balance(MinerName.parse("alice"))).isEqualTo(50_000_000L);
    }

    @Test
    void thePageStatesTheSeedsPublicKey() throws IOException {
        String page = Files.readString(PROTOCOL_MD, StandardCharsets.UTF_8);
        String key = HexFormat.of().formatHex(Ed25519.rawPublicKey(Ed25519.fromSeed(seed()).getPublic()));
        assertThat(page).contains("The key comes from the 32-byte seed `00 01 02 … 1f`")
                .contains("its public key is\n`" + key + "`");
    }

    private static void checkField(Example example, TxRecord record, Field field, byte[] key) {
        byte[] whole = record.toBytes();
        String where = "PROTOCOL.md line " + field.line() + " (" + field.text() + ")";
        Matcher m;
        if ((m = KIND.matcher(field.text())).matches()) {
            assertThat(field.offset()).as(where).isZero();
            assertThat((char) record.kind()).as(where).isEqualTo(m.group(1).charAt(0));
        } else if ((m = NAME.matcher(field.text())).matches()) {
            MinerName name = MinerName.parse(m.group(2));
            int offset;
            if (record instanceof NameRegistration n) {
                assertThat(m.group(1)).as(where).isEqualTo("name");
                assertThat(n.name()).as(where).isEqualTo(name);
                offset = NameRegistration.NAME_OFFSET;
            } else {
                Transfer x = (Transfer) record;
                boolean sender = m.group(1).equals("sender");
                assertThat(m.group(1)).as(where).isIn("sender", "recipient");
                assertThat(sender ? x.sender() : x.recipient()).as(where).isEqualTo(name);
                offset = sender ? Transfer.SENDER_OFFSET : Transfer.RECIPIENT_OFFSET;
            }
            assertThat(field.offset()).as("the offset of %s", where).isEqualTo(offset);
            assertThat(field.bytes()).as(where).hasSize(10);
        } else if ((m = AMOUNT.matcher(field.text())).matches()) {
            Transfer x = (Transfer) record;
            assertThat(field.offset()).as(where).isEqualTo(Transfer.AMOUNT_OFFSET);
            assertThat(Long.toUnsignedString(x.amount())).as(where).isEqualTo(m.group(1));
            assertThat(x.amountCoins()).as(where).isEqualTo(m.group(2));
        } else if ((m = NONCE.matcher(field.text())).matches()) {
            assertThat(field.offset()).as(where).isEqualTo(Transfer.NONCE_OFFSET);
            assertThat(Long.toUnsignedString(((Transfer) record).nonce())).as(where).isEqualTo(m.group(1));
        } else if (KEY.matcher(field.text()).matches()) {
            assertThat(field.offset()).as(where).isEqualTo(NameRegistration.KEY_OFFSET);
            assertThat(field.bytes()).as("%s: the public key of the seed 00 01 .. 1f", where).isEqualTo(key);
        } else if ((m = SIGNATURE.matcher(field.text())).matches()) {
            int start = record instanceof NameRegistration ? NameRegistration.SIGNATURE_OFFSET
                    : Transfer.SIGNATURE_OFFSET;
            assertThat(field.offset()).as(where).isEqualTo(start + 32 * (Integer.parseInt(m.group(1)) - 1));
            assertThat(field.bytes()).as(where).hasSize(32);
        } else {
            throw new AssertionError(where + " names no field this test knows; write it as kind N, name \"…\","
                    + " sender \"…\", recipient \"…\", public key, amount U base units (C coins), nonce N or"
                    + " signature (i of 2), or teach this test the new form");
        }
        assertThat(whole).as(where).containsSubsequence(field.bytes());
    }

    private static byte[] seed() {
        byte[] seed = new byte[32];
        for (int i = 0; i < seed.length; i++) {
            seed[i] = (byte) i;
        }
        return seed;
    }

    /** The fenced blocks of hex lines in the section "Transactions", in order. */
    static List<Example> examples() {
        List<String> lines;
        try {
            lines = Files.readAllLines(PROTOCOL_MD, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Example> examples = new ArrayList<>();
        boolean inSection = false;
        boolean fenced = false;
        int start = 0;
        List<Field> fields = new ArrayList<>();
        String txid = null;
        int offset = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (!fenced && line.startsWith("## ")) {
                inSection = line.equals("## Transactions");
            }
            if (!inSection) {
                continue;
            }
            if (line.startsWith("```")) {
                if (fenced && !fields.isEmpty()) {
                    assertThat(txid).as("the record at PROTOCOL.md line %d ends with a line txid <64 hex digits>",
                            start).isNotNull();
                    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
                    fields.forEach(f -> bytes.writeBytes(f.bytes()));
                    examples.add(new Example(start, bytes.toByteArray(), List.copyOf(fields), txid));
                }
                fenced = !fenced;
                fields.clear();
                txid = null;
                offset = 0;
                start = i + 2;
                continue;
            }
            if (!fenced) {
                continue;
            }
            Matcher field = FIELD_LINE.matcher(line.stripTrailing());
            Matcher id = TXID_LINE.matcher(line.strip());
            if (field.matches()) {
                byte[] bytes = HexFormat.of().parseHex(field.group(1).replace(" ", ""));
                fields.add(new Field(offset, bytes, field.group(2).strip(), i + 1));
                offset += bytes.length;
            } else if (id.matches()) {
                txid = id.group(1);
            } else {
                assertThat(fields).as("PROTOCOL.md line %d, inside a block of hex fields, is neither a field"
                        + " (hex, two spaces, its name) nor the txid: %s", i + 1, line).isEmpty();
            }
        }
        return examples;
    }
}
