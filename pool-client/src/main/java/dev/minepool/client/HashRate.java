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

    /**
     * The rates over the windows of {@link SpeedMeter#WINDOWS} in one unit, like xmrig: {@code speed 10s/60s/15m
     * 24.1 24.0 n/a MH/s max 24.3 MH/s}; {@code n/a} for a window longer than the run so far, and for the maximum
     * until the shortest window has a rate.
     */
    static String speeds(double[] rates, double max) {
        double largest = max;
        for (double rate : rates) {
            if (!Double.isNaN(rate)) {
                largest = Math.max(largest, rate);
            }
        }
        int unit = unitFor(largest);
        StringBuilder line = new StringBuilder("speed 10s/60s/15m");
        for (double rate : rates) {
            line.append(' ').append(Double.isNaN(rate) ? "n/a" : scaled(rate, unit));
        }
        // No window full yet means no maximum either: "max n/a", as xmrig says it, not a maximum of 0.
        line.append(' ').append(UNITS[unit]).append(" max ").append(max > 0 ? scaled(max, unit) : "n/a").append(' ')
                .append(UNITS[unit]);
        return line.toString();
    }

    /**
     * The per-thread table, one line per thread and a total, every rate in the unit of the largest:
     * <pre>
     * thread   10s    60s    15m  (MH/s)
     *      0  12.0   12.0    n/a
     *  total  24.1   24.0    n/a
     * </pre>
     */
    static java.util.List<String> threadTable(SpeedMeter meter) {
        int threads = meter.threads();
        double[][] rows = new double[threads + 1][SpeedMeter.WINDOWS.length];
        double largest = 0;
        for (int w = 0; w < SpeedMeter.WINDOWS.length; w++) {
            for (int t = 0; t < threads; t++) {
                rows[t][w] = meter.thread(t, SpeedMeter.WINDOWS[w]);
            }
            rows[threads][w] = meter.total(SpeedMeter.WINDOWS[w]);
            if (!Double.isNaN(rows[threads][w])) {
                largest = Math.max(largest, rows[threads][w]);
            }
        }
        int unit = unitFor(largest);
        java.util.List<String> lines = new java.util.ArrayList<>();
        lines.add(String.format(Locale.ROOT, "%6s %8s %8s %8s  (%s)", "thread", "10s", "60s", "15m", UNITS[unit]));
        for (int t = 0; t <= threads; t++) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%6s", t < threads ? t : "total"));
            for (double rate : rows[t]) {
                line.append(String.format(Locale.ROOT, " %8s", Double.isNaN(rate) ? "n/a" : scaled(rate, unit)));
            }
            lines.add(line.toString());
        }
        return lines;
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
