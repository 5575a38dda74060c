package dev.minepool.client.swarm;

import java.util.Arrays;

/**
 * Latency samples in nanoseconds, with the percentiles the swarm reports. A plain growable {@code long[]}:
 * 10,000 samples a round must not cost 10,000 boxed objects on the thread being measured.
 */
public final class Latencies {
    private long[] samples = new long[64];
    private int count;
    private boolean sorted = true;

    void add(long nanos) {
        if (count == samples.length) {
            samples = Arrays.copyOf(samples, count * 2);
        }
        samples[count++] = nanos;
        sorted = false;
    }

    void addAll(Latencies other) {
        for (int i = 0; i < other.count; i++) {
            add(other.samples[i]);
        }
    }

    public int count() {
        return count;
    }

    public boolean isEmpty() {
        return count == 0;
    }

    /**
     * The nearest-rank percentile: the smallest sample that at least {@code p} of all samples do not exceed
     * ({@code p} in 0..1). With 10,000 samples p99 is the 9,900th smallest; with 50 it is the 50th, the max.
     */
    public long percentile(double p) {
        if (count == 0) {
            throw new IllegalStateException("no samples");
        }
        sort();
        int rank = (int) Math.ceil(p * count);
        return samples[Math.max(0, Math.min(count, rank) - 1)];
    }

    public long median() {
        return percentile(0.5);
    }

    public long max() {
        return percentile(1.0);
    }

    private void sort() {
        if (!sorted) {
            Arrays.sort(samples, 0, count);
            sorted = true;
        }
    }
}
