package dev.minepool.client;

import java.time.Duration;

/**
 * Hash rates over the last 10 s, 60 s and 15 min, in total and per thread, the way xmrig shows them.
 *
 * <p>The session thread hands it the threads' hash counters about once a second ({@link #SAMPLE_EVERY}); it keeps
 * the last 15 minutes of those samples in a ring, and a rate over a window is the hashes between the newest
 * sample and the newest one at least that window older, divided by the time between them. A window longer than
 * the run so far has no rate yet ({@link Double#NaN}, printed {@code n/a}), as in xmrig, rather than a figure
 * that would pretend to cover 15 minutes. Not thread-safe: the session thread owns it.
 */
final class SpeedMeter {
    static final Duration SAMPLE_EVERY = Duration.ofSeconds(1);
    static final Duration[] WINDOWS = {Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofMinutes(15)};
    /** A sample this much younger than a window still counts as covering it: samples are not taken on the dot. */
    private static final long SLACK = SAMPLE_EVERY.toNanos() / 2;

    private final long[] times;
    private final long[][] hashes;
    private int newest = -1;
    private int count;
    private double max;

    SpeedMeter(int threads) {
        // a sample per second for the longest window, and one more so that it is covered
        int capacity = (int) (WINDOWS[WINDOWS.length - 1].toNanos() / SAMPLE_EVERY.toNanos()) + 2;
        times = new long[capacity];
        hashes = new long[capacity][threads];
    }

    /** Records the hash counters of every thread, read at {@code nanos} (System.nanoTime). */
    void sample(long nanos, long[] perThread) {
        newest = (newest + 1) % times.length;
        times[newest] = nanos;
        System.arraycopy(perThread, 0, hashes[newest], 0, perThread.length);
        count = Math.min(count + 1, times.length);
        double shortest = total(WINDOWS[0]);
        if (!Double.isNaN(shortest) && shortest > max) {
            max = shortest;
        }
    }

    /** Hashes per second of all threads over the last {@code window}, or NaN when the run is shorter. */
    double total(Duration window) {
        int from = reference(window);
        if (from < 0) {
            return Double.NaN;
        }
        long delta = 0;
        for (int t = 0; t < hashes[newest].length; t++) {
            delta += hashes[newest][t] - hashes[from][t];
        }
        return HashRate.perSecond(delta, times[newest] - times[from]);
    }

    /** Hashes per second of thread {@code thread} over the last {@code window}, or NaN. */
    double thread(int thread, Duration window) {
        int from = reference(window);
        if (from < 0) {
            return Double.NaN;
        }
        return HashRate.perSecond(hashes[newest][thread] - hashes[from][thread], times[newest] - times[from]);
    }

    /** The highest 10 s rate seen so far; 0 before the first 10 s. */
    double max() {
        return max;
    }

    int threads() {
        return hashes.length == 0 ? 0 : hashes[0].length;
    }

    /** The index of the newest sample at least {@code window} older than the newest one, or -1. */
    private int reference(Duration window) {
        if (count < 2) {
            return -1;
        }
        long latest = times[newest] - window.toNanos() + SLACK;
        for (int back = 1; back < count; back++) {
            int i = Math.floorMod(newest - back, times.length);
            if (times[i] - latest <= 0) {
                return i;
            }
        }
        return -1;
    }
}
