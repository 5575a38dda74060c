package dev.minepool.client;

import java.time.Duration;

/**
 * What a miner did from start to stop; printed on exit. Coins are the accepted blocks, one coin each.
 *
 * @param stale submits the pool answered with {@code I}: the block was mined before the nonce arrived
 * @param invalidated slots the pool stopped with an unasked {@code I}: someone else found the block
 * @param slotsSearched slots searched to their end without a hit, and {@code noncesSearched} their nonces: the
 *        work the pool credits the miner with
 * @param speeds the hash rate over the last 10 s, 60 s and 15 min ({@link SpeedMeter#WINDOWS}), NaN where the
 *        run was shorter
 * @param maxSpeed the highest 10 s hash rate seen
 * @param failed whether the miner stopped because something is wrong: the pool refused it with {@code Q} (any
 *        reason but shutting down), or the pool's host does not resolve; the command line then exits 1
 */
public record MiningSummary(Duration runTime, long hashes, long submitted, long accepted, long rejected, long stale,
        long invalidated, long slotsSearched, long noncesSearched, double[] speeds, double maxSpeed,
        boolean failed) {

    public long coins() {
        return accepted;
    }

    /** One line for a person: run time, hashes, the average and the speed line's rates, submits and coins. */
    String describe() {
        return "summary: ran " + HashRate.format(runTime) + ", " + hashes + " hashes, average "
                + HashRate.format(HashRate.perSecond(hashes, runTime.toNanos())) + ", "
                + HashRate.speeds(speeds, maxSpeed)
                + "; blocks submitted " + submitted + ", accepted " + accepted + ", rejected " + rejected
                + ", stale " + stale + "; jobs invalidated " + invalidated + "; slots searched " + slotsSearched
                + "; coins earned " + coins();
    }
}
