package dev.minepool.server.http;

import com.sun.net.httpserver.HttpExchange;
import dev.minepool.server.ledger.Ledger;
import dev.minepool.server.status.PoolSnapshot;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
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

    /** One miner name: its connections added up. */
    record Row(String name, int connections, double rate1m, double rate5m, long slotsDone, long blocksWon,
               long lastSeenMillis) {
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
        List<Row> rows = rows(Shapes.require(snapshots));
        Json json = new Json().beginObject().field("total", rows.size()).field("offset", offset)
                .field("limit", limit).name("miners").beginArray();
        for (int i = (int) Math.min(offset, rows.size()); i < rows.size() && i < offset + limit; i++) {
            Row row = rows.get(i);
            json.beginObject().field("name", row.name()).field("connections", row.connections())
                    .name("hashRate").beginObject().field("1m", row.rate1m()).field("5m", row.rate5m()).endObject()
                    .field("slotsDone", row.slotsDone()).field("blocksWon", row.blocksWon())
                    .field("balance", ledger.balance(row.name()))
                    .field("lastSeen", Instant.ofEpochMilli(row.lastSeenMillis()).toString()).endObject();
        }
        Exchanges.json(exchange, 200, json.endArray().endObject().toString());
    }

    /** The rows for this snapshot, built by the first request that needs them. */
    List<Row> rows(PoolSnapshot s) {
        Table current = table;
        if (current.sequence() == s.sequence()) {
            return current.rows();
        }
        Map<String, Row> byName = new LinkedHashMap<>();
        for (PoolSnapshot.ConnectionView c : s.connections()) {
            if (c.name() == null) {
                continue;
            }
            byName.merge(c.name(), new Row(c.name(), 1, c.hashRate().m1(), c.hashRate().m5(), c.slotsSearched(),
                    c.blocksWon(), c.lastSeenMillis()), (a, b) -> new Row(a.name(), a.connections() + 1,
                    a.rate1m() + b.rate1m(), a.rate5m() + b.rate5m(), a.slotsDone() + b.slotsDone(),
                    a.blocksWon() + b.blocksWon(), Math.max(a.lastSeenMillis(), b.lastSeenMillis())));
        }
        List<Row> rows = new ArrayList<>(byName.values());
        rows.sort(Comparator.comparingDouble(Row::rate1m).reversed().thenComparing(Row::name));
        rows = List.copyOf(rows);
        table = new Table(s.sequence(), rows);
        return rows;
    }
}
