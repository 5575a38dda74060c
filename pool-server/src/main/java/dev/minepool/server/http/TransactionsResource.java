package dev.minepool.server.http;

import com.sun.net.httpserver.HttpExchange;
import dev.minepool.protocol.ledger.Accounts;
import dev.minepool.protocol.ledger.MalformedTxException;
import dev.minepool.protocol.ledger.NameRegistration;
import dev.minepool.protocol.ledger.Transfer;
import dev.minepool.protocol.ledger.TxRecord;
import dev.minepool.server.ledger.Ledger;
import dev.minepool.server.ledger.Mempool;
import dev.minepool.server.ledger.MempoolWriter;
import dev.minepool.server.ledger.TxStatus;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code POST /api/transactions} (body {@code {"tx":"<hex of one record>"}}) and {@code GET
 * /api/transactions/{txid}}.
 *
 * <p>A POST is checked here, on the HTTP thread, as far as it can be without the ledger's moving state: the body's
 * size (at most {@value #MAX_BODY} bytes), its JSON, its hex, the record's length and layout, and the signature
 * when the key is known without the mempool (a registration's own key; a transfer's sender's key on the chain).
 * So a flood of garbage or forgeries costs the event loop nothing. What passes goes to the loop's mempool, which
 * alone decides, and then the mempool file, which must hold the record before it is acknowledged; this thread
 * waits for both at most {@link #LOOP_WAIT}.
 */
final class TransactionsResource implements Exchanges.PostResource {
    static final String PATH = "/api/transactions";
    static final int MAX_BODY = 4096;
    static final Duration LOOP_WAIT = Duration.ofSeconds(5);
    /** The reason of a 503 for a record the pool accepted but could not write to its mempool file. */
    static final String NOT_STORED = "not-stored";

    /** Hands a record to the loop's mempool: the pending status, or a {@link Accounts.RejectedException}. */
    @FunctionalInterface
    interface Submitter {
        CompletableFuture<TxStatus> submit(TxRecord record);
    }

    private final Ledger ledger;
    private final Submitter submitter;

    TransactionsResource(Ledger ledger, Submitter submitter) {
        this.ledger = ledger;
        this.submitter = submitter;
    }

    @Override
    public void get(HttpExchange exchange) throws IOException, Exchanges.HttpError {
        String txid = Exchanges.below(exchange.getRequestURI().getPath(), PATH);
        if (txid == null) {
            throw new Exchanges.HttpError(404, "name a transaction: GET " + PATH + "/{txid}, or POST " + PATH
                    + " with {\"tx\":\"<hex>\"}");
        }
        if (txid.length() != 64 || !isHex(txid)) {
            throw new Exchanges.HttpError(400, "a transaction is named by its txid, 64 hex digits, not '"
                    + Exchanges.shorten(txid) + "'");
        }
        txid = txid.toLowerCase(Locale.ROOT);
        TxStatus status = ledger.status(txid);
        if (status == null) {
            throw new Exchanges.HttpError(404, "no transaction " + txid);
        }
        Exchanges.json(exchange, 200, Shapes.tx(new Json(), status).toString());
    }

    @Override
    public void post(HttpExchange exchange) throws IOException, Exchanges.HttpError {
        if (Exchanges.below(exchange.getRequestURI().getPath(), PATH) != null) {
            exchange.getResponseHeaders().set("Allow", "GET, HEAD");
            throw new Exchanges.HttpError(405, "method POST is not allowed here; POST to " + PATH);
        }
        TxRecord record = decode(body(exchange));
        precheckSignature(record);
        CompletableFuture<TxStatus> answer = submitter.submit(record);
        TxStatus status;
        try {
            status = answer.get(LOOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            answer.cancel(false);
            throw new Exchanges.HttpError(503, "the pool did not answer within " + LOOP_WAIT.toSeconds()
                    + " s; the record may or may not be pending: GET " + PATH + "/" + record.txidHex() + " says");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Exchanges.HttpError(503, "the pool is stopping");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Accounts.RejectedException rejected) {
                throw rejection(rejected.reason(), rejected.getMessage());
            }
            if (e.getCause() instanceof MempoolWriter.NotStoredException notStored) {
                throw new Exchanges.HttpError(503, notStored.getMessage() + "; it is not pending: send it again"
                        + " later", NOT_STORED);
            }
            throw new IllegalStateException(e.getCause());
        }
        Exchanges.json(exchange, 202, new Json().beginObject().field("txid", status.txid())
                .field("status", status.state().code()).endObject().toString());
    }

    /** The body, at most {@value #MAX_BODY} bytes: a longer one is refused before it is read further. */
    private static byte[] body(HttpExchange exchange) throws IOException, Exchanges.HttpError {
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            long length;
            try {
                length = Long.parseLong(declared.trim());
            } catch (NumberFormatException e) {
                length = -1;
            }
            if (length > MAX_BODY) {
                throw tooLarge();
            }
        }
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_BODY + 1);
            if (body.length > MAX_BODY) {
                throw tooLarge();
            }
            return body;
        }
    }

    private static Exchanges.HttpError tooLarge() {
        return new Exchanges.HttpError(413, "the body is larger than " + MAX_BODY + " bytes; one record in hex"
                + " needs at most " + (2 * NameRegistration.LENGTH + 9), Accounts.Reason.MALFORMED.code());
    }

    private static TxRecord decode(byte[] body) throws Exchanges.HttpError {
        Map<String, String> members;
        try {
            members = JsonBody.object(body, Set.of("tx"));
        } catch (JsonBody.BadJsonException e) {
            throw malformed(e.getMessage() + "; send {\"tx\":\"<hex of one record>\"}");
        }
        String hex = members.get("tx");
        if (hex == null) {
            throw malformed("the body has no \"tx\": send {\"tx\":\"<hex of one record>\"}");
        }
        if (hex.length() % 2 != 0 || !isHex(hex)) {
            throw malformed("\"tx\" must be hex digits, two per byte; it is " + hex.length() + " characters"
                    + (isHex(hex) ? ", an odd number" : ", not all of them hex digits"));
        }
        byte[] bytes = HexFormat.of().parseHex(hex);
        if (bytes.length != NameRegistration.LENGTH && bytes.length != Transfer.LENGTH) {
            throw malformed("a record is " + NameRegistration.LENGTH + " bytes (N, a name registration) or "
                    + Transfer.LENGTH + " (X, a transfer), not " + bytes.length);
        }
        try {
            return TxRecord.decode(bytes);
        } catch (MalformedTxException e) {
            throw malformed(e.getMessage());
        }
    }

    /** The checks {@link Mempool#precheckSignature} makes, here so a forgery costs the event loop nothing. */
    private void precheckSignature(TxRecord record) throws Exchanges.HttpError {
        try {
            Mempool.precheckSignature(record, ledger::confirmedKey);
        } catch (Accounts.RejectedException e) {
            throw rejection(e.reason(), e.getMessage());
        }
    }

    private static Exchanges.HttpError malformed(String why) {
        return rejection(Accounts.Reason.MALFORMED, why);
    }

    /** The status for a broken rule: 400 for the record itself, 409 for a conflict, 422 for the rest, 503 full. */
    static Exchanges.HttpError rejection(Accounts.Reason reason, String why) {
        int status = switch (reason) {
            case MALFORMED, BAD_SIGNATURE -> 400;
            case NAME_TAKEN, BAD_NONCE -> 409;
            case UNKNOWN_SENDER, INSUFFICIENT_FUNDS, ZERO_AMOUNT, SELF_TRANSFER -> 422;
            case MEMPOOL_FULL -> 503;
        };
        return new Exchanges.HttpError(status, reason.text() + ": " + why, reason.code());
    }

    static boolean isHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.digit(s.charAt(i), 16) < 0 || s.charAt(i) > 'f') {
                return false;
            }
        }
        return true;
    }
}
