package dev.minepool.client.swarm;

import java.util.List;
import java.util.Map;

/**
 * What a whole swarm run saw.
 *
 * @param connections   sessions asked for
 * @param connected     sessions whose TCP connect succeeded
 * @param connectNanos  from the first connect to the last one settled (connected or failed)
 * @param rounds        one result per round run
 * @param errors        every error, by kind: connects and rounds together
 */
public record SwarmResult(int connections, int connected, long connectNanos, List<RoundResult> rounds,
                          Map<SwarmError, Integer> errors) {
    public SwarmResult {
        rounds = List.copyOf(rounds);
        errors = Map.copyOf(errors);
    }

    public int errorCount() {
        return errors.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Whether the run saw no error at all: the exit code is 0 exactly then. */
    public boolean clean() {
        return errorCount() == 0;
    }
}
