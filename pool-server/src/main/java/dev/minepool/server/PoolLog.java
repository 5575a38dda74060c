package dev.minepool.server;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The pool operator's log: one line per event, {@code 2026-11-22T03:40:00.123Z INFO  message}. Information goes
 * to one stream (stdout by default), warnings to another (stderr), and never a stack trace for a condition the
 * pool expects, such as a miner hanging up.
 *
 * <p>Subclass it (tests do) to capture lines; {@link #line} is the one method every line goes through. The
 * static methods are the one place where numbers, hashes and errors are put into words for a log line.
 *
 * <p>Nothing a miner sends reaches a line unchecked: names are {@link dev.minepool.protocol.MinerName}s, whose
 * rules leave no character that could end a line or drive a terminal, and raw bytes are shown escaped.
 */
public class PoolLog {
    public enum Level { INFO, WARN }

    /** Always three digits of milliseconds, so that the columns line up (Instant.toString drops ".000"). */
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private final PrintStream info;
    private final PrintStream warn;

    public PoolLog(PrintStream info, PrintStream warn) {
        this.info = info;
        this.warn = warn;
    }

    /** Information to stdout, warnings to stderr. */
    public static PoolLog standard() {
        return new PoolLog(System.out, System.err);
    }

    public final void info(String message) {
        line(Level.INFO, message);
    }

    public final void warn(String message) {
        line(Level.WARN, message);
    }

    /** Prints one line; synchronized so that lines from the loop and from a shutdown hook never interleave. */
    protected synchronized void line(Level level, String message) {
        PrintStream out = level == Level.WARN ? warn : info;
        out.println(TIME.format(Instant.now()) + " " + (level == Level.INFO ? "INFO " : "WARN ") + " " + message);
        out.flush();
    }

    /** An exception as a log line fragment: its message, or its kind when it has none (ClosedChannelException). */
    public static String reason(Throwable e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /** {@code 4.1 MH/s}. */
    public static String hashRate(double perSecond) {
        String[] units = {"H/s", "kH/s", "MH/s", "GH/s", "TH/s"};
        int unit = 0;
        while (perSecond >= 1000 && unit < units.length - 1) {
            perSecond /= 1000;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", perSecond, units[unit]);
    }

    /** {@code 30 s}, or {@code 200 ms} when not a whole number of seconds. */
    public static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    /** {@code 1 block}, {@code 2 blocks}: log lines are read by people. */
    public static String count(long n, String noun) {
        return n + " " + (n == 1 ? noun : noun + "s");
    }

    /** The first 6 bytes of a hash in hex and an ellipsis: enough to tell blocks apart in a log. */
    public static String shortHash(byte[] hash) {
        return HexFormat.of().formatHex(hash, 0, 6) + "…";
    }
}
