package dev.minepool.protocol.ledger;

import dev.minepool.protocol.MinerName;
import java.security.PrivateKey;

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
 * @param amount  base units (1 coin = {@link Coins#UNITS_PER_COIN}); read as unsigned, and a value above
 *                Long.MAX_VALUE can never be covered by a balance
 * @param nonce   the sender's nonce: exactly one more than its last (its first transfer has nonce 1)
 */
public record Transfer(MinerName sender, MinerName recipient, long amount, long nonce, byte[] signature)
        implements TxRecord {
    public static final byte KIND = 0x58;
    public static final int LENGTH = 101;
    public static final String DOMAIN = "minepool-tx-v1";

    public static Transfer sign(MinerName sender, MinerName recipient, long amount, long nonce,
                                PrivateKey privateKey) {
        throw new UnsupportedOperationException("TODO");
    }

    /** Whether the signature verifies under {@code publicKey} (raw 32 bytes: the sender's bound key). */
    public boolean signatureValid(byte[] publicKey) {
        throw new UnsupportedOperationException("TODO");
    }

    @Override public byte kind() { return KIND; }
    @Override public int length() { return LENGTH; }
    @Override public byte[] toBytes() { throw new UnsupportedOperationException("TODO"); }
    @Override public byte[] txid() { throw new UnsupportedOperationException("TODO"); }
    @Override public String txidHex() { throw new UnsupportedOperationException("TODO"); }
}
