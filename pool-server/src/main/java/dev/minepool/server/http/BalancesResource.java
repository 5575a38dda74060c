package dev.minepool.server.http;

import com.sun.net.httpserver.HttpExchange;
import dev.minepool.server.ledger.Ledger;
import java.io.IOException;
import java.util.Map;

/**
 * {@code GET /api/balances}: miner name to coins (8 decimals), from the ledger: every reward and every confirmed
 * transfer, as {@link Ledger} keeps them after the tip. Names with nothing left are not listed.
 */
final class BalancesResource implements Exchanges.Resource {
    private final Ledger ledger;

    BalancesResource(Ledger ledger) {
        this.ledger = ledger;
    }

    @Override
    public void get(HttpExchange exchange) throws IOException {
        Ledger.TipBalances tip = ledger.tipBalances(); // height and balances of the same block
        Json json = new Json().beginObject().field("height", tip.height()).name("balances").beginObject();
        for (Map.Entry<String, Long> e : tip.byName().entrySet()) {
            json.name(e.getKey()).coins(e.getValue());
        }
        Exchanges.json(exchange, 200, json.endObject().endObject().toString());
    }
}
