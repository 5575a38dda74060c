package dev.minepool.protocol.ledger;

import dev.minepool.protocol.MinerName;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.util.Arrays;
import java.util.Objects;

/**
 * {@code N}: binds a name to an Ed25519 key, first registration on the chain wins.
 *
 * <pre>
 *  0      1              11                        43                                       107
 *  +------+--------------+-------------------------+----------------------------------------+
 *  | 'N'  | name (10)    | Ed25519 public key (32) | signature (64) over "minepool-name-v1"  |
 *  | 0x4E | 0x00-padded  |                         | followed by bytes 0..42                 |
 *  +------+--------------+-------------------------+----------------------------------------+
 * </pre>
 *
 * The signature proves that whoever holds the key asked for the name, so nobody can bind a key they do not hold
 * (and a registration cannot be altered on its way to the pool); it does not, and cannot, prove that the name was
 * theirs: that is trust on first use.
 *
 * @param publicKey  the raw 32-byte Ed25519 public key (RFC 8032 encoding)
 * @param signature  64 bytes
 */
public record NameRegistration(MinerName name, byte[] publicKey, byte[] signature) implements TxRecord {
    public static final byte KIND = 0x4E;
    public static final int KIND_OFFSET = 0;
    public static final int NAME_OFFSET = KIND_OFFSET + 1;
    public static final int KEY_OFFSET = NAME_OFFSET + NameField.LENGTH;
    public static final int SIGNATURE_OFFSET = KEY_OFFSET + Ed25519.PUBLIC_KEY_BYTES;
    public static final int LENGTH = SIGNATURE_OFFSET + Ed25519.SIGNATURE_BYTES;
    /** The ASCII bytes that prefix what is signed, so a signature over one kind can never pass as another. */
    public static final String DOMAIN = "minepool-name-v1";
    private static final byte[] DOMAIN_BYTES = DOMAIN.getBytes(StandardCharsets.US_ASCII);

    public NameRegistration {
        Objects.requireNonNull(name, "name");
        if (publicKey == null || publicKey.length != Ed25519.PUBLIC_KEY_BYTES) {
            throw new IllegalArgumentException("an N's public key is " + Ed25519.PUBLIC_KEY_BYTES + " bytes");
        }
        if (signature == null || signature.length != Ed25519.SIGNATURE_BYTES) {
            throw new IllegalArgumentException("an N's signature is " + Ed25519.SIGNATURE_BYTES + " bytes");
        }
        publicKey = publicKey.clone();
        signature = signature.clone();
    }

    /** Signs a registration of {@code name} to the key pair's public key. */
    public static NameRegistration sign(MinerName name, byte[] publicKey, PrivateKey privateKey) {
        NameRegistration unsigned = new NameRegistration(name, publicKey, new byte[Ed25519.SIGNATURE_BYTES]);
        return new NameRegistration(name, publicKey, Ed25519.sign(privateKey, unsigned.signedMessage()));
    }

    /** Whether the signature verifies under the record's own key. */
    public boolean signatureValid() {
        return Ed25519.verify(publicKey, signedMessage(), signature);
    }

    @Override
    public byte[] signedMessage() {
        return TxRecord.signedMessage(DOMAIN_BYTES, toBytes(), SIGNATURE_OFFSET);
    }

    static NameRegistration decode(ByteBuffer src) throws MalformedTxException {
        src.get(); // kind, already checked
        MinerName name = NameField.read(src, "the name of the N");
        byte[] key = new byte[Ed25519.PUBLIC_KEY_BYTES];
        src.get(key);
        byte[] signature = new byte[Ed25519.SIGNATURE_BYTES];
        src.get(signature);
        return new NameRegistration(name, key, signature);
    }

    @Override
    public MinerName account() {
        return name;
    }

    @Override
    public byte[] publicKey() {
        return publicKey.clone();
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
        NameField.write(out, name);
        out.put(publicKey).put(signature);
        return out.array();
    }

    @Override public byte[] txid() { return TxRecord.sha256(toBytes()); }
    @Override public String txidHex() { return TxRecord.hex(txid()); }

    @Override
    public boolean equals(Object o) {
        return o instanceof NameRegistration n && name.equals(n.name) && Arrays.equals(publicKey, n.publicKey)
                && Arrays.equals(signature, n.signature);
    }

    @Override
    public int hashCode() {
        return (name.hashCode() * 31 + Arrays.hashCode(publicKey)) * 31 + Arrays.hashCode(signature);
    }

    @Override
    public String toString() {
        return "N[" + name + " key " + TxRecord.hex(publicKey) + " txid " + txidHex() + "]";
    }
}
