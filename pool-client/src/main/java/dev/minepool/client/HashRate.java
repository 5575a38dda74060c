package dev.minepool.client;

import java.time.Duration;
import java.util.Locale;

/** Formats hash rates and durations the way the miner prints them: {@code 24.1 MH/s (12.0, 12.1 per thread)}. */
final class HashRate {
    private static final String[] UNITS = {"H/s", "kH/s", "MH/s", "GH/s"};

    private HashRate() {
    }

    /** Hashes per second from a count over a duration; 0 for an empty duration. */
    static double perSecond(long hashes, long nanos) {
        return nanos <= 0 ? 0 : hashes * 1e9 / nanos;
    }

    /** {@code 24.1 MH/s}. */
    static String format(double perSecond) {
        int unit = unitFor(perSecond);
        return scaled(perSecond, unit) + " " + UNITS[unit];
    }

    /**
     * The total and, in the same unit, each thread: {@code 24.1 MH/s (12.0, 12.1 per thread)}. With one thread
     * the per-thread part would repeat the total, so it is left out.
     */
    static String format(double total, double[] perThread) {
        int unit = unitFor(total);
        StringBuilder line = new StringBuilder(scaled(total, unit)).append(' ').append(UNITS[unit]);
        if (perThread.length > 1) {
            line.append(" (");
            for (int i = 0; i < perThread.length; i++) {
                line.append(i == 0 ? "" : ", ").append(scaled(perThread[i], unit));
            }
            line.append(" per thread)");
        }
        return line.toString();
    }

    /** {@code 850 ms}, {@code 2.8 s}, {@code 30 s}, {@code 1 h 02 min 05 s}. */
    static String format(Duration duration) {
        long millis = duration.toMillis();
        if (millis < 1000) {
            return millis + " ms";
        }
        if (millis < 60_000) {
            return millis % 1000 == 0 ? millis / 1000 + " s"
                    : String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
        }
        long seconds = duration.toSeconds();
        if (seconds < 3600) {
            return String.format(Locale.ROOT, "%d min %02d s", seconds / 60, seconds % 60);
        }
        return String.format(Locale.ROOT, "%d h %02d min %02d s", seconds / 3600, seconds / 60 % 60, seconds % 60);
    }

    private static int unitFor(double perSecond) {
        int unit = 0;
        while (unit < UNITS.length - 1 && perSecond >= 1000 * Math.pow(1000, unit)) {
            unit++;
        }
        return unit;
    }

    private static String scaled(double perSecond, int unit) {
        double value = perSecond / Math.pow(1000, unit);
        return unit == 0 ? String.format(Locale.ROOT, "%.0f", value) : String.format(Locale.ROOT, "%.1f", value);
    }
}
