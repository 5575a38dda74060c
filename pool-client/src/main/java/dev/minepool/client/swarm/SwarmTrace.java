package dev.minepool.client.swarm;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Every time the swarm measures, one line each, with when it began: what a percentile hides. A p99 says how
 * slow the slowest hundredth was, not when those were slow, nor whether they were slow together; lined up with
 * a scheduler trace or a GC log, this file says what the machine was doing meanwhile.
 *
 * <pre>
 * # kind round phase session start_us latency_us
 * T 4 measured 17 9951985136 1532
 * A 4 measured 3 9952201544 2207
 * I 4 measured 17 9952203751 48211
 * </pre>
 * <ul>
 *   <li>{@code T}: start is when the session's {@code G} was written, latency is until its {@code T} was read;</li>
 *   <li>{@code A}: the round's winner, from its {@code S} written to its {@code A} read;</li>
 *   <li>{@code I}: from the moment the swarm saw the win (as in the table's A-I) to the session's {@code I}.</li>
 * </ul>
 * Times are microseconds of {@link System#nanoTime}, which on Linux is {@code CLOCK_MONOTONIC}: the clock
 * {@code perf sched record -k CLOCK_MONOTONIC} stamps its events with, so the two files share one time line.
 * Lines are written between rounds, from times the swarm keeps anyway, so tracing adds nothing to what is
 * measured.
 */
final class SwarmTrace implements AutoCloseable {
    private final Path path;
    private final PrintStream out;
    private BufferedWriter writer;

    private SwarmTrace(Path path, BufferedWriter writer, PrintStream out) {
        this.path = path;
        this.writer = writer;
        this.out = out;
    }

    /**
     * Creates (or empties) the file and writes its header.
     *
     * @throws IOException if it cannot be written, before anything is measured
     */
    static SwarmTrace open(Path path, PrintStream out) throws IOException {
        BufferedWriter writer = Files.newBufferedWriter(path);
        try {
            writer.write("# minepool swarm trace: times in microseconds of CLOCK_MONOTONIC (System.nanoTime)\n");
            writer.write("# kind round phase session start_us latency_us\n");
        } catch (IOException e) {
            writer.close();
            throw e;
        }
        return new SwarmTrace(path, writer, out);
    }

    /** A round's times: its sessions' T's, the winner's A, and the other sessions' I's. */
    void round(int number, boolean warmup, List<Session> sessions, Session winner, long submittedNanos,
               long acceptReadNanos, long firstAnswerNanos) {
        if (writer == null) {
            return;
        }
        String prefix = " " + number + (warmup ? " warmup " : " measured ");
        StringBuilder lines = new StringBuilder(sessions.size() * 48);
        for (Session session : sessions) {
            if (session.taskNanos != 0) {
                line(lines, 'T', prefix, session.index, session.startedNanos, session.taskNanos - session.startedNanos);
            }
        }
        if (winner != null && acceptReadNanos >= 0) {
            line(lines, 'A', prefix, winner.index, submittedNanos, acceptReadNanos - submittedNanos);
        }
        for (Session session : sessions) {
            if (session != winner && session.state == Session.State.DONE) {
                line(lines, 'I', prefix, session.index, firstAnswerNanos, session.answeredNanos - firstAnswerNanos);
            }
        }
        try {
            writer.append(lines);
        } catch (IOException e) {
            stop(e);
        }
    }

    private static void line(StringBuilder lines, char kind, String prefix, int session, long startNanos,
                             long latencyNanos) {
        lines.append(kind).append(prefix).append(session).append(' ').append(startNanos / 1000).append(' ')
                .append(latencyNanos / 1000).append('\n');
    }

    /** What went wrong, without the file name the JDK's exceptions repeat: "Is a directory", "permission denied". */
    static String why(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such directory";
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private void stop(IOException e) {
        out.println("swarm: cannot write the trace " + path + " (" + why(e) + "); tracing stopped");
        try {
            writer.close();
        } catch (IOException ignored) {
            // already said why the trace stopped
        }
        writer = null;
    }

    @Override
    public void close() {
        if (writer != null) {
            try {
                writer.close();
            } catch (IOException e) {
                out.println("swarm: cannot write the trace " + path + " (" + why(e) + ")");
            }
            writer = null;
        }
    }
}
