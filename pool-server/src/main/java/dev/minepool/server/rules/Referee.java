package dev.minepool.server.rules;

import dev.minepool.protocol.Message;
import dev.minepool.protocol.MinerName;
import dev.minepool.protocol.ProofOfWork;
import dev.minepool.server.PoolConfig;
import dev.minepool.server.PoolLog;
import dev.minepool.server.chain.Block;
import dev.minepool.protocol.chain.Difficulty;
import dev.minepool.protocol.chain.DifficultyRule;
import dev.minepool.protocol.ledger.TxRecord;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The rules of the game, apart from sockets (ckpool's stratifier to the event loop's connector): what a
 * {@code G} and an {@code S} mean, who wins a block, who is told {@code I}, and who is shown the door. It
 * answers only through an {@link Outbox} and stores blocks only through a {@link BlockSink}, so every rule is
 * tested without a socket.
 *
 * <ul>
 *   <li>Each {@code G} gets the next unused slot of the current job (a slot is given once); a connection's
 *       name is fixed by its first {@code G}, and a name that breaks the rules is refused with {@code Q}.</li>
 *   <li>Each {@code S} gets exactly one of {@code A}, {@code R} or {@code I}, by the rules in PROTOCOL.md.</li>
 *   <li>The first valid nonce of a height wins: on disk, then {@code A}, then {@code I} to every other holder of
 *       a slot of that height, then published (ledger, mempool: {@link BlockSink#announced}), then the next
 *       height.</li>
 *   <li>A connection that runs its {@link RejectLimit} dry is sent {@code Q} and closed; warnings about one
 *       connection are printed {@value Miner#WARNINGS_IN_FULL} times in full, then only counted.</li>
 * </ul>
 *
 * <p>Not thread-safe: the event loop is its only caller.
 */
public final class Referee {
    private final PoolConfig config;
    private final PoolClock clock;
    private final BlockSink chain;
    private final Outbox outbox;
    private final PoolLog log;
    private final JobBoard board;
    private final RefereeCounters counters = new RefereeCounters();
    /** Miners with warnings counted but not printed, reported by {@link #reportSuppressedWarnings}. */
    private final Set<Miner> noisy = new LinkedHashSet<>();
    /** The pool's hash rate: every searched slot of every miner. A lower bound (slots cut short by I are lost). */
    private final DecayingRate poolRate = new DecayingRate();
    private long lastFanOutNanos = -1;

    public Referee(PoolConfig config, PoolClock clock, BlockSink chain, Outbox outbox) {
        this(config, clock, chain, outbox, PendingRecords.NONE);
    }

    /** @param pending fills each new job's transaction region (the mempool) */
    public Referee(PoolConfig config, PoolClock clock, BlockSink chain, Outbox outbox, PendingRecords pending) {
        this.config = config;
        this.clock = clock;
        this.chain = chain;
        this.outbox = outbox;
        this.log = config.log();
        this.board = new JobBoard(config, clock, chain.tip(), chain.difficulty(), clock.currentTimeMillis(),
                chain.transactionsFrom(), pending);
    }

    /** The totals so far; a copy. */
    public RefereeCounters.Totals totals() {
        return counters.totals(board.jobsOpened());
    }

    /** The pool's hash rate over 1, 5 and 15 minutes: a lower bound, from searched slots. */
    public double[] hashRate(long nowNanos) {
        return poolRate.perSecond(nowNanos);
    }

    /** How long the last win took from its A to its last I (ns), or -1 before any. */
    public long lastFanOutNanos() {
        return lastFanOutNanos;
    }

    /** The chain's last block. */
    public dev.minepool.server.chain.ChainFile.Tip tip() {
        return chain.tip();
    }

    /** The height being mined. */
    public long height() {
        return board.round().height;
    }

    /** The zero bits the height being mined needs: what its {@code T}s ask for. */
    public int zeroBits() {
        return board.round().zeroBits;
    }

    /** The chain's difficulty rule as it stands: target, measured block time, work. */
    public Difficulty difficulty() {
        return chain.difficulty();
    }

    /** When the height being mined got its first job, or the pool started (ms since the epoch). */
    public long heightStartedAtMillis() {
        return board.round().startedAtMillis;
    }

    /**
     * The jobs of the height being mined, for the snapshot.
     *
     * @param number     the job number on the wire
     * @param extraNonce what makes its data differ from its siblings'
     * @param slotsGiven slots handed out, of {@code slots}
     */
    public record JobView(int number, long height, long extraNonce, int slotsGiven, int slots) {
    }

    public java.util.List<JobView> jobs() {
        java.util.List<JobView> views = new java.util.ArrayList<>();
        for (Job job : board.currentJobs()) {
            views.add(new JobView(job.number, job.round.height, job.extraNonce, job.slotsGiven(), job.slotCount()));
        }
        return views;
    }

    /** How many connections hold a slot of the height being mined: the ones a win will send I to. */
    public int holders() {
        Holders holders = board.round().holders;
        return holders == null ? 0 : holders.size();
    }

    /** {@code G}: the next slot, or {@code Q} for a name that breaks the rules or differs from the first. */
    public void getWork(Miner miner, Message.GetWork g) {
        miner.lastSeenMillis = clock.currentTimeMillis();
        MinerName name;
        try {
            // Every G of a connection after its first names the same bytes: skip the UTF-8 and NFC checks then.
            name = miner.name != null && g.isNamed(miner.name) ? miner.name : g.name();
        } catch (MinerName.InvalidNameException e) {
            counters.badNames++;
            log.warn("refused G from " + miner.address() + ": " + e.getMessage() + "; sent Q");
            outbox.quit(miner, Message.Quit.Reason.BAD_NAME);
            return;
        }
        if (miner.name == null) {
            miner.name = name;
            counters.namedConnections++;
            log.info("miner " + name + " connected from " + miner.address());
        } else if (!miner.name.equals(name)) {
            counters.nameChanges++;
            log.warn("closed " + miner.who() + ": its G named \"" + name + "\", but a connection's name is fixed"
                    + " by its first G; sent Q");
            outbox.quit(miner, Message.Quit.Reason.NAME_CHANGED);
            return;
        }
        Round round = board.round();
        if (miner.searching && miner.lastJob != null && miner.lastJob.round == round) {
            miner.slotsSearched++;
            counters.slotsSearched++;
            long now = clock.nanoTime();
            miner.hashRate.add(config.slotSize(), now);
            poolRate.add(config.slotSize(), now);
        }
        Job job = board.jobWithFreeSlot();
        int slot = job.takeSlot();
        miner.given(job);
        miner.searching = true;
        if (miner.holding != round) {
            round.holders.add(miner);
            miner.holding = round;
        }
        counters.slotsGiven++;
        outbox.sendTask(miner, job.number, slot, config.slotSize(), round.zeroBits, job.wireData());
    }

    /**
     * {@code S}: answered {@code A}, {@code R} or {@code I}.
     *
     * @return the block, if this nonce won one; null otherwise
     * @throws IOException if the winning block could not be stored: it was not acknowledged, and the pool must
     *                     stop, since it can no longer keep its promise that an {@code A} is on disk
     */
    public Block submit(Miner miner, Message.Submit s) throws IOException {
        miner.lastSeenMillis = clock.currentTimeMillis();
        String nonce = String.format("0x%08x", s.nonce());
        if (miner.name == null) {
            counters.rejectedBeforeGetWork++;
            reject(miner, s, "job " + s.job() + " nonce " + nonce + " before any G");
            return null;
        }
        miner.searching = false;
        Job job = miner.recentJob(s.job());
        if (job == null) {
            counters.rejectedUnknownJob++;
            reject(miner, s, "unknown job " + s.job() + " (not one of the last " + Miner.RECENT_JOBS
                    + " jobs it was given)");
            return null;
        }
        Round round = job.round;
        if (round.won) {
            counters.lateSubmits++;
            log.info("late S from " + miner.who() + ": block " + round.height + " (job " + s.job()
                    + ") was already mined; sent I");
            outbox.send(miner, new Message.Invalidated(s.job()));
            return null;
        }
        byte[] hash = ProofOfWork.hash(job.data, s.nonce());
        int zeroBits = ProofOfWork.leadingZeroBits(hash);
        if (zeroBits < round.zeroBits) {
            counters.rejectedWrongNonce++;
            reject(miner, s, "job " + s.job() + " nonce " + nonce + " gives " + zeroBits + " zero bits, "
                    + round.zeroBits + " needed");
            return null;
        }
        return win(miner, job, s.nonce(), hash);
    }

    /** The connection is gone: it holds no slot any more, and its uncounted warnings are reported. */
    public void disconnected(Miner miner) {
        if (miner.gone) {
            return;
        }
        miner.gone = true;
        if (miner.name != null) {
            counters.namedConnections--;
        }
        if (miner.holding != null && miner.holding.holders != null) {
            miner.holding.holders.remove(miner);
        }
        if (noisy.remove(miner)) {
            reportSuppressed(miner);
        }
    }

    /** Logs, for each connection whose warnings were only counted since the last call, how many there were. */
    public void reportSuppressedWarnings() {
        for (Miner miner : noisy) {
            reportSuppressed(miner);
        }
        noisy.clear();
    }

    private void reportSuppressed(Miner miner) {
        if (miner.warningsSuppressed > 0) {
            log.warn(String.format(Locale.ROOT, "… %,d more rejected submits from %s were not logged",
                    miner.warningsSuppressed, miner.who()));
            miner.warningsSuppressed = 0;
        }
    }

    private void reject(Miner miner, Message.Submit s, String why) {
        counters.rejectedSubmits++;
        miner.rejects++;
        if (!miner.rejectLimit.take(clock.nanoTime())) {
            counters.closedForRejects++;
            log.warn("closed " + miner.who() + ": " + PoolLog.count(miner.rejects, "rejected submit") + ", more"
                    + " than " + RejectLimit.BURST + " at once or " + RejectLimit.PER_SECOND + " a second; sent Q");
            outbox.quit(miner, Message.Quit.Reason.TOO_MANY_REJECTS);
            return;
        }
        warn(miner, "rejected S from " + miner.who() + ": " + why);
        outbox.send(miner, new Message.Rejected(s.job()));
    }

    private void warn(Miner miner, String line) {
        if (miner.warningsLogged < Miner.WARNINGS_IN_FULL) {
            miner.warningsLogged++;
            log.warn(line);
        } else {
            miner.warningsSuppressed++;
            counters.suppressedWarnings++;
            noisy.add(miner);
        }
    }

    /**
     * The first valid nonce for its height: on disk, then {@code A} to the winner, then {@code I} to every other
     * holder of a slot of that height, then published, then the next height.
     *
     * @throws UnpublishedBlockException if the block is on disk and announced but could not be published: the pool
     *                                   must stop (see {@link BlockSink#announced})
     */
    private Block win(Miner winner, Job job, long nonce, byte[] hash) throws IOException {
        Round round = job.round;
        long now = clock.currentTimeMillis();
        long millisToMine = Math.max(0, now - round.startedAtMillis);
        Block block = new Block(round.height, round.previousHash, job.data, nonce, round.zeroBits,
                winner.name.value(), now, millisToMine);
        // Stored before anything is said: "on disk before A" holds by plain program order. A failure leaves the
        // round open and nobody told; the caller stops the pool.
        List<TxRecord> records;
        try {
            records = chain.append(block);
        } catch (IOException e) {
            throw new IOException("could not write block " + round.height + " to the chain file "
                    + config.chainFile() + ": " + PoolLog.reason(e), e);
        }
        round.won = true; // from here on, every other S for this height is late
        winner.blocksWon++;
        counters.blocks++;
        long fanOutStart = clock.nanoTime();
        outbox.send(winner, new Message.Accepted(job.number));
        Holders holders = round.holders;
        // Told now. Set to null first: a send can close a connection that stopped reading, and its disconnect
        // must not edit the holders while they are walked.
        round.holders = null;
        round.holdersAtWin = holders.size();
        int told = 0;
        for (int i = 0, n = holders.size(); i < n; i++) {
            Miner holder = holders.get(i);
            if (holder != winner && !holder.gone) {
                holder.searching = false;
                outbox.send(holder, holder.lastJob.invalidated);
                told++;
            }
        }
        lastFanOutNanos = clock.nanoTime() - fanOutStart;
        // Published after the A and the I's, not before: what the ledger and the mempool do with a block grows with
        // the accounts and the pending records, and no miner should wait for it to hear of the block. Before the
        // next round, whose jobs take records from the mempool.
        try {
            chain.announced(block, records);
        } catch (RuntimeException e) {
            throw new UnpublishedBlockException(round.height, e);
        }
        // Logged after the A and the I's, not before: formatting and printing the line (a write to a pipe or a
        // terminal, which can block) would delay every miner's news by its cost. After publishing, so that whoever
        // acts on this line (a script, an operator) finds the block in the API.
        log.info(String.format(Locale.ROOT, "block %d found by %s: job %d nonce 0x%08x hash %s in %.1f s; %s told in"
                        + " %.1f ms", round.height, winner.name, job.number, nonce, PoolLog.shortHash(hash),
                millisToMine / 1000.0, PoolLog.count(told, "other miner"), lastFanOutNanos / 1e6));
        board.nextRound(chain.tip(), chain.difficulty(), now);
        logDifficultyChange(round.zeroBits);
        return block;
    }

    /** One line when the rule moves the bits, with the block time it reacted to: the operator sees it steer. */
    private void logDifficultyChange(int before) {
        Round next = board.round();
        if (next.zeroBits == before) {
            return;
        }
        Difficulty difficulty = chain.difficulty();
        DifficultyRule rule = difficulty.rule();
        String measured = difficulty.measuredMillis() < 0 ? "no block time measured yet"
                : String.format(Locale.ROOT, "blocks came every %.2f s over the last %s", difficulty.measuredMillis()
                        / 1000.0, PoolLog.count(difficulty.measuredBlocks(), "block"));
        log.info(String.format(Locale.ROOT, "difficulty: block %d needs %d zero bits (was %d): %s, target %s",
                next.height, next.zeroBits, before, measured,
                rule != null && rule.retargets() ? DifficultyRule.seconds(rule.targetMillis()) : "none"));
    }
}
