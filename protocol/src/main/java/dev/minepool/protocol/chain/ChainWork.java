package dev.minepool.protocol.chain;

import java.math.BigInteger;

/**
 * The work a chain proves: Σ 2^bits over its blocks, the hashes it took on average. Chains are compared by it,
 * not by length: with retargeting, a long chain of easy blocks can hold less work than a short one of hard
 * blocks, and only the work says which cost more to make. Nothing chooses between chains yet; when peers do,
 * the chain that {@link #beats} the other is the best one.
 */
public record ChainWork(BigInteger value) {
    public static final ChainWork NONE = new ChainWork(BigInteger.ZERO);

    public ChainWork {
        if (value.signum() < 0) {
            throw new IllegalArgumentException("negative chain work " + value);
        }
    }

    /** This work and one more block of {@code zeroBits}. */
    public ChainWork plus(int zeroBits) {
        return new ChainWork(value.add(BigInteger.ONE.shiftLeft(zeroBits)));
    }

    /**
     * Whether a chain with this work is better than one with {@code other}: strictly more work. On a tie the chain
     * held first is kept, as Bitcoin does, so that two equal chains never make a node switch back and forth.
     */
    public boolean beats(ChainWork other) {
        return value.compareTo(other.value) > 0;
    }

    /** log2 of the work, for people: {@code 2^27.3}. */
    public double log2() {
        if (value.signum() == 0) {
            return 0;
        }
        int shift = Math.max(0, value.bitLength() - 53);
        return Math.log(value.shiftRight(shift).doubleValue()) / Math.log(2) + shift;
    }

    @Override
    public String toString() {
        return value.toString();
    }
}
