package dev.minepool.server.status;

import dev.minepool.protocol.chain.ChainWork;
import dev.minepool.protocol.chain.Difficulty;
import dev.minepool.server.rules.Referee;
import dev.minepool.server.rules.RefereeCounters;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pool's state as the event loop last published it: immutable (records and unmodifiable lists), so any
 * thread reads it without a lock and without slowing the loop. Published while anything changes at most every
 * 250 ms or 0.1 ms per open connection, whichever is longer (1 s at 10,000), on every block, and once more when the pool stops. The HTTP API reads this; so do the summary line and
 * {@code PoolServer.awaitBlocks}.
 *
 * @param sequence         1 for the first snapshot, then one more each time
 * @param takenAtMillis    when the loop built it, ms since the epoch
 * @param startedAtMillis  when the pool started
 * @param tipHeight        the last block of the chain (0 for genesis)
 * @param tipHash          that block's hash, hex
 * @param height           the height being mined ({@code tipHeight + 1})
 * @param heightStartedAtMillis when mining this height began
 * @param zeroBits         the zero bits the height being mined needs
 * @param slotSize         nonces per slot
 * @param difficulty       the chain's difficulty rule, its target and the block time it measures
 * @param holders          connections holding a slot of the height being mined
 * @param jobs             the jobs of the height being mined, oldest first (siblings differ in extra-nonce)
 * @param connections      every open connection, in no particular order; the list is kept, not copied, so its
 *                         maker must not change it afterwards
 * @param blocks           the blocks mined in this run, newest first, at most {@link #RECENT_BLOCKS}
 * @param rules            the rules' totals: slots, blocks, rejects
 * @param loop             the event loop's totals: connections accepted, refused, closed
 * @param hashRate         the pool's hash rate, a lower bound from searched slots (see {@link Rates})
 * @param traffic          messages in and out by type, closes by reason, and the latency histograms
 * @param stopped          the pool has stopped; this is the last snapshot
 */
public record PoolSnapshot(long sequence, long takenAtMillis, long startedAtMillis, long tipHeight, String tipHash,
                           long height, long heightStartedAtMillis, int zeroBits, long slotSize,
                           DifficultyView difficulty, int holders,
                           List<Referee.JobView> jobs, List<ConnectionView> connections, List<BlockView> blocks,
                           RefereeCounters.Totals rules, LoopTotals loop, Rates hashRate, Traffic traffic,
                           boolean stopped) {
    public static final int RECENT_BLOCKS = 32;

    public PoolSnapshot {
        jobs = List.copyOf(jobs);
        // Handed over, not copied: the loop builds this list for this snapshot alone and never touches it
        // again, and a copy would be one more pass over 10,000 entries on the loop's thread.
        connections = Collections.unmodifiableList(connections);
        blocks = List.copyOf(blocks);
    }

    /** Blocks mined in this run. */
    public long blocksThisRun() {
        return rules.blocks();
    }

    /**
     * One connection.
     *
     * @param name          its miner name, or null before its first G
     * @param state         {@code AWAITING_G}, {@code MINING} or {@code CLOSING}
     * @param slotsSearched slots it asked past without an answer: whole slots of nonces searched
     */
    public record ConnectionView(long id, String address, String name, String state, long connectedAtMillis,
                                 long lastSeenMillis, long slotsGiven, long slotsSearched, long blocksWon,
                                 long rejects, Rates hashRate) {
    }

    /**
     * Hashes a second, exponentially decayed over 1, 5 and 15 minutes as ckpool does. A lower bound: only slots
     * searched to the end count (a miner that asks again without an answer searched its whole slot); slots cut
     * short by an I or a win are not counted, because the pool cannot know how far they got.
     */
    public record Rates(double m1, double m5, double m15) {
        /** No slot searched to the end yet: most connections of a herd, shared rather than made 10,000 times. */
        public static final Rates ZERO = new Rates(0, 0, 0);

        public static Rates of(double[] perWindow) {
            if (perWindow[0] == 0 && perWindow[1] == 0 && perWindow[2] == 0) {
                return ZERO;
            }
            return new Rates(perWindow[0], perWindow[1], perWindow[2]);
        }

        /**
         * The rates {@code seconds} later with nothing searched meanwhile: each window's average decays by
         * {@code e^(-seconds/τ)}, as {@link dev.minepool.server.rules.DecayingRate} would have it.
         */
        public Rates decayedBy(double seconds) {
            if (seconds <= 0 || this == ZERO) {
                return this;
            }
            return new Rates(decay(m1, 0, seconds), decay(m5, 1, seconds), decay(m15, 2, seconds));
        }

        /** {@code rate} of window {@code window} (0: 1 minute, 1: 5, 2: 15) after {@code seconds} of nothing. */
        public static double decay(double rate, int window, double seconds) {
            return seconds <= 0 ? rate
                    : rate * Math.exp(-seconds / dev.minepool.server.rules.DecayingRate.WINDOWS_SECONDS[window]);
        }
    }

    /** Seconds from when this snapshot was taken to {@code nowMillis}; 0 if the clock says it is not later. */
    public double ageSeconds(long nowMillis) {
        return Math.max(0, nowMillis - takenAtMillis) / 1000.0;
    }

    /**
     * The pool's hash rate as of {@code nowMillis}, not as of the snapshot: an idle pool publishes no snapshot for up
     * to a minute, and its rates must be seen falling meanwhile. Exact while nothing was searched since the
     * snapshot; a searched slot makes the loop publish a new one within a second, so it is never far off.
     */
    public Rates hashRateAt(long nowMillis) {
        return hashRate.decayedBy(ageSeconds(nowMillis));
    }

    /**
     * What went through the loop since the start.
     *
     * @param messagesIn    by type letter (G, S)
     * @param messagesOut   by type letter (T, A, I, R, Q), counting messages written or queued
     * @param closed        connections closed, by reason (hangup, protocol_violation, pool_full, ...)
     * @param getWorkToTask from the loop's wake-up that read a G to its T written or queued
     * @param fanOut        from a winner's A to the last I of that block, both written or queued
     */
    public record Traffic(Map<String, Long> messagesIn, Map<String, Long> messagesOut, Map<String, Long> closed,
                          Histogram.View getWorkToTask, Histogram.View fanOut) {
        public Traffic {
            messagesIn = Collections.unmodifiableMap(new LinkedHashMap<>(messagesIn));
            messagesOut = Collections.unmodifiableMap(new LinkedHashMap<>(messagesOut));
            closed = Collections.unmodifiableMap(new LinkedHashMap<>(closed));
        }
    }

    /**
     * The difficulty rule as it stands after the tip.
     *
     * @param rule           {@code fixed} or {@code retarget}
     * @param fractionalBits F, what the rule holds for the height being mined before rounding (the bits when fixed)
     * @param targetMillis   the block time aimed at; 0 when fixed
     * @param measuredMillis the mean time between the last {@code measuredBlocks} + 1 blocks' found-at times; -1
     *                       before two blocks
     * @param chainWork      Σ 2^bits over the chain
     */
    public record DifficultyView(String rule, double fractionalBits, long targetMillis, long measuredMillis,
                                 int measuredBlocks, ChainWork chainWork) {
        public static DifficultyView of(Difficulty d) {
            return new DifficultyView(d.rule() == null ? "none" : d.rule().kind().label, d.fractionalBits(),
                    d.rule() == null ? 0 : d.rule().targetMillis(), d.measuredMillis(), d.measuredBlocks(),
                    d.work());
        }
    }

    /** A block mined in this run, without its data. */
    public record BlockView(long height, String hash, String previousHash, long nonce, int zeroBits, String winner,
                            long foundAtMillis, long millisToMine) {
    }

    /**
     * The event loop's totals since the start.
     *
     * @param accepted          connections accepted (refused ones included)
     * @param refusedFull       refused with Q because of --max-clients
     * @param refusedHost       refused with Q because of --max-clients-per-host
     * @param violations        closed for a protocol violation (bytes that are not the protocol)
     * @param noGetWork         closed for sending no G in time
     * @param notReading        closed for not reading what they were sent
     * @param internalErrors    closed because handling them hit a bug in the pool
     */
    public record LoopTotals(long accepted, long refusedFull, long refusedHost, long violations, long noGetWork,
                             long notReading, long internalErrors) {
    }
}
