package dev.minepool.protocol.ledger;

import dev.minepool.protocol.MinerName;
import java.security.PrivateKey;

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
 * @param publicKey  the raw 32-byte Ed25519 public key (RFC 8032 encoding)
 * @param signature  64 bytes
 */
public record NameRegistration(MinerName name, byte[] publicKey, byte[] signature) implements TxRecord {
    public static final byte KIND = 0x4E;
    public static final int LENGTH = 107;
    /** The ASCII bytes that prefix what is signed, so a signature over one kind can never pass as another. */
    public static final String DOMAIN = "minepool-name-v1";

    /** Signs a registration of {@code name} to the key pair's public key. */
    public static NameRegistration sign(MinerName name, byte[] publicKey, PrivateKey privateKey) {
        throw new UnsupportedOperationException("TODO");
    }

    /** Whether the signature verifies under the record's own key. */
    public boolean signatureValid() {
        throw new UnsupportedOperationException("TODO");
    }

    @Override public byte kind() { return KIND; }
    @Override public int length() { return LENGTH; }
    @Override public byte[] toBytes() { throw new UnsupportedOperationException("TODO"); }
    @Override public byte[] txid() { throw new UnsupportedOperationException("TODO"); }
    @Override public String txidHex() { throw new UnsupportedOperationException("TODO"); }
}
