package dev.minepool.client.swarm;

import java.util.Map;

/**
 * What one round measured. Latencies are in nanoseconds, taken with {@link System#nanoTime} on the swarm's one
 * thread, so they include the time that thread needs to get to each socket.
 *
 * @param round                the round's number, from 1, warm-up rounds included
 * @param warmup               a warm-up round: printed, but left out of the summary
 * @param sessions             sessions alive when the round began, each of which sent a G
 * @param winner               the session that solved its slot and sent S, or -1 if none could
 * @param winnerJob            the job of the winner's T, or -1
 * @param zeroBits             the zero bits of the winner's T, or -1
 * @param getWorkToTask        G written to T read, one sample per T
 * @param submitToAccept       the winner's S written to its A read, -1 if no A came
 * @param expectedInvalidations sessions other than the winner that held a slot when the S went out
 * @param invalidations        I's read that named the right job
 * @param acceptToInvalidation from the win seen (the winner's A read, or an I if one was read before it in the
 *                             same select) to each I read, one sample per I naming the right job
 * @param errors               errors counted in this round, by kind
 */
public record RoundResult(int round, boolean warmup, int sessions, int winner, int winnerJob, int zeroBits, Latencies getWorkToTask,
                          long submitToAccept, int expectedInvalidations, int invalidations,
                          Latencies acceptToInvalidation,
                          Map<SwarmError, Integer> errors) {
    public RoundResult {
        errors = Map.copyOf(errors);
    }

    /** T's read. */
    public int tasks() {
        return getWorkToTask.count();
    }

    public int errorCount() {
        return errors.values().stream().mapToInt(Integer::intValue).sum();
    }
}
