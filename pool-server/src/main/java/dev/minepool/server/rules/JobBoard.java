package dev.minepool.server.rules;

import dev.minepool.protocol.BlockHeader;
import dev.minepool.protocol.ledger.TxRegion;
import dev.minepool.server.PoolConfig;
import dev.minepool.server.chain.ChainFile;
import dev.minepool.protocol.chain.Difficulty;

/**
 * Builds the jobs of the current height and numbers them.
 *
 * <p>Job numbers are u16 and wrap after 65535. A number is <em>live</em> while its job belongs to the current
 * round or to the round won just before it (whose late submits are answered {@code I}); a new job never takes a
 * live number, so no two live jobs share one. Only if all 65536 numbers are live at once (65536 sibling jobs of
 * one height) is the oldest reused. Numbers alone never decide what a nonce is checked against: each connection
 * keeps the {@link Job}s it was given (see {@link Miner#recentJob}), so a stale number is checked against the
 * data that connection was sent, or is unknown to it.
 */
final class JobBoard {
    private static final int JOB_NUMBERS = 1 << 16;

    private final PoolConfig config;
    private final PoolClock clock;
    private final Job[] byNumber = new Job[JOB_NUMBERS];
    private int nextNumber;
    private Round current;
    private Round lastWon;
    private long jobsOpened;
    private final long transactionsFrom;
    private final PendingRecords pending;

    JobBoard(PoolConfig config, PoolClock clock, ChainFile.Tip tip, Difficulty difficulty, long nowMillis) {
        this(config, clock, tip, difficulty, nowMillis, 0, PendingRecords.NONE);
    }

    /**
     * @param transactionsFrom the first height whose jobs carry a transaction region (0: none does)
     * @param pending          the records a new job's region takes
     */
    JobBoard(PoolConfig config, PoolClock clock, ChainFile.Tip tip, Difficulty difficulty, long nowMillis,
             long transactionsFrom, PendingRecords pending) {
        this.config = config;
        this.clock = clock;
        this.transactionsFrom = transactionsFrom;
        this.pending = pending;
        this.nextNumber = config.firstJobNumber();
        this.current = round(tip, difficulty, nowMillis);
    }

    /**
     * The round of the height after {@code tip}, at the bits the chain's rule asks for it. A chain that records no
     * rule for it (an old file, upgraded) cannot say; then the configured bits hold, as they did before rules.
     */
    private Round round(ChainFile.Tip tip, Difficulty difficulty, long nowMillis) {
        int required = difficulty.requiredBits();
        return new Round(tip.height() + 1, tip.hash(), nowMillis, required > 0 ? required : config.zeroBits(),
                difficulty.earliestTimestamp(), current == null ? 0 : current.holdersAtWin);
    }

    Round round() {
        return current;
    }

    /** The job whose next slot goes to the next {@code G}, opening a sibling if the current job is used up. */
    Job jobWithFreeSlot() {
        if (current.job == null || !current.job.hasFreeSlot()) {
            current.job = openJob(current);
        }
        return current.job;
    }

    /** After the current round is won: the next height extends {@code tip}. */
    void nextRound(ChainFile.Tip tip, Difficulty difficulty, long nowMillis) {
        if (lastWon != null) {
            // Its numbers stop being live now: drop the pool's references, or 65536 old jobs of up to 64 KiB
            // each could stay reachable from this table. Connections still holding one answer its S with I.
            for (int i = 0; i < lastWon.jobCount; i++) {
                int number = lastWon.jobNumbers[i];
                if (byNumber[number] != null && byNumber[number].round == lastWon) {
                    byNumber[number] = null;
                }
            }
        }
        lastWon = current;
        current = round(tip, difficulty, nowMillis);
    }

    /** The jobs of the height being mined, oldest first. */
    java.util.List<Job> currentJobs() {
        java.util.List<Job> jobs = new java.util.ArrayList<>(current.jobCount);
        for (int i = 0; i < current.jobCount; i++) {
            Job job = byNumber[current.jobNumbers[i]];
            if (job != null && job.round == current) {
                jobs.add(job);
            }
        }
        return jobs;
    }

    long jobsOpened() {
        return jobsOpened;
    }

    private Job openJob(Round round) {
        int number = allocateNumber();
        byte[] data = new byte[config.dataSize()];
        long extraNonce = round.nextExtraNonce++;
        // Never before the block before's timestamp, even if the wall clock stepped back: the rule refuses that.
        long timestamp = Math.max(clock.currentTimeMillis(), round.earliestTimestamp);
        new BlockHeader(round.previousHash, round.height, timestamp, extraNonce).writeTo(data);
        int filler = BlockHeader.TRANSACTIONS_OFFSET;
        if (transactionsFrom > 0 && round.height >= transactionsFrom
                && data.length >= BlockHeader.TRANSACTIONS_OFFSET + TxRegion.COUNT_BYTES) {
            // The count and the pending records in arrival order; the filler after them still makes every
            // sibling's data differ (with the extra-nonce).
            filler = TxRegion.write(data, pending.take(TxRegion.capacity(data.length)));
        }
        config.transactions().fill(data, filler, data.length - filler);
        Job job = new Job(number, round, extraNonce, data, config.slotsPerJob());
        byNumber[number] = job;
        round.opened(job);
        jobsOpened++;
        return job;
    }

    private int allocateNumber() {
        for (int tries = 0; tries < JOB_NUMBERS; tries++) {
            int candidate = nextNumber;
            nextNumber = (nextNumber + 1) & 0xFFFF;
            Job holder = byNumber[candidate];
            if (holder == null || (holder.round != current && holder.round != lastWon)) {
                return candidate;
            }
        }
        // All 65536 numbers are live: take the oldest. Miners given it keep their own Job, so none is credited
        // against data it was not sent; a submit for a job a connection was not given is simply unknown.
        int oldest = nextNumber;
        nextNumber = (nextNumber + 1) & 0xFFFF;
        return oldest;
    }
}
