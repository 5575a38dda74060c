package dev.minepool.client.swarm;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What one swarm run does.
 *
 * @param host             the pool's host
 * @param port             the pool's port
 * @param connections      concurrent sessions, each its own TCP connection and miner name
 * @param rounds           blocks to mine and measure: in each, every session takes a slot and one of them wins
 * @param warmupRounds     rounds run first and printed, but left out of the summary: the first round pays for
 *                         the JIT on both sides and for the pool logging each new miner's name
 * @param window           at most this many G's waiting for their T at once; {@code connections} sends them as
 *                         fast as the swarm can write, the herd a real pool sees after every block
 * @param connectsInFlight at most this many TCP connects pending at once, well under the pool's accept backlog
 * @param timeout          how long a round's T's, or its A and I's, may take before the missing ones are errors;
 *                         also how long a connect may take
 * @param trace            where to write every G-T and A-I time with its start ({@link SwarmTrace}); null for none
 */
public record SwarmConfig(String host, int port, int connections, int rounds, int warmupRounds, int window,
                          int connectsInFlight, Duration timeout, Path trace) {
    public static final int DEFAULT_CONNECTIONS = 100;
    public static final int DEFAULT_ROUNDS = 3;
    public static final int DEFAULT_WARMUP_ROUNDS = 1;
    public static final int DEFAULT_CONNECTS_IN_FLIGHT = 1000;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    /**
     * Names are {@code swarm} and the session's number, which must fit the protocol's 10 bytes; the loopback
     * port range (28,232 ports on Linux by default) runs out well before this anyway.
     */
    public static final int MAX_CONNECTIONS = 99_999;

    public SwarmConfig {
        if (connections < 1 || connections > MAX_CONNECTIONS) {
            throw new IllegalArgumentException("connections " + connections + " is not in 1.." + MAX_CONNECTIONS);
        }
        if (rounds < 1 || window < 1 || connectsInFlight < 1) {
            throw new IllegalArgumentException("rounds, window and connects in flight must be at least 1");
        }
        if (warmupRounds < 0) {
            throw new IllegalArgumentException("warm-up rounds cannot be negative");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the timeout must be positive");
        }
    }

    /** The defaults: no warm-up round, every G of a round sent at once. */
    public static SwarmConfig of(String host, int port, int connections, int rounds) {
        return new SwarmConfig(host, port, connections, rounds, 0, connections, DEFAULT_CONNECTS_IN_FLIGHT,
                DEFAULT_TIMEOUT, null);
    }

    public SwarmConfig withWarmupRounds(int v) {
        return new SwarmConfig(host, port, connections, rounds, v, window, connectsInFlight, timeout, trace);
    }

    public SwarmConfig withWindow(int v) {
        return new SwarmConfig(host, port, connections, rounds, warmupRounds, v, connectsInFlight, timeout, trace);
    }

    public SwarmConfig withTimeout(Duration v) {
        return new SwarmConfig(host, port, connections, rounds, warmupRounds, window, connectsInFlight, v, trace);
    }

    /** The miner name of session {@code index}: {@code swarm0}, {@code swarm1}, ... */
    static String name(int index) {
        return "swarm" + index;
    }
}
