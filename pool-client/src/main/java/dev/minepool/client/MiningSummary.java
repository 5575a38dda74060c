package dev.minepool.client;

import java.time.Duration;

/**
 * What a miner did from start to stop; printed on exit. Coins are the accepted blocks, one coin each.
 *
 * @param failed whether the miner stopped because something is wrong: the pool refused it with {@code Q} (any
 *        reason but shutting down), or the pool's host does not resolve; the command line then exits 1
 */
public record MiningSummary(Duration runTime, long hashes, long submitted, long accepted, long rejected,
        long invalidated, boolean failed) {

    public long coins() {
        return accepted;
    }

    /** One line for a person: run time, hashes, average rate, blocks and coins. */
    String describe() {
        return "summary: ran " + HashRate.format(runTime) + ", " + hashes + " hashes, average "
                + HashRate.format(HashRate.perSecond(hashes, runTime.toNanos()))
                + "; blocks submitted " + submitted + ", accepted " + accepted + ", rejected " + rejected
                + ", invalidated " + invalidated + "; coins earned " + coins();
    }
}
