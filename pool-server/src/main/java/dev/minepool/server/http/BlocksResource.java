package dev.minepool.server.http;

import com.sun.net.httpserver.HttpExchange;
import dev.minepool.protocol.ledger.TxRecord;
import dev.minepool.server.ledger.Ledger;
import dev.minepool.server.ledger.TxStatus;
import java.io.IOException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/blocks?from=&limit=} (newest first, from a height down) and {@code GET /api/blocks/{height}}
 * (one block with its job data in hex and its transaction records, enough to re-check its proof: {@code
 * SHA-256(data || nonce)} must have {@code zeroBits} leading zero bits, and the data starts with the previous
 * block's hash). {@code GET /api/blocks?from=&limit=&data=true} lists blocks in that full form, so that a verifier
 * downloading a long chain asks once per {@value #MAX_LIMIT} blocks, not once per block.
 */
final class BlocksResource implements Exchanges.Resource {
    static final String PATH = "/api/blocks";
    static final int DEFAULT_LIMIT = 20;
    static final int MAX_LIMIT = 500;

    private final Ledger ledger;

    BlocksResource(Ledger ledger) {
        this.ledger = ledger;
    }

    @Override
    public void get(HttpExchange exchange) throws IOException, Exchanges.HttpError {
        String tail = Exchanges.below(exchange.getRequestURI().getPath(), PATH);
        if (tail == null) {
            list(exchange);
            return;
        }
        long height;
        try {
            height = Long.parseLong(tail);
        } catch (NumberFormatException e) {
            throw new Exchanges.HttpError(400, "a block is named by its height, a whole number, not '"
                    + Exchanges.shorten(tail) + "'");
        }
        Ledger.Entry entry = ledger.block(height);
        byte[] data = entry == null ? null : ledger.data(height);
        if (entry == null || data == null) {
            throw new Exchanges.HttpError(404, "no block at height " + height + " (the chain's tip is block "
                    + ledger.height() + ")");
        }
        Exchanges.json(exchange, 200, full(new Json(), entry, data).endObject().toString());
    }

    /** A block with its data and its records, in an object left open for more. */
    private Json full(Json json, Ledger.Entry entry, byte[] data) throws IOException {
        block(json, entry).name("data").value(HexFormat.of().formatHex(data));
        json.name("transactions").beginArray();
        for (TxRecord record : ledger.transactions(entry.height(), data)) {
            Shapes.tx(json, new TxStatus(record.txidHex(), record, TxStatus.State.CONFIRMED, entry.height(), null,
                    null));
        }
        return json.endArray();
    }

    private void list(HttpExchange exchange) throws IOException, Exchanges.HttpError {
        Map<String, String> query = Exchanges.query(exchange);
        long tip = ledger.height();
        long from = Exchanges.number(query, "from", tip, 1, Long.MAX_VALUE);
        int limit = (int) Exchanges.number(query, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
        String data = query.getOrDefault("data", "false");
        if (!data.equals("true") && !data.equals("false")) {
            throw new Exchanges.HttpError(400, "data must be true or false, not '" + Exchanges.shorten(data) + "'");
        }
        Json json = new Json().beginObject().field("tipHeight", tip).name("blocks").beginArray();
        List<Ledger.Entry> entries = ledger.blocksDown(from, limit); // newest first
        long lowest = entries.isEmpty() ? 0 : entries.get(entries.size() - 1).height();
        byte[][] each = data.equals("true") && !entries.isEmpty() // one read of the file for them all
                ? ledger.data(lowest, entries.get(0).height()) : null;
        for (Ledger.Entry entry : entries) {
            byte[] d = each == null ? null : each[(int) (entry.height() - lowest)];
            (d == null ? block(json, entry) : full(json, entry, d)).endObject();
        }
        Exchanges.json(exchange, 200, json.endArray().endObject().toString());
    }

    /** A block's fields, in an object left open for more. */
    static Json block(Json json, Ledger.Entry e) {
        return json.beginObject().field("height", e.height()).field("hash", e.hash())
                .field("previousHash", e.previousHash()).field("nonce", e.nonce()).field("zeroBits", e.zeroBits())
                .field("winner", e.winner()).field("foundAt", Instant.ofEpochMilli(e.foundAtMillis()).toString())
                .field("timeToMineSeconds", e.millisToMine() / 1000.0);
    }
}
