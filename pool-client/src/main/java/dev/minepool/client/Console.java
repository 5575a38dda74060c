package dev.minepool.client;

import java.io.PrintStream;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * What a person watching the miner reads: one event per line, each prefixed with the local time
 * ({@code [03:41:07]}). Two kinds of line: {@link #event} for hits, the pool's answers and the summary, which
 * {@code --quiet} keeps, and {@link #info} for everything else (start, jobs, hash rate, reconnects).
 *
 * <p>Lines come from the session thread and the hashing threads' callbacks, so printing is synchronized to
 * keep lines whole.
 */
final class Console {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT);

    private final PrintStream out;
    private final boolean quiet;

    Console(PrintStream out, boolean quiet) {
        this.out = out;
        this.quiet = quiet;
    }

    /** A line that {@code --quiet} drops. */
    void info(String format, Object... args) {
        if (!quiet) {
            print(format, args);
        }
    }

    /** A line that is always printed: hits, answers, the summary. */
    void event(String format, Object... args) {
        print(format, args);
    }

    private synchronized void print(String format, Object... args) {
        out.println("[" + LocalTime.now().format(TIME) + "] " + String.format(Locale.ROOT, format, args));
        out.flush();
    }
}
