package dev.minepool.server.chain;

import dev.minepool.protocol.ProofOfWork;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A mined block as the chain keeps it: enough to re-verify its proof of work and its link to the block before.
 *
 * @param height        1 for the first block after genesis
 * @param previousHash  the proof-of-work hash of the block before (the genesis hash for block 1); the data
 *                      carries the same bytes at offset 0, and the chain checks that they agree
 * @param data          the job data the winner was given
 * @param nonce         the winning nonce (u32)
 * @param zeroBits      the zero bits the pool asked for when it was mined
 * @param winner        the miner name from the winner's G
 * @param foundAtMillis when the pool accepted it, ms since the Unix epoch
 * @param millisToMine  from the first job of this height (or the pool's start) to the accepted S
 */
public record Block(long height, byte[] previousHash, byte[] data, long nonce, int zeroBits, String winner,
                    long foundAtMillis, long millisToMine) {

    public Block {
        previousHash = previousHash.clone();
        data = data.clone();
    }

    @Override
    public byte[] previousHash() {
        return previousHash.clone();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    /** The proof-of-work hash, {@code SHA-256(data || nonce)}: the next block's previous hash. */
    public byte[] hash() {
        return ProofOfWork.hash(data, nonce);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Block b && height == b.height && Arrays.equals(previousHash, b.previousHash)
                && Arrays.equals(data, b.data) && nonce == b.nonce && zeroBits == b.zeroBits
                && winner.equals(b.winner) && foundAtMillis == b.foundAtMillis && millisToMine == b.millisToMine;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(height) * 31 + Long.hashCode(nonce) + 7 * Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "Block[height=" + height + ", previousHash=" + HexFormat.of().formatHex(previousHash) + ", nonce="
                + nonce + ", zeroBits=" + zeroBits + ", winner=" + winner + "]";
    }
}
