package dev.minepool.server.status;

import dev.minepool.server.PoolLog;
import dev.minepool.protocol.chain.DifficultyRule;

/**
 * The periodic summary line, computed from two snapshots: the one at the last summary and the current one.
 *
 * <p>The hash rate is a lower bound from two pieces of evidence over the interval: the blocks' work (each takes
 * 2^bits hashes on average, at the bits it was mined at), and a miner that asks again without having been answered has searched its whole slot. Slots
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
        double work = now.difficulty().chainWork().value().subtract(before.difficulty().chainWork().value())
                .doubleValue();
        double hashes = Math.max(work, (double) searched * now.slotSize());
        StringBuilder line = new StringBuilder("summary: ")
                .append(PoolLog.count(now.rules().namedConnections(), "miner")).append(", ")
                .append(PoolLog.count(now.blocksThisRun(), "block")).append(" in this run, ")
                .append(PoolLog.count(slots, "slot")).append(" handed out in the last ").append(Math.round(seconds))
                .append(" s, est. pool hash rate ").append(PoolLog.hashRate(hashes / seconds)).append("; ")
                .append(difficulty(now));
        String perMiner = perMiner(now);
        if (!perMiner.isEmpty()) {
            line.append("; ").append(perMiner);
        }
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

    /**
     * {@code 13 zero bits (retarget: target 2 s a block, measured 1.93 s over the last 20 blocks)}, or {@code 24
     * zero bits (fixed)}.
     */
    static String difficulty(PoolSnapshot now) {
        PoolSnapshot.DifficultyView d = now.difficulty();
        StringBuilder out = new StringBuilder().append(now.zeroBits()).append(" zero bits (").append(d.rule());
        if (d.targetMillis() > 0) {
            out.append(": target ").append(DifficultyRule.seconds(d.targetMillis()))
                    .append(" a block");
        }
        if (d.measuredMillis() >= 0) {
            out.append(d.targetMillis() > 0 ? ", " : ": ").append(String.format(java.util.Locale.ROOT,
                    "measured %.2f s over the last %s", d.measuredMillis() / 1000.0,
                    PoolLog.count(d.measuredBlocks(), "block")));
        }
        return out.append(')').toString();
    }

    /** Miners shown by name in the summary, fastest first; the rest are counted. */
    static final int MINERS_NAMED = 5;

    /**
     * {@code 1m rates: alice 4.1 MH/s, bob 3.9 MH/s (+3 more)}: each miner's decayed 1-minute rate, summed over
     * its connections, fastest first. Empty while no miner has searched a whole slot.
     */
    static String perMiner(PoolSnapshot now) {
        java.util.Map<String, Double> byName = new java.util.HashMap<>();
        for (PoolSnapshot.ConnectionView c : now.connections()) {
            if (c.name() != null && c.hashRate().m1() > 0) {
                byName.merge(c.name(), c.hashRate().m1(), Double::sum);
            }
        }
        if (byName.isEmpty()) {
            return "";
        }
        java.util.List<java.util.Map.Entry<String, Double>> sorted = new java.util.ArrayList<>(byName.entrySet());
        sorted.sort(java.util.Map.Entry.<String, Double>comparingByValue().reversed()
                .thenComparing(java.util.Map.Entry.comparingByKey()));
        StringBuilder out = new StringBuilder("1m rates: ");
        for (int i = 0; i < Math.min(MINERS_NAMED, sorted.size()); i++) {
            out.append(i == 0 ? "" : ", ").append(sorted.get(i).getKey()).append(' ')
                    .append(PoolLog.hashRate(sorted.get(i).getValue()));
        }
        if (sorted.size() > MINERS_NAMED) {
            out.append(" (+").append(sorted.size() - MINERS_NAMED).append(" more)");
        }
        return out.toString();
    }
}
