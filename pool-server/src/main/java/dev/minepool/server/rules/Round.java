package dev.minepool.server.rules;

/**
 * The mining of one height: the sibling jobs opened for it, and the miners holding a slot of it, who are the
 * ones told {@code I} when it is won. A round is open until its first valid nonce, then won for good.
 */
final class Round {
    final long height;
    final byte[] previousHash;
    final long startedAtMillis;
    /** What the chain's rule asks of this height: every job of it asks for these bits. */
    final int zeroBits;
    /** The earliest timestamp a job of this height may carry: the block before's, so time never goes back. */
    final long earliestTimestamp;
    /** The job currently handing out slots; a sibling replaces it when its slots run out. */
    Job job;
    long nextExtraNonce;
    /**
     * Miners given a slot of this height, so that the win reaches exactly them without scanning every
     * connection. Set to null once the round is won and they have been told.
     */
    Holders holders;
    /** How many held a slot when the round was won: room made at once for the next round's holders. */
    int holdersAtWin;
    boolean won;
    /** The numbers of the jobs opened for this height, to free them when the height stops being live. */
    int[] jobNumbers = new int[4];
    int jobCount;

    /** @param expectedHolders room made at once for this many holders (the round before's), so none grow it */
    Round(long height, byte[] previousHash, long startedAtMillis, int zeroBits, long earliestTimestamp,
          int expectedHolders) {
        this.holders = new Holders(expectedHolders);
        this.height = height;
        this.previousHash = previousHash;
        this.startedAtMillis = startedAtMillis;
        this.zeroBits = zeroBits;
        this.earliestTimestamp = earliestTimestamp;
    }

    void opened(Job job) {
        if (jobCount == jobNumbers.length) {
            jobNumbers = java.util.Arrays.copyOf(jobNumbers, jobCount * 2);
        }
        jobNumbers[jobCount++] = job.number;
    }
}
