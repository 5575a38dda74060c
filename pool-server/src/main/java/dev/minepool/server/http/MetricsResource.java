package dev.minepool.server.http;

import com.sun.net.httpserver.HttpExchange;
import dev.minepool.server.status.Histogram;
import dev.minepool.server.status.PoolSnapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@code GET /metrics} in the Prometheus text format (version 0.0.4): every family with HELP and TYPE, names
 * that say the unit, counters ending in {@code _total}, and two histograms. Everything comes from the loop's
 * snapshot, so a scrape costs the loop nothing.
 */
final class MetricsResource implements Exchanges.Resource {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final Supplier<PoolSnapshot> snapshots;

    MetricsResource(Supplier<PoolSnapshot> snapshots) {
        this.snapshots = snapshots;
    }

    @Override
    public void get(HttpExchange exchange) throws IOException, Exchanges.HttpError {
        Exchanges.send(exchange, 200, CONTENT_TYPE, render(Shapes.require(snapshots)).getBytes(StandardCharsets.UTF_8));
    }

    static String render(PoolSnapshot s) {
        StringBuilder out = new StringBuilder(4096);
        Set<String> names = new HashSet<>();
        for (PoolSnapshot.ConnectionView c : s.connections()) {
            if (c.name() != null) {
                names.add(c.name());
            }
        }
        family(out, "minepool_miners_connected", "gauge", "Miner names with at least one open connection.");
        sample(out, "minepool_miners_connected", "", names.size());
        family(out, "minepool_connections_open", "gauge", "Open TCP connections, named or not.");
        sample(out, "minepool_connections_open", "", s.connections().size());
        family(out, "minepool_connections_accepted_total", "counter", "TCP connections accepted, refused ones included.");
        sample(out, "minepool_connections_accepted_total", "", s.loop().accepted());
        family(out, "minepool_connections_closed_total", "counter", "TCP connections closed, by reason.");
        for (Map.Entry<String, Long> e : s.traffic().closed().entrySet()) {
            sample(out, "minepool_connections_closed_total", label("reason", e.getKey()), e.getValue());
        }
        family(out, "minepool_messages_received_total", "counter", "Messages received from miners, by type.");
        for (Map.Entry<String, Long> e : s.traffic().messagesIn().entrySet()) {
            sample(out, "minepool_messages_received_total", label("type", e.getKey()), e.getValue());
        }
        family(out, "minepool_messages_sent_total", "counter", "Messages sent (written or queued) to miners, by type.");
        for (Map.Entry<String, Long> e : s.traffic().messagesOut().entrySet()) {
            sample(out, "minepool_messages_sent_total", label("type", e.getKey()), e.getValue());
        }
        family(out, "minepool_blocks_found_total", "counter", "Blocks mined since the pool started.");
        sample(out, "minepool_blocks_found_total", "", s.blocksThisRun());
        family(out, "minepool_submits_rejected_total", "counter", "Submits answered R, by reason.");
        sample(out, "minepool_submits_rejected_total", label("reason", "before_get_work"),
                s.rules().rejectedBeforeGetWork());
        sample(out, "minepool_submits_rejected_total", label("reason", "unknown_job"), s.rules().rejectedUnknownJob());
        sample(out, "minepool_submits_rejected_total", label("reason", "wrong_nonce"), s.rules().rejectedWrongNonce());
        family(out, "minepool_submits_late_total", "counter", "Submits for a block already mined, answered I.");
        sample(out, "minepool_submits_late_total", "", s.rules().lateSubmits());
        family(out, "minepool_protocol_violations_total", "counter",
                "Connections closed for sending bytes that are not the protocol.");
        sample(out, "minepool_protocol_violations_total", "", s.loop().violations());
        histogram(out, "minepool_get_work_to_task_seconds",
                "From the event loop's wake-up that read a G to its T written or queued.", s.traffic().getWorkToTask());
        histogram(out, "minepool_fanout_seconds", "From a winner's A to the last I of that block, written or queued.",
                s.traffic().fanOut());
        family(out, "minepool_hashrate_hashes_per_second", "gauge",
                "The pool's hash rate from searched slots, decayed over a window; a lower bound.");
        PoolSnapshot.Rates rates = s.hashRateAt(System.currentTimeMillis()); // as of the scrape, not the snapshot
        sample(out, "minepool_hashrate_hashes_per_second", label("window", "1m"), rates.m1());
        sample(out, "minepool_hashrate_hashes_per_second", label("window", "5m"), rates.m5());
        sample(out, "minepool_hashrate_hashes_per_second", label("window", "15m"), rates.m15());
        family(out, "minepool_chain_height", "gauge", "The height of the chain's last block.");
        sample(out, "minepool_chain_height", "", s.tipHeight());
        family(out, "minepool_zero_bits", "gauge", "The leading zero bits the next block needs.");
        sample(out, "minepool_zero_bits", "", s.zeroBits());
        if (s.difficulty().targetMillis() > 0) {
            family(out, "minepool_target_block_time_seconds", "gauge", "The block time the difficulty rule aims at.");
            sample(out, "minepool_target_block_time_seconds", "", s.difficulty().targetMillis() / 1000.0);
        }
        if (s.difficulty().measuredMillis() >= 0) {
            family(out, "minepool_block_time_seconds", "gauge",
                    "The mean time between the last blocks (up to 20), from their found-at times.");
            sample(out, "minepool_block_time_seconds", "", s.difficulty().measuredMillis() / 1000.0);
        }
        family(out, "minepool_start_time_seconds", "gauge", "When the pool started, in seconds since the Unix epoch.");
        sample(out, "minepool_start_time_seconds", "", s.startedAtMillis() / 1000.0);
        return out.toString();
    }

    private static void family(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void sample(StringBuilder out, String name, String labels, double value) {
        out.append(name).append(labels).append(' ').append(number(value)).append('\n');
    }

    private static void histogram(StringBuilder out, String name, String help, Histogram.View view) {
        family(out, name, "histogram", help);
        for (int i = 0; i < Histogram.BOUNDS.length; i++) {
            sample(out, name + "_bucket", label("le", java.math.BigDecimal.valueOf(Histogram.BOUNDS[i])
                    .stripTrailingZeros().toPlainString()), view.cumulative(i));
        }
        sample(out, name + "_bucket", label("le", "+Inf"), view.count());
        sample(out, name + "_sum", "", view.sumSeconds());
        sample(out, name + "_count", "", view.count());
    }

    /** {@code {name="value"}}, the value escaped as the format says (backslash, quote, newline). */
    private static String label(String name, String value) {
        String escaped = value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
        return "{" + name + "=\"" + escaped + "\"}";
    }

    private static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, "%s", v);
    }
}
