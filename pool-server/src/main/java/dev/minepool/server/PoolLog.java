package dev.minepool.server;

import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The pool operator's log: one line per event, {@code 2026-11-22T03:40:00.123Z INFO  message}. Information goes
 * to one stream (stdout by default), warnings to another (stderr), and never a stack trace for a condition the
 * pool expects, such as a miner hanging up.
 *
 * <p>Subclass it (tests do) to capture lines; {@link #line} is the one method every line goes through.
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
}
