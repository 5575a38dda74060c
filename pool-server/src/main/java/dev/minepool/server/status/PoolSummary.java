package dev.minepool.server.status;

import dev.minepool.protocol.ProofOfWork;
import dev.minepool.server.PoolLog;

/**
 * The periodic summary line, computed from two snapshots: the one at the last summary and the current one.
 *
 * <p>The hash rate is a lower bound from two pieces of evidence over the interval: a block takes 2^bits hashes
 * on average, and a miner that asks again without having been answered has searched its whole slot. Slots
 * abandoned on I are not counted, so the true rate is somewhat higher.
 */
public final class PoolSummary {
    private PoolSnapshot last;

    /** @param start the snapshot the first interval counts from */
    public PoolSummary(PoolSnapshot start) {
        this.last = start;
    }

    /** The line for the interval since the previous call (or the start), and that interval ends now. */
    public String line(PoolSnapshot now) {
        PoolSnapshot before = last;
        last = now;
        double seconds = Math.max(1e-3, (now.takenAtMillis() - before.takenAtMillis()) / 1000.0);
        long blocks = now.rules().blocks() - before.rules().blocks();
        long searched = now.rules().slotsSearched() - before.rules().slotsSearched();
        long slots = now.rules().slotsGiven() - before.rules().slotsGiven();
        double hashes = Math.max(blocks * ProofOfWork.expectedHashes(now.zeroBits()),
                (double) searched * now.slotSize());
        StringBuilder line = new StringBuilder("summary: ")
                .append(PoolLog.count(now.rules().namedConnections(), "miner")).append(", ")
                .append(PoolLog.count(now.blocksThisRun(), "block")).append(" in this run, ")
                .append(PoolLog.count(slots, "slot")).append(" handed out in the last ").append(Math.round(seconds))
                .append(" s, est. pool hash rate ").append(PoolLog.hashRate(hashes / seconds));
        long rejects = now.rules().rejectedSubmits() - before.rules().rejectedSubmits();
        long refused = now.loop().refusedFull() + now.loop().refusedHost()
                - before.loop().refusedFull() - before.loop().refusedHost();
        long violations = now.loop().violations() - before.loop().violations();
        if (rejects > 0 || refused > 0 || violations > 0) {
            line.append("; ").append(PoolLog.count(rejects, "rejected submit")).append(", ")
                    .append(PoolLog.count(refused, "refused connection")).append(", ")
                    .append(PoolLog.count(violations, "protocol violation"));
        }
        return line.toString();
    }
}
