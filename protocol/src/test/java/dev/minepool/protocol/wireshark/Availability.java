package dev.minepool.protocol.wireshark;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Whether a Wireshark tool can be used here, and if not, why, in words a person can act on.
 *
 * <p>Tests call {@link #assumeAvailable()} in a {@code @BeforeEach} (not {@code @BeforeAll}, which Surefire
 * reports as zero tests run rather than as skipped ones): without the tool each test is skipped, with the
 * reason, never passed. Where the tool must be there, as in CI, which installs it, set the environment
 * variable {@value #REQUIRE_ENV} to any value and a missing tool fails the test instead.
 */
public record Availability(boolean available, String reason) {
    public static final String REQUIRE_ENV = "MINEPOOL_REQUIRE_WIRESHARK";
    private static final java.util.Set<String> REPORTED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public static Availability yes() {
        return new Availability(true, "available");
    }

    public static Availability no(String reason) {
        return new Availability(false, reason);
    }

    public Availability and(java.util.function.Supplier<Availability> next) {
        return available ? next.get() : this;
    }

    /** Skips the calling test, or fails it when {@value #REQUIRE_ENV} is set, if the tool is not available. */
    public void assumeAvailable() {
        assumeAvailable(System.err);
    }

    /** As {@link #assumeAvailable()}, saying why on {@code console}. */
    void assumeAvailable(java.io.PrintStream console) {
        if (available) {
            return;
        }
        if (System.getenv(REQUIRE_ENV) != null) {
            Assertions.fail(reason + " (and " + REQUIRE_ENV + " is set, so this fails instead of skipping)");
        }
        // Surefire prints skipped tests only as a count; say why on the console too, once.
        if (REPORTED.add(reason)) {
            console.println("SKIPPED (Wireshark tests): " + reason);
        }
        Assumptions.abort(reason);
    }
}
