package dev.minepool.protocol.ledger;

import dev.minepool.protocol.MinerName;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.util.Arrays;
import java.util.Objects;

/**
 * {@code X}: moves {@code amount} base units from a bound name to any valid name.
 *
 * <pre>
 *  0      1             11               21            29             37                                 101
 *  +------+-------------+----------------+-------------+--------------+---------------------------------+
 *  | 'X'  | sender (10) | recipient (10) | amount u64  | nonce u64    | signature (64) over             |
 *  | 0x58 | 0x00-padded | 0x00-padded    | base units  | sender's     | "minepool-tx-v1" + bytes 0..36  |
 *  +------+-------------+----------------+-------------+--------------+---------------------------------+
 * </pre>
 *
 * The signature covers every field, so no byte of a signed transfer can change without its sender's key; the
 * nonce makes each transfer spendable once (a replay repeats a nonce the chain already has).
 *
 * @param amount  base units (1 coin = {@link Coins#UNITS_PER_COIN}); read as unsigned, and a value above
 *                Long.MAX_VALUE can never be covered by a balance
 * @param nonce   the sender's nonce: exactly one more than its last (its first transfer has nonce 1); unsigned
 */
public record Transfer(MinerName sender, MinerName recipient, long amount, long nonce, byte[] signature)
        implements TxRecord {
    public static final byte KIND = 0x58;
    public static final int KIND_OFFSET = 0;
    public static final int SENDER_OFFSET = KIND_OFFSET + 1;
    public static final int RECIPIENT_OFFSET = SENDER_OFFSET + NameField.LENGTH;
    public static final int AMOUNT_OFFSET = RECIPIENT_OFFSET + NameField.LENGTH;
    public static final int NONCE_OFFSET = AMOUNT_OFFSET + Long.BYTES;
    public static final int SIGNATURE_OFFSET = NONCE_OFFSET + Long.BYTES;
    public static final int LENGTH = SIGNATURE_OFFSET + Ed25519.SIGNATURE_BYTES;
    public static final String DOMAIN = "minepool-tx-v1";
    private static final byte[] DOMAIN_BYTES = DOMAIN.getBytes(StandardCharsets.US_ASCII);

    public Transfer {
        Objects.requireNonNull(sender, "sender");
        Objects.requireNonNull(recipient, "recipient");
        if (signature == null || signature.length != Ed25519.SIGNATURE_BYTES) {
            throw new IllegalArgumentException("an X's signature is " + Ed25519.SIGNATURE_BYTES + " bytes");
        }
        signature = signature.clone();
    }

    public static Transfer sign(MinerName sender, MinerName recipient, long amount, long nonce,
                                PrivateKey privateKey) {
        Transfer unsigned = new Transfer(sender, recipient, amount, nonce, new byte[Ed25519.SIGNATURE_BYTES]);
        return new Transfer(sender, recipient, amount, nonce, Ed25519.sign(privateKey, unsigned.signedMessage()));
    }

    /** Whether the signature verifies under {@code publicKey} (raw 32 bytes: the sender's bound key). */
    public boolean signatureValid(byte[] publicKey) {
        return Ed25519.verify(publicKey, signedMessage(), signature);
    }

    @Override
    public byte[] signedMessage() {
        return TxRecord.signedMessage(DOMAIN_BYTES, toBytes(), SIGNATURE_OFFSET);
    }

    static Transfer decode(ByteBuffer src) throws MalformedTxException {
        src.get(); // kind, already checked
        MinerName sender = NameField.read(src, "the sender of the X");
        MinerName recipient = NameField.read(src, "the recipient of the X");
        long amount = src.getLong();
        long nonce = src.getLong();
        byte[] signature = new byte[Ed25519.SIGNATURE_BYTES];
        src.get(signature);
        return new Transfer(sender, recipient, amount, nonce, signature);
    }

    /** The amount as people read it: coins with 8 decimals, the full u64 range. */
    public String amountCoins() {
        return Coins.formatUnsigned(amount);
    }

    @Override
    public MinerName account() {
        return sender;
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    @Override public byte kind() { return KIND; }
    @Override public int length() { return LENGTH; }

    @Override
    public byte[] toBytes() {
        ByteBuffer out = ByteBuffer.allocate(LENGTH).order(ByteOrder.BIG_ENDIAN);
        out.put(KIND);
        NameField.write(out, sender);
        NameField.write(out, recipient);
        out.putLong(amount).putLong(nonce).put(signature);
        return out.array();
    }

    @Override public byte[] txid() { return TxRecord.sha256(toBytes()); }
    @Override public String txidHex() { return TxRecord.hex(txid()); }

    @Override
    public boolean equals(Object o) {
        return o instanceof Transfer t && sender.equals(t.sender) && recipient.equals(t.recipient)
                && amount == t.amount && nonce == t.nonce && Arrays.equals(signature, t.signature);
    }

    @Override
    public int hashCode() {
        return Objects.hash(sender, recipient, amount, nonce) * 31 + Arrays.hashCode(signature);
    }

    @Override
    public String toString() {
        return "X[" + sender + " -> " + recipient + " " + amountCoins() + " nonce " + Long.toUnsignedString(nonce)
                + " txid " + txidHex() + "]";
    }
}
