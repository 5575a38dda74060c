package dev.minepool.server.rules;

/**
 * The rules' running totals. Counters, not log lines, carry the totals: a log line about a misbehaving connection
 * is printed a few times and then only counted, but every event is counted here.
 */
public final class RefereeCounters {
    RefereeCounters() {
    }

    long slotsGiven;
    long slotsSearched;
    long blocks;
    long rejectedSubmits;
    long rejectedBeforeGetWork;
    long rejectedUnknownJob;
    long rejectedWrongNonce;
    long lateSubmits;
    long badNames;
    long nameChanges;
    long closedForRejects;
    long suppressedWarnings;
    long namedConnections;

    /**
     * A copy of the totals, for the pool's snapshot.
     *
     * @param slotsGiven         T's sent
     * @param slotsSearched      slots a miner asked past without an answer: each a whole slot of nonces searched
     * @param blocks             blocks won in this run
     * @param rejectedSubmits    R's sent, and the three reasons for them:
     * @param rejectedBeforeGetWork an S before the connection's first G
     * @param rejectedUnknownJob    an S for a job the connection was not given (recently)
     * @param rejectedWrongNonce    a nonce whose hash has too few zero bits
     * @param lateSubmits        S's for a height already won (answered I)
     * @param badNames           G's refused for their name
     * @param nameChanges        connections closed for naming another miner in a later G
     * @param closedForRejects   connections closed for too many rejected submits
     * @param suppressedWarnings warning lines counted instead of printed
     * @param namedConnections   connections that have sent a valid G and are still open
     * @param jobsOpened         jobs created, siblings included
     */
    public record Totals(long slotsGiven, long slotsSearched, long blocks, long rejectedSubmits,
                         long rejectedBeforeGetWork, long rejectedUnknownJob, long rejectedWrongNonce, long lateSubmits,
                         long badNames, long nameChanges, long closedForRejects, long suppressedWarnings,
                         long namedConnections, long jobsOpened) {
    }

    Totals totals(long jobsOpened) {
        return new Totals(slotsGiven, slotsSearched, blocks, rejectedSubmits, rejectedBeforeGetWork,
                rejectedUnknownJob, rejectedWrongNonce, lateSubmits, badNames, nameChanges,
                closedForRejects, suppressedWarnings, namedConnections, jobsOpened);
    }
}
