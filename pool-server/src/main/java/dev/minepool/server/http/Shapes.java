package dev.minepool.server.http;

import dev.minepool.protocol.ledger.NameRegistration;
import dev.minepool.protocol.ledger.Transfer;
import dev.minepool.server.ledger.TxStatus;
import dev.minepool.server.status.PoolSnapshot;
import java.util.HexFormat;
import java.util.function.Supplier;

/** Reading the loop's snapshot from an HTTP thread, and the shapes every resource writes the same way. */
final class Shapes {
    private Shapes() {
    }

    /** The latest snapshot; a 503 before the loop has published one. */
    static PoolSnapshot require(Supplier<PoolSnapshot> snapshots) throws Exchanges.HttpError {
        PoolSnapshot s = snapshots.get();
        if (s == null) {
            throw new Exchanges.HttpError(503, "the pool is starting");
        }
        return s;
    }

    /** {@code {"1m":…,"5m":…,"15m":…}} in hashes a second. */
    static Json rates(Json json, PoolSnapshot.Rates rates) {
        return json.beginObject().field("1m", rates.m1()).field("5m", rates.m5()).field("15m", rates.m15())
                .endObject();
    }

    /**
     * A record and where it stands, as an object (closed): {@code txid}, {@code kind} N or X, {@code status}, the
     * height when confirmed, the reason and sentence when dropped; for X {@code from}, {@code to}, {@code amount}
     * (coins), {@code amountUnits}, {@code nonce}; for N {@code name} and {@code key} (64 hex digits).
     */
    static Json tx(Json json, TxStatus s) {
        json.beginObject().field("txid", s.txid()).field("kind", s.record() instanceof Transfer ? "X" : "N")
                .field("status", s.state().code());
        if (s.state() == TxStatus.State.CONFIRMED) {
            json.field("height", s.height());
        }
        if (s.state() == TxStatus.State.DROPPED) {
            json.field("reason", s.reason().code()).field("error", s.error());
        }
        if (s.record() instanceof Transfer t) {
            json.field("from", t.sender().value()).field("to", t.recipient().value());
            json.name("amount").coins(t.amount()).field("amountUnits", t.amount())
                    .field("nonce", t.nonce());
        } else if (s.record() instanceof NameRegistration n) {
            json.field("name", n.name().value()).field("key", HexFormat.of().formatHex(n.publicKey()));
        }
        return json.endObject();
    }
}
