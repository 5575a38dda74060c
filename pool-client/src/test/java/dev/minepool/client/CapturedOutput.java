package dev.minepool.client;

import static org.assertj.core.api.Assertions.fail;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** What the miner printed, line by line, with a way to wait for a line (the wait is only a hang guard). */
final class CapturedOutput extends OutputStream {
    private static final long TIMEOUT_MILLIS = 10_000;

    private final StringBuilder partial = new StringBuilder();
    private final List<String> lines = new ArrayList<>();
    private final PrintStream stream = new PrintStream(this, true, StandardCharsets.UTF_8);
    private final byte[] one = new byte[1];

    PrintStream stream() {
        return stream;
    }

    @Override
    public synchronized void write(int b) {
        one[0] = (byte) b;
        write(one, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        partial.append(new String(b, off, len, StandardCharsets.UTF_8));
        int newline;
        while ((newline = partial.indexOf("\n")) >= 0) {
            lines.add(partial.substring(0, newline).stripTrailing());
            partial.delete(0, newline + 1);
        }
        notifyAll();
    }

    synchronized List<String> lines() {
        return List.copyOf(lines);
    }

    synchronized String text() {
        return String.join("\n", lines);
    }

    /** The first line containing {@code text}, waiting for it if it has not been printed yet. */
    String awaitLine(String text) throws InterruptedException {
        return awaitLine(line -> line.contains(text), "a line containing \"" + text + "\"");
    }

    synchronized String awaitLine(Predicate<String> matches, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS);
        int checked = 0;
        while (true) {
            for (; checked < lines.size(); checked++) {
                if (matches.test(lines.get(checked))) {
                    return lines.get(checked);
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return fail("the miner never printed " + what + "; it printed:\n" + text());
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }
}
