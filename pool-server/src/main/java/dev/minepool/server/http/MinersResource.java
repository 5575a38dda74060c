package dev.minepool.server.http;

import com.sun.net.httpserver.HttpExchange;
import dev.minepool.server.ledger.Ledger;
import dev.minepool.server.status.PoolSnapshot;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code GET /api/miners?offset=&limit=}: the connected miners by name, fastest first. The table is built once
 * per snapshot and shared by every request until the next one, so polling it at 10,000 miners costs one sort a
 * snapshot, not one a request.
 */
final class MinersResource implements Exchanges.Resource {
    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 1000;

    /** One miner name: its connections added up; rates as of the snapshot (see {@link #decayedBy}). */
    record Row(String name, int connections, double rate1m, double rate5m, long slotsDone, long blocksWon,
               long lastSeenMillis) {
        /**
         * This row {@code seconds} after its snapshot, with nothing searched meanwhile. Every row of a snapshot
         * decays by the same factor, so their order (fastest first) holds.
         */
        Row decayedBy(double seconds) {
            return seconds <= 0 ? this : new Row(name, connections, PoolSnapshot.Rates.decay(rate1m, 0, seconds),
                    PoolSnapshot.Rates.decay(rate5m, 1, seconds), slotsDone, blocksWon, lastSeenMillis);
        }
    }

    private record Table(long sequence, List<Row> rows) {
    }

    private final Supplier<PoolSnapshot> snapshots;
    private final Ledger ledger;
    private volatile Table table = new Table(-1, List.of());

    MinersResource(Supplier<PoolSnapshot> snapshots, Ledger ledger) {
        this.snapshots = snapshots;
        this.ledger = ledger;
    }

    @Override
    public void get(HttpExchange exchange) throws IOException, Exchanges.HttpError {
        Map<String, String> query = Exchanges.query(exchange);
        long offset = Exchanges.number(query, "offset", 0, 0, Integer.MAX_VALUE);
        int limit = (int) Exchanges.number(query, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
        PoolSnapshot s = Shapes.require(snapshots);
        List<Row> rows = rows(s);
        double age = s.ageSeconds(System.currentTimeMillis()); // rates as of now: see PoolSnapshot.hashRateAt
        Json json = new Json().beginObject().field("total", rows.size()).field("offset", offset)
                .field("limit", limit).name("miners").beginArray();
        for (int i = (int) Math.min(offset, rows.size()); i < rows.size() && i < offset + limit; i++) {
            Row row = rows.get(i).decayedBy(age);
            json.beginObject().field("name", row.name()).field("connections", row.connections())
                    .name("hashRate").beginObject().field("1m", row.rate1m()).field("5m", row.rate5m()).endObject()
                    .field("slotsDone", row.slotsDone()).field("blocksWon", row.blocksWon())
                    .name("balance").coins(ledger.balance(row.name()))
                    .field("lastSeen", Instant.ofEpochMilli(row.lastSeenMillis()).toString()).endObject();
        }
        Exchanges.json(exchange, 200, json.endArray().endObject().toString());
    }

    /**
     * The rows for this snapshot (or a newer one), built by the first caller that needs them; callers that come
     * while they are being built wait for them rather than build them again (the event feed and the request
     * threads ask for the same snapshot at about the same time).
     */
    List<Row> rows(PoolSnapshot s) {
        Table current = table;
        if (current.sequence() >= s.sequence()) {
            return current.rows();
        }
        synchronized (this) {
            current = table;
            if (current.sequence() >= s.sequence()) {
                return current.rows();
            }
            List<Row> rows = build(s);
            table = new Table(s.sequence(), rows);
            return rows;
        }
    }

    /**
     * Adds up each name's connections: sorted by name, a name's connections are neighbours, so one pass groups
     * them with no map; then a stable sort by rate keeps equal rates (every new miner's 0) in name order, which on
     * an idle or new pool is already the final order and costs one linear pass.
     */
    private static List<Row> build(PoolSnapshot s) {
        List<PoolSnapshot.ConnectionView> named = new ArrayList<>(s.connections().size());
        for (PoolSnapshot.ConnectionView c : s.connections()) {
            if (c.name() != null) {
                named.add(c);
            }
        }
        named.sort(BY_NAME);
        List<Row> rows = new ArrayList<>(named.size());
        for (int i = 0; i < named.size(); ) {
            PoolSnapshot.ConnectionView first = named.get(i);
            int connections = 0;
            double rate1m = 0;
            double rate5m = 0;
            long slotsDone = 0;
            long blocksWon = 0;
            long lastSeenMillis = 0;
            for (; i < named.size() && named.get(i).name().equals(first.name()); i++) {
                PoolSnapshot.ConnectionView c = named.get(i);
                connections++;
                rate1m += c.hashRate().m1();
                rate5m += c.hashRate().m5();
                slotsDone += c.slotsSearched();
                blocksWon += c.blocksWon();
                lastSeenMillis = Math.max(lastSeenMillis, c.lastSeenMillis());
            }
            rows.add(new Row(first.name(), connections, rate1m, rate5m, slotsDone, blocksWon, lastSeenMillis));
        }
        rows.sort(FASTEST_FIRST); // List.sort is stable: ties stay in name order
        return Collections.unmodifiableList(rows);
    }

    private static final Comparator<PoolSnapshot.ConnectionView> BY_NAME =
            Comparator.comparing(PoolSnapshot.ConnectionView::name);

    /** Fastest first; a stable sort of rows in name order leaves equal rates by name, so pages are stable. */
    private static final Comparator<Row> FASTEST_FIRST = (a, b) -> Double.compare(b.rate1m(), a.rate1m());
}
