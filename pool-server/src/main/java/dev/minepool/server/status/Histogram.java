package dev.minepool.server.status;

import java.util.Arrays;

/**
 * A latency histogram with fixed buckets, Prometheus style (cumulative upper bounds in seconds, plus +Inf):
 * recorded by the event loop, copied into each snapshot as an immutable {@link View}.
 */
public final class Histogram {
    /** Upper bounds in seconds: 10 µs to 1 s, roughly ×2.5 apart; what G→T and the I fan-out span. */
    public static final double[] BOUNDS = {0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0};

    private final long[] counts = new long[BOUNDS.length + 1]; // the last one is +Inf
    private double sumSeconds;
    private long count;

    public void record(long nanos) {
        double seconds = nanos / 1e9;
        int i = 0;
        while (i < BOUNDS.length && seconds > BOUNDS[i]) {
            i++;
        }
        counts[i]++;
        count++;
        sumSeconds += seconds;
    }

    public View view() {
        return new View(counts.clone(), sumSeconds, count);
    }

    /**
     * A copy: {@code counts[i]} observations fell in bucket i (not cumulative); the last bucket is above 1 s.
     */
    public record View(long[] counts, double sumSeconds, long count) {
        public View {
            counts = counts.clone();
        }

        public static View empty() {
            return new View(new long[BOUNDS.length + 1], 0, 0);
        }

        /** Observations at or below {@code BOUNDS[i]}, or all of them for {@code i == BOUNDS.length}. */
        public long cumulative(int i) {
            long total = 0;
            for (int j = 0; j <= i && j < counts.length; j++) {
                total += counts[j];
            }
            return total;
        }

        @Override
        public long[] counts() {
            return counts.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof View v && Arrays.equals(counts, v.counts) && sumSeconds == v.sumSeconds
                    && count == v.count;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(counts) * 31 + Long.hashCode(count);
        }
    }
}
