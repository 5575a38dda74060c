package dev.minepool.client.api;

import dev.minepool.protocol.MinerName;
import dev.minepool.protocol.ledger.TxRecord;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;

/**
 * The pool's JSON API as the wallet and the verifier use it (README, "The JSON API"): one method per request,
 * every answer checked and turned into {@link JsonValue}, every error into an {@link ApiException} carrying the
 * pool's own sentence. {@code java.net.http} only; thread-safe (the verifier's thread shares nothing else with
 * the miner).
 */
public final class PoolApi {
    /** The pool's default {@code --http}: the wallet talks to the pool on this machine unless told otherwise. */
    public static final String DEFAULT_URL = "http://127.0.0.1:8080/";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);
    /** Far more than any answer of the API (a block of 65,535 data bytes is 131 KB of hex); a bound all the same. */
    private static final int MAX_BODY_BYTES = 16 << 20;

    private final URI base;
    private final HttpClient http;

    private PoolApi(URI base) {
        this.base = base;
        this.http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /**
     * @param url the pool's HTTP address, such as {@code http://127.0.0.1:8080/} (a path prefix is kept)
     * @throws IllegalArgumentException with a sentence, for anything but an http or https URL with a host
     */
    public static PoolApi of(String url) {
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + url + "' is not a URL (" + e.getReason() + ")");
        }
        if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                || uri.getHost() == null) {
            throw new IllegalArgumentException("'" + url + "' is not an http:// URL with a host, such as "
                    + DEFAULT_URL);
        }
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (!path.endsWith("/")) {
            path += "/";
        }
        return new PoolApi(uri.resolve(path));
    }

    /** The base URL, as it is printed. */
    public String url() {
        return base.toString();
    }

    /** {@code GET /api/accounts/{name}}: balances, the bound key, the next nonce, recent records. */
    public JsonValue account(MinerName name) throws ApiException {
        return get("api/accounts/" + pathSegment(name.value()));
    }

    /** {@code POST /api/transactions}: the record's txid once the pool holds it as pending. */
    public String submit(TxRecord record) throws ApiException {
        String body = "{\"tx\":\"" + HexFormat.of().formatHex(record.toBytes()) + "\"}";
        JsonValue answer = send(HttpRequest.newBuilder(base.resolve("api/transactions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)), "POST /api/transactions");
        String txid = answer.get("txid").string();
        if (!txid.equals(record.txidHex())) {
            throw ApiException.badAnswer("the pool answered with txid " + txid + ", but the record's is "
                    + record.txidHex());
        }
        return txid;
    }

    /** {@code GET /api/transactions/{txid}}. */
    public JsonValue transaction(String txid) throws ApiException {
        return get("api/transactions/" + txid);
    }

    /** {@code GET /api/pool}: the tip and the consensus rules. */
    public JsonValue pool() throws ApiException {
        return get("api/pool");
    }

    /** {@code GET /api/balances}: every name's coins and the height they are at. */
    public JsonValue balances() throws ApiException {
        return get("api/balances");
    }

    /** {@code GET /api/blocks/{height}}: one block with its job data. */
    public JsonValue block(long height) throws ApiException {
        return get("api/blocks/" + height);
    }

    /**
     * {@code GET /api/blocks?from=&limit=&data=true}: up to {@code limit} blocks from {@code from} down, newest
     * first, each with its job data. A pool older than this form answers without the data.
     */
    public JsonValue blocksWithData(long from, int limit) throws ApiException {
        return get("api/blocks?from=" + from + "&limit=" + limit + "&data=true");
    }

    public JsonValue get(String relative) throws ApiException {
        return send(HttpRequest.newBuilder(base.resolve(relative)).GET(), "GET /" + relative);
    }

    private JsonValue send(HttpRequest.Builder request, String what) throws ApiException {
        HttpResponse<InputStream> response;
        try {
            response = http.send(request.timeout(REQUEST_TIMEOUT).header("Accept", "application/json").build(),
                    HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpConnectTimeoutException e) {
            throw ApiException.unreachable("cannot reach the pool at " + url() + ": no connection within "
                    + CONNECT_TIMEOUT.toSeconds() + " s");
        } catch (HttpTimeoutException e) {
            throw ApiException.unreachable("the pool at " + url() + " did not answer " + what + " within "
                    + REQUEST_TIMEOUT.toSeconds() + " s");
        } catch (ConnectException e) {
            throw ApiException.unreachable("cannot reach the pool at " + url()
                    + " (connection refused); is it running, with --http on that address?");
        } catch (IOException e) {
            throw ApiException.unreachable("cannot reach the pool at " + url() + " (" + e + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unreachable("interrupted while waiting for the pool");
        }
        String text;
        try (InputStream in = response.body()) {
            byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
            if (bytes.length > MAX_BODY_BYTES) {
                throw ApiException.badAnswer("the pool's answer to " + what + " is larger than "
                        + (MAX_BODY_BYTES >> 20) + " MiB");
            }
            text = new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw ApiException.unreachable("the pool's answer to " + what + " broke off (" + e + ")");
        }
        int status = response.statusCode();
        JsonValue json;
        try {
            json = JsonValue.parse(text, what);
        } catch (ApiException e) {
            if (status / 100 != 2) {
                throw ApiException.refused(status, "the pool answered " + what + " with HTTP " + status
                        + " and no JSON; is " + url() + " a minepool pool?", null);
            }
            throw e;
        }
        if (status / 100 != 2) {
            String sentence = json.has("error") ? json.get("error").string() : "HTTP " + status;
            String reason = json.has("reason") ? json.get("reason").stringOrNull() : null;
            throw ApiException.refused(status, sentence, reason);
        }
        return json;
    }

    /** A name as one path segment: percent-encoded UTF-8, a space as %20 (URLEncoder's '+' is a form's). */
    static String pathSegment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
