package dev.minepool.server;

import java.util.HashSet;
import java.util.Set;

/**
 * The mining of one height: the sibling jobs opened for it, and the miners holding a slot of it, who are the
 * ones told {@code I} when it is won. A round is open until its first valid nonce, then won for good.
 */
final class Round {
    final long height;
    final byte[] previousHash;
    final long startedAtMillis;
    /** The job currently handing out slots; a sibling replaces it when its slots run out. */
    Job job;
    long nextExtraNonce;
    /**
     * Miners given a slot of this height, so that the win reaches exactly them without scanning every
     * connection. Set to null once the round is won and they have been told.
     */
    Set<Miner> holders = new HashSet<>();
    boolean won;

    Round(long height, byte[] previousHash, long startedAtMillis) {
        this.height = height;
        this.previousHash = previousHash;
        this.startedAtMillis = startedAtMillis;
    }
}
