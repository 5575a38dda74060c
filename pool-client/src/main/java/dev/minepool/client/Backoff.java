package dev.minepool.client;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * The waits between a miner's attempts to reach its pool: exponential backoff with equal jitter, as in the AWS
 * Architecture Blog's "Exponential Backoff And Jitter".
 *
 * <p>After the n-th failure in a row the ceiling is {@code min(max, base * 2^(n-1))} and the wait is drawn
 * from {@code [ceiling / 2, ceiling]}. Equal rather than full jitter: full jitter may draw a wait near zero,
 * and a miner pointed at the wrong service would then hammer it whenever the dice said so; half the ceiling is
 * a floor that still grows, while the other half spreads a thousand miners that lost the same pool at the same
 * moment over the whole interval instead of letting them come back together.
 *
 * <p>Not thread-safe: the miner's session thread owns it.
 */
final class Backoff {
    private final Duration base;
    private final Duration max;
    private final DoubleSupplier random;
    private int failures;

    /** @param random draws from [0, 1); injected so that tests know every wait */
    Backoff(Duration base, Duration max, DoubleSupplier random) {
        this.base = base;
        this.max = max;
        this.random = random;
    }

    /** Counts one more failure and returns the wait before the next attempt. */
    Duration next() {
        failures++;
        Duration ceiling = ceiling(failures);
        long half = ceiling.toNanos() / 2;
        double draw = Math.min(1.0, Math.max(0.0, random.getAsDouble()));
        return Duration.ofNanos(ceiling.toNanos() - half + Math.round(half * draw));
    }

    /** After a healthy session: the next failure waits about {@code base} again. */
    void reset() {
        failures = 0;
    }

    /** Failures since the last reset. */
    int failures() {
        return failures;
    }

    private Duration ceiling(int failure) {
        Duration ceiling = base;
        for (int i = 1; i < failure && ceiling.compareTo(max) < 0; i++) {
            ceiling = ceiling.multipliedBy(2);
        }
        return ceiling.compareTo(max) > 0 ? max : ceiling;
    }
}
