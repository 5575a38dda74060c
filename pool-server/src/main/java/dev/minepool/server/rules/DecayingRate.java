package dev.minepool.server.rules;

/**
 * A rate estimated as ckpool does it: exponentially decayed averages over 1, 5 and 15 minutes, fed with amounts
 * as they happen (here: the nonces of a slot a miner searched to the end). Each window keeps the decayed sum
 * {@code S = Σ amount·e^(-(now - t)/τ)}; the rate is {@code S/τ}, which for a steady stream converges on the
 * true rate after about τ. Not thread-safe: the event loop feeds it and reads it for the snapshot.
 */
public final class DecayingRate {
    /** The windows, in seconds: 1 minute, 5 minutes, 15 minutes. */
    public static final int[] WINDOWS_SECONDS = {60, 300, 900};

    private final double[] sums = new double[WINDOWS_SECONDS.length];
    private long lastNanos;
    private boolean started;

    /** Adds {@code amount} (e.g. hashes) that happened at {@code nowNanos} (System.nanoTime). */
    public void add(double amount, long nowNanos) {
        decayTo(nowNanos);
        for (int i = 0; i < sums.length; i++) {
            sums[i] += amount;
        }
    }

    /** The rate per second over each window, as of {@code nowNanos}. */
    public double[] perSecond(long nowNanos) {
        double[] rates = new double[sums.length];
        if (!started) {
            return rates;
        }
        double elapsed = Math.max(0, (nowNanos - lastNanos) / 1e9);
        for (int i = 0; i < sums.length; i++) {
            rates[i] = sums[i] * Math.exp(-elapsed / WINDOWS_SECONDS[i]) / WINDOWS_SECONDS[i];
        }
        return rates;
    }

    private void decayTo(long nowNanos) {
        if (started) {
            double elapsed = Math.max(0, (nowNanos - lastNanos) / 1e9);
            for (int i = 0; i < sums.length; i++) {
                sums[i] *= Math.exp(-elapsed / WINDOWS_SECONDS[i]);
            }
        }
        started = true;
        lastNanos = nowNanos;
    }
}
