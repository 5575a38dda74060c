package dev.minepool.client.swarm;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/**
 * What the swarm prints: a line on what it does, one on connecting, a row per round as it ends, and the
 * summary. Plain ASCII ({@code G-T}, not an arrow), since a terminal in the C locale would print {@code ?}.
 */
final class SwarmTable {
    private static final String ROW = "%5s %8s %7s %6s %5s | %6s %9s %9s %9s | %9s | %11s %9s %9s %9s | %6s%n";

    private final PrintStream out;

    SwarmTable(PrintStream out) {
        this.out = out;
    }

    void header(SwarmConfig config, InetSocketAddress address) {
        String window = config.window() >= config.connections() ? "all at once"
                : "at most " + config.window() + " waiting for their T";
        String warmup = config.warmupRounds() == 0 ? "" : " after " + config.warmupRounds() + " warm-up "
                + (config.warmupRounds() == 1 ? "round" : "rounds");
        out.printf(Locale.ROOT, "swarm: %d sessions to %s:%d, %d %s%s; G's %s; timeout %s%n",
                config.connections(), config.host(), address.getPort(), config.rounds(),
                config.rounds() == 1 ? "round" : "rounds", warmup, window, seconds(config.timeout().toNanos()));
        out.flush();
    }

    void connected(int connected, SwarmConfig config, long nanos, Map<SwarmError, Integer> errors) {
        out.printf(Locale.ROOT, "connect: %d of %d connected in %s (at most %d connects in flight)%s%n", connected,
                config.connections(), seconds(nanos), config.connectsInFlight(),
                errors.isEmpty() ? "" : "; errors: " + errorList(errors));
        out.flush();
    }

    void roundsHeader() {
        out.println();
        out.println("times in ms, taken on the swarm's one thread: G-T from a session's G written to its T read,"
                + " S-A from the winner's S to its A, A-I from the win seen (the winner's A read, or an I read before it)"
                + " to each other session's I read");
        out.printf(Locale.ROOT, ROW, "round", "sessions", "winner", "job", "bits", "T's", "G-T p50", "p99", "max",
                "S-A", "I's", "A-I p50", "p99", "max", "errors");
    }

    void round(RoundResult r) {
        Latencies gt = r.getWorkToTask();
        Latencies ai = r.acceptToInvalidation();
        out.printf(Locale.ROOT, ROW, (r.warmup() ? "w" : "") + r.round(), r.sessions(), r.winner() < 0 ? "-" : r.winner(),
                r.winnerJob() < 0 ? "-" : r.winnerJob(), r.zeroBits() < 0 ? "-" : r.zeroBits(),
                r.tasks(), ms(gt, 0.5), ms(gt, 0.99), ms(gt, 1.0),
                r.submitToAccept() < 0 ? "-" : millis(r.submitToAccept()),
                r.invalidations() + "/" + r.expectedInvalidations(), ms(ai, 0.5), ms(ai, 0.99), ms(ai, 1.0),
                r.errorCount());
        out.flush();
    }

    void summary(SwarmResult result) {
        Latencies gt = new Latencies();
        Latencies ai = new Latencies();
        Latencies lastI = new Latencies();
        int rounds = 0;
        for (RoundResult r : result.rounds()) {
            if (r.warmup()) {
                continue;
            }
            rounds++;
            gt.addAll(r.getWorkToTask());
            ai.addAll(r.acceptToInvalidation());
            if (!r.acceptToInvalidation().isEmpty()) {
                lastI.add(r.acceptToInvalidation().max());
            }
        }
        out.println();
        int warmups = result.rounds().size() - rounds;
        out.printf(Locale.ROOT, "summary: %d of %d sessions connected; %d %s%s%n", result.connected(),
                result.connections(), rounds, rounds == 1 ? "round" : "rounds",
                warmups == 0 ? "" : " (the warm-up " + (warmups == 1 ? "round" : "rounds") + ", marked w, left out)");
        out.printf(Locale.ROOT, "  G-T over all T's:      p50 %s ms, p99 %s ms, max %s ms (%d T's)%n", ms(gt, 0.5),
                ms(gt, 0.99), ms(gt, 1.0), gt.count());
        out.printf(Locale.ROOT, "  A-I over all I's:      p50 %s ms, p99 %s ms, max %s ms (%d I's)%n", ms(ai, 0.5),
                ms(ai, 0.99), ms(ai, 1.0), ai.count());
        out.printf(Locale.ROOT, "  A-last I per round:    median %s ms, max %s ms (%d rounds)%n", ms(lastI, 0.5),
                ms(lastI, 1.0), lastI.count());
        out.println("errors: " + (result.clean() ? "none" : result.errorCount() + " (" + errorList(result.errors())
                + ")"));
        out.flush();
    }

    /** {@code missing I 2, wrong job 1}, in the order of {@link SwarmError}. */
    static String errorList(Map<SwarmError, Integer> errors) {
        StringJoiner list = new StringJoiner(", ");
        for (SwarmError kind : SwarmError.values()) {
            Integer n = errors.get(kind);
            if (n != null && n > 0) {
                list.add(kind.label() + " " + n);
            }
        }
        return list.toString();
    }

    private static String ms(Latencies samples, double percentile) {
        return samples.isEmpty() ? "-" : millis(samples.percentile(percentile));
    }

    static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.3f", nanos / 1e6);
    }

    static String seconds(long nanos) {
        double s = nanos / 1e9;
        return s >= 10 || s == Math.rint(s) ? String.format(Locale.ROOT, "%.0f s", s)
                : String.format(Locale.ROOT, "%.2f s", s);
    }
}
