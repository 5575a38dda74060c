package dev.minepool.server.http;

import com.sun.net.httpserver.HttpExchange;
import dev.minepool.server.ledger.Ledger;
import java.io.IOException;
import java.util.Map;

/** {@code GET /api/balances}: miner name to coins, one per block won, computed from the chain. */
final class BalancesResource implements Exchanges.Resource {
    private final Ledger ledger;

    BalancesResource(Ledger ledger) {
        this.ledger = ledger;
    }

    @Override
    public void get(HttpExchange exchange) throws IOException {
        Json json = new Json().beginObject().field("height", ledger.height()).name("balances").beginObject();
        for (Map.Entry<String, Long> e : ledger.balances().entrySet()) {
            json.field(e.getKey(), e.getValue());
        }
        Exchanges.json(exchange, 200, json.endObject().endObject().toString());
    }
}
