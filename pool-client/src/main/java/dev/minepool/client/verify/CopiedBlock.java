package dev.minepool.client.verify;

import java.util.Arrays;

/**
 * A block as the pool's API serves it and the copy keeps it: what it takes to re-check it.
 *
 * @param height   its height (block 1 is the first mined; the genesis is 0)
 * @param hash     the hash the pool claims for it: SHA-256(data || nonce), checked
 * @param nonce    the winning nonce, u32
 * @param zeroBits the zero bits it claims to meet, checked against the difficulty rule
 * @param winner   the miner name credited, as the pool sent it (checked to be a valid name)
 * @param foundAtMillis when the pool says it was found (only for the measured block time)
 * @param data     the job data: block header (previous hash, height, timestamp, extra-nonce), then the
 *                 transaction region
 */
public record CopiedBlock(long height, byte[] hash, long nonce, int zeroBits, String winner, long foundAtMillis,
        byte[] data) {
    public CopiedBlock {
        hash = hash.clone();
        data = data.clone();
    }

    @Override
    public byte[] hash() {
        return hash.clone();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    /** The data without a copy, for the checks of this package. */
    byte[] dataView() {
        return data;
    }

    boolean sameHash(byte[] other) {
        return Arrays.equals(hash, other);
    }
}
