package dev.minepool.server;

import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A pool log that keeps its lines for assertions and prints only warnings, to keep test output short. */
final class CapturingLog extends PoolLog {
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final java.util.List<String> all = new java.util.concurrent.CopyOnWriteArrayList<>();

    CapturingLog() {
        super(new PrintStream(OutputStream.nullOutputStream()), System.err);
    }

    @Override
    protected void line(Level level, String message) {
        lines.add(level + " " + message);
        all.add(level + " " + message);
        if (level == Level.WARN) {
            super.line(level, message);
        }
    }

    /** Waits for a line containing {@code text}, consuming the lines before it; null if none comes in time. */
    String await(String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            String line = lines.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
            if (line == null) {
                return null;
            }
            if (line.contains(text)) {
                return line;
            }
        }
    }

    /** Every line so far, awaited or not. */
    java.util.List<String> lines() {
        return java.util.List.copyOf(all);
    }
}
