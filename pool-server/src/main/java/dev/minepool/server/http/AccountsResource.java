package dev.minepool.server.http;

import com.sun.net.httpserver.HttpExchange;
import dev.minepool.protocol.MinerName;
import dev.minepool.server.ledger.Ledger;
import dev.minepool.server.ledger.TxStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.HexFormat;

/**
 * {@code GET /api/accounts/{name}}: one name's confirmed balance, what it can spend now (confirmed minus pending
 * spends), its balance once every pending record is in, its key, its next nonce and its recent records. The name
 * is percent-decoded UTF-8 and must be a valid miner name; any valid name is an account (an unknown one has zeros).
 */
final class AccountsResource implements Exchanges.Resource {
    static final String PATH = "/api/accounts";

    private final Ledger ledger;

    AccountsResource(Ledger ledger) {
        this.ledger = ledger;
    }

    @Override
    public void get(HttpExchange exchange) throws IOException, Exchanges.HttpError {
        String rawName = Exchanges.below(exchange.getRequestURI().getRawPath(), PATH);
        if (rawName == null) {
            throw new Exchanges.HttpError(404, "name an account: " + PATH + "/{name}");
        }
        MinerName name;
        try {
            name = MinerName.parse(percentDecoded(rawName));
        } catch (MinerName.InvalidNameException e) {
            throw new Exchanges.HttpError(400, "not an account: " + e.getMessage());
        }
        Ledger.PendingAccount pending = ledger.pendingAccount(name);
        long confirmed;
        long spendable;
        long pendingBalance;
        byte[] key;
        boolean keyPending;
        long nextNonce;
        if (pending != null) {
            confirmed = pending.confirmed();
            spendable = pending.spendable();
            pendingBalance = pending.pendingBalance();
            key = pending.key();
            keyPending = pending.keyPending();
            nextNonce = pending.nextNonce();
        } else {
            var accounts = ledger.confirmed().accounts();
            confirmed = accounts.balance(name);
            spendable = confirmed;
            pendingBalance = confirmed;
            key = accounts.key(name);
            keyPending = false;
            nextNonce = accounts.lastNonce(name) + 1;
        }
        Json json = new Json().beginObject().field("name", name.value())
                .name("balance").coins(confirmed).field("balanceUnits", confirmed)
                .name("spendable").coins(spendable).field("spendableUnits", spendable)
                .name("pendingBalance").coins(pendingBalance).field("pendingBalanceUnits", pendingBalance)
                .field("key", key == null ? null : HexFormat.of().formatHex(key))
                .field("keyPending", keyPending)
                .field("nextNonce", nextNonce)
                .name("recent").beginArray();
        for (String txid : ledger.recent(name)) {
            TxStatus status = ledger.status(txid);
            if (status != null) {
                Shapes.tx(json, status);
            }
        }
        Exchanges.json(exchange, 200, json.endArray().endObject().toString());
    }

    /** {@code %XX} escapes to bytes, then strict UTF-8; '+' stays '+' (it means a space only in a query). */
    static byte[] percentDecoded(String raw) throws Exchanges.HttpError {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                int hi = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
                int lo = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 2), 16) : -1;
                if (hi < 0 || lo < 0) {
                    throw new Exchanges.HttpError(400, "the account name has a '%' that is not followed by two hex"
                            + " digits");
                }
                out.write(hi * 16 + lo);
                i += 2;
            } else if (c > 0x7e) {
                throw new Exchanges.HttpError(400, "the account name must be percent-encoded UTF-8");
            } else {
                out.write(c);
            }
        }
        return out.toByteArray();
    }
}
