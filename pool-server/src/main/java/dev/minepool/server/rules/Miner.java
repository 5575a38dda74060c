package dev.minepool.server.rules;

import dev.minepool.protocol.MinerName;

/**
 * What the rules know of one connection: its name, the jobs it was given, the height it holds a slot of, and
 * how it has behaved. The event loop creates one per connection and {@linkplain #attach attaches} its own
 * connection object, the way a {@code SelectionKey} carries an attachment; the rules never look at it.
 *
 * <p>Kept small, because a pool holds thousands: only the last {@value #RECENT_JOBS} jobs it was given, and
 * plain counters. Touched by the event-loop thread only.
 */
public final class Miner {
    /** How many of its latest jobs a connection may still submit for; older ones are unknown to it. */
    public static final int RECENT_JOBS = 4;
    /** Warnings about one connection printed in full; after these they are counted, and the count is logged. */
    static final int WARNINGS_IN_FULL = 5;

    private final long id;
    private final String address;
    private final long connectedAtMillis;
    private Object attachment;

    /** Fixed by the first G: every later G must name the same miner. */
    MinerName name;
    /** The job of the slot it was given last, named in the I it gets when that height is won. */
    Job lastJob;
    /** The round whose holders include it. */
    Round holding;
    /** Its place among that round's {@link Holders}. */
    int holderIndex = -1;
    /** It was sent a T and no A, R or I since, so a G now means it searched the whole slot. */
    boolean searching;
    boolean gone;
    private final Job[] recent = new Job[RECENT_JOBS];
    final RejectLimit rejectLimit;
    int warningsLogged;
    long warningsSuppressed;

    /** Nonces searched: a whole slot each time it asks past a slot without an answer. A lower bound. */
    final DecayingRate hashRate = new DecayingRate();
    long slotsGiven;
    long slotsSearched;
    long blocksWon;
    long rejects;
    long lastSeenMillis;

    /**
     * @param id      a number unique among the pool's connections, for the snapshot
     * @param address {@code host:port}, for log lines until the miner has a name
     */
    public Miner(long id, String address, long nowNanos, long nowMillis) {
        this.id = id;
        this.address = address;
        this.connectedAtMillis = nowMillis;
        this.lastSeenMillis = nowMillis;
        this.rejectLimit = new RejectLimit(nowNanos);
    }

    public long id() {
        return id;
    }

    public String address() {
        return address;
    }

    /** The name from its first G; null before it. */
    public MinerName name() {
        return name;
    }

    public long connectedAtMillis() {
        return connectedAtMillis;
    }

    public long lastSeenMillis() {
        return lastSeenMillis;
    }

    public long slotsGiven() {
        return slotsGiven;
    }

    /** Slots it asked past without an answer: each one a whole slot of nonces searched. */
    public long slotsSearched() {
        return slotsSearched;
    }

    /** Its hash rate over 1, 5 and 15 minutes as of {@code nowNanos}: a lower bound (see {@link DecayingRate}). */
    public double[] hashRate(long nowNanos) {
        return hashRate.perSecond(nowNanos);
    }

    public long blocksWon() {
        return blocksWon;
    }

    public long rejects() {
        return rejects;
    }

    public Object attachment() {
        return attachment;
    }

    public void attach(Object attachment) {
        this.attachment = attachment;
    }

    /** For log lines: {@code miner alice (127.0.0.1:5555)}, or the address alone before the first G. */
    public String who() {
        return name == null ? address : "miner " + name + " (" + address + ")";
    }

    /**
     * Remembers a job given to this connection. A job with the same number given earlier is forgotten: after a
     * wrap the number means what this connection was told last, and nothing else.
     */
    void given(Job job) {
        int kept = 0;
        for (int i = 0; i < RECENT_JOBS; i++) {
            if (recent[i] != null && recent[i].number != job.number) {
                recent[kept++] = recent[i];
            }
        }
        for (int i = kept; i < RECENT_JOBS; i++) {
            recent[i] = null;
        }
        // newest first; the oldest falls off the end when all are taken
        System.arraycopy(recent, 0, recent, 1, RECENT_JOBS - 1);
        recent[0] = job;
        lastJob = job;
        slotsGiven++;
    }

    /** The job with this number that this connection was given, or null if it was given none (recently). */
    Job recentJob(int number) {
        for (Job job : recent) {
            if (job != null && job.number == number) {
                return job;
            }
        }
        return null;
    }
}
