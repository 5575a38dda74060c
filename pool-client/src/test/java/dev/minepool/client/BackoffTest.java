package dev.minepool.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The waits between attempts: doubling ceilings, equal jitter, a cap, and a reset. */
class BackoffTest {
    private static final Duration BASE = Duration.ofSeconds(1);
    private static final Duration MAX = Duration.ofSeconds(60);

    private static List<Long> millis(Backoff backoff, int n) {
        List<Long> waits = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            waits.add(backoff.next().toMillis());
        }
        return waits;
    }

    @Test
    void atTheTopOfTheJitterEachWaitIsItsCeilingDoublingUpToTheCap() {
        assertThat(millis(new Backoff(BASE, MAX, () -> 1.0), 9))
                .containsExactly(1000L, 2000L, 4000L, 8000L, 16000L, 32000L, 60000L, 60000L, 60000L);
    }

    @Test
    void atTheBottomOfTheJitterEachWaitIsHalfItsCeiling() {
        assertThat(millis(new Backoff(BASE, MAX, () -> 0.0), 8))
                .containsExactly(500L, 1000L, 2000L, 4000L, 8000L, 16000L, 30000L, 30000L);
    }

    @Test
    void theJitterSpreadsEachWaitOverTheUpperHalfOfItsCeiling() {
        assertThat(millis(new Backoff(BASE, MAX, () -> 0.25), 3)).containsExactly(625L, 1250L, 2500L);
    }

    @Test
    void aDrawOutsideZeroToOneIsKeptInside() {
        assertThat(millis(new Backoff(BASE, MAX, () -> 7.0), 1)).containsExactly(1000L);
        assertThat(millis(new Backoff(BASE, MAX, () -> -1.0), 1)).containsExactly(500L);
    }

    @Test
    void resetStartsAgainFromTheBase() {
        Backoff backoff = new Backoff(BASE, MAX, () -> 1.0);
        millis(backoff, 5);
        assertThat(backoff.failures()).isEqualTo(5);
        backoff.reset();
        assertThat(backoff.failures()).isZero();
        assertThat(millis(backoff, 2)).containsExactly(1000L, 2000L);
    }

    @Test
    void aLongRunOfFailuresNeitherOverflowsNorPassesTheCap() {
        Backoff backoff = new Backoff(BASE, MAX, () -> 1.0);
        millis(backoff, 10_000);
        assertThat(backoff.next()).isEqualTo(MAX);
    }
}
