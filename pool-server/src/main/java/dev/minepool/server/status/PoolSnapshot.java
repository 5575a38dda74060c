package dev.minepool.server.status;

import dev.minepool.server.rules.Referee;
import dev.minepool.server.rules.RefereeCounters;
import java.util.List;

/**
 * The pool's state as the event loop last published it: immutable (records and unmodifiable lists), so any
 * thread reads it without a lock and without slowing the loop. Published at most every 250 ms while anything
 * changes, on every block, and once more when the pool stops. The HTTP API reads this; so do the summary line and
 * {@code PoolServer.awaitBlocks}.
 *
 * @param sequence         1 for the first snapshot, then one more each time
 * @param takenAtMillis    when the loop built it, ms since the epoch
 * @param startedAtMillis  when the pool started
 * @param tipHeight        the last block of the chain (0 for genesis)
 * @param tipHash          that block's hash, hex
 * @param height           the height being mined ({@code tipHeight + 1})
 * @param heightStartedAtMillis when mining this height began
 * @param zeroBits         the zero bits a block needs
 * @param slotSize         nonces per slot
 * @param holders          connections holding a slot of the height being mined
 * @param jobs             the jobs of the height being mined, oldest first (siblings differ in extra-nonce)
 * @param connections      every open connection, in no particular order
 * @param blocks           the blocks mined in this run, newest first, at most {@link #RECENT_BLOCKS}
 * @param rules            the rules' totals: slots, blocks, rejects
 * @param loop             the event loop's totals: connections accepted, refused, closed
 * @param stopped          the pool has stopped; this is the last snapshot
 */
public record PoolSnapshot(long sequence, long takenAtMillis, long startedAtMillis, long tipHeight, String tipHash,
                           long height, long heightStartedAtMillis, int zeroBits, long slotSize, int holders,
                           List<Referee.JobView> jobs, List<ConnectionView> connections, List<BlockView> blocks,
                           RefereeCounters.Totals rules, LoopTotals loop, boolean stopped) {
    public static final int RECENT_BLOCKS = 32;

    public PoolSnapshot {
        jobs = List.copyOf(jobs);
        connections = List.copyOf(connections);
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
                                 long rejects) {
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
