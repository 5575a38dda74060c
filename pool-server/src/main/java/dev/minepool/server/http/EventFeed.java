package dev.minepool.server.http;

import dev.minepool.server.status.PoolSnapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the loop's snapshots into the events of {@code /api/events}, on its own thread: {@code block} for each
 * new block, {@code miner-joined} when a name gets its first connection and {@code miner-left} when it loses its
 * last, and {@code stats} every {@link #STATS_EVERY}. Blocks are looked for in every snapshot and never missed,
 * since a snapshot is published on every one and keeps the last 32. Joins and departures are found by comparing
 * the snapshots of two stats events, so a miner that comes and goes within one stats period is not announced.
 *
 * <p>Rates in a {@code stats} event are as of the event, not of its snapshot. An idle pool publishes no snapshot
 * for up to a minute, so while its 1-minute rate is still at least {@link #RATE_SHOWN} the last snapshot's stats
 * are sent again every period, decayed to that moment: the dashboard's rate falls when the miners stop, as a
 * decaying average should, instead of standing still until the next summary.
 */
final class EventFeed implements Runnable, AutoCloseable {
    static final Duration STATS_EVERY = Duration.ofSeconds(2);
    /** Miners listed in a {@code stats} event, fastest first. */
    static final int STATS_MINERS = 100;
    /** Hashes a second below which a falling rate is not worth another event: the dashboard shows it as 0. */
    static final double RATE_SHOWN = 0.5;

    private final HttpApi.SnapshotSource source;
    private final EventHub hub;
    private final MinersResource miners;
    private final dev.minepool.server.ledger.Ledger ledger;
    private final Thread thread = new Thread(this, "http-event-feed");
    private volatile boolean stopped;

    EventFeed(HttpApi.SnapshotSource source, EventHub hub, MinersResource miners, dev.minepool.server.ledger.Ledger ledger) {
        this.source = source;
        this.hub = hub;
        this.miners = miners;
        this.ledger = ledger;
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    @Override
    public void run() {
        long sequence = -1;
        long lastBlock = -1;
        Map<String, Integer> names = null;
        long nextStats = 0;
        PoolSnapshot pending = null; // the latest snapshot not yet in a stats event: sent when its turn comes
        PoolSnapshot last = null; // the snapshot of the last stats event: sent again while its rates still fall
        try {
            while (!stopped) {
                // An idle pool publishes no snapshot for a long while; the last one's stats (a block's new
                // balances, say) must still go out on time, not with the next snapshot, and its rates must be
                // seen falling.
                if (pending == null && last != null && !last.stopped()
                        && last.hashRateAt(System.currentTimeMillis()).m1() >= RATE_SHOWN) {
                    pending = last;
                }
                long wait = pending == null ? STATS_EVERY.toNanos() : Math.max(1, nextStats - System.nanoTime());
                PoolSnapshot s = source.await(sequence, Duration.ofNanos(wait));
                if (s != null) {
                    sequence = s.sequence();
                    if (lastBlock < 0) {
                        lastBlock = s.tipHeight();
                    }
                    List<PoolSnapshot.BlockView> blocks = s.blocks();
                    for (int i = blocks.size() - 1; i >= 0; i--) {
                        PoolSnapshot.BlockView b = blocks.get(i);
                        if (b.height() > lastBlock) {
                            dev.minepool.server.ledger.Ledger.Entry entry = ledger.block(b.height());
                            hub.publish("block", block(b, entry == null ? 0 : entry.transactions()));
                            lastBlock = b.height();
                        }
                    }
                    pending = s;
                }
                if (pending != null && (System.nanoTime() - nextStats >= 0 || pending.stopped())) {
                    // Everything that walks the miners is done here, once a stats period, not on every snapshot
                    // (four a second while the pool is busy): at 10,000 miners that walk is the feed's cost.
                    List<MinersResource.Row> rows = miners.rows(pending);
                    Map<String, Integer> now = connectionsByName(rows);
                    if (names != null) {
                        announceChanges(names, now);
                    }
                    names = now;
                    String stats = stats(pending, rows);
                    hub.greeting(EventHub.frame("stats", stats));
                    hub.publish("stats", stats);
                    nextStats = System.nanoTime() + STATS_EVERY.toNanos();
                    if (pending.stopped()) {
                        return;
                    }
                    last = pending;
                    pending = null;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void announceChanges(Map<String, Integer> before, Map<String, Integer> now) {
        for (Map.Entry<String, Integer> e : now.entrySet()) {
            if (!before.containsKey(e.getKey())) {
                hub.publish("miner-joined", new Json().beginObject().field("name", e.getKey())
                        .field("connections", e.getValue()).endObject().toString());
            }
        }
        for (String name : before.keySet()) {
            if (!now.containsKey(name)) {
                hub.publish("miner-left", new Json().beginObject().field("name", name).endObject().toString());
            }
        }
    }

    private static Map<String, Integer> connectionsByName(List<MinersResource.Row> rows) {
        Map<String, Integer> names = new HashMap<>(rows.size() * 2);
        for (MinersResource.Row row : rows) {
            names.put(row.name(), row.connections());
        }
        return names;
    }

    /** @param transactions the records the block carries (the ledger has it: the block is on disk) */
    static String block(PoolSnapshot.BlockView b, int transactions) {
        return new Json().beginObject().field("height", b.height()).field("hash", b.hash())
                .field("previousHash", b.previousHash()).field("nonce", b.nonce()).field("zeroBits", b.zeroBits())
                .field("winner", b.winner()).field("foundAt", Instant.ofEpochMilli(b.foundAtMillis()).toString())
                .field("timeToMineSeconds", b.millisToMine() / 1000.0).field("transactions", transactions)
                .endObject().toString();
    }

    /** Seconds, or null for a negative number of milliseconds: not known (no target, or fewer than 2 blocks). */
    private static void seconds(Json json, String name, long millis) {
        if (millis < 0) {
            json.name(name).nullValue();
        } else {
            json.field(name, millis / 1000.0);
        }
    }

    private String stats(PoolSnapshot s, List<MinersResource.Row> rows) {
        long now = System.currentTimeMillis(); // the rates are as of now, and so is the event
        double age = s.ageSeconds(now);
        Json json = new Json().beginObject().field("at", Instant.ofEpochMilli(Math.max(now, s.takenAtMillis()))
                        .toString())
                .field("height", s.tipHeight()).field("tipHash", s.tipHash()).field("zeroBits", s.zeroBits());
        seconds(json, "targetBlockTimeSeconds", s.difficulty().targetMillis() > 0 ? s.difficulty().targetMillis() : -1);
        seconds(json, "measuredBlockTimeSeconds", s.difficulty().measuredMillis());
        json.field("minersConnected", rows.size()).field("connections", s.connections().size())
                .field("blocksThisRun", s.blocksThisRun());
        Shapes.rates(json.name("hashRate"), s.hashRateAt(now));
        json.name("miners").beginArray();
        for (int i = 0; i < Math.min(STATS_MINERS, rows.size()); i++) {
            MinersResource.Row row = rows.get(i).decayedBy(age);
            json.beginObject().field("name", row.name()).field("connections", row.connections())
                    .field("hashRate1m", row.rate1m()).field("hashRate5m", row.rate5m())
                    .field("blocksWon", row.blocksWon()).name("balance").coins(ledger.balance(row.name())).endObject();
        }
        return json.endArray().endObject().toString();
    }

    @Override
    public void close() {
        stopped = true;
        thread.interrupt();
    }
}
