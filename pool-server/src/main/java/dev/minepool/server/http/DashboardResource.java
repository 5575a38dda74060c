package dev.minepool.server.http;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * {@code GET /}: the live dashboard, one self-contained page shipped in the jar (no CDN, no build step). Its
 * Content-Security-Policy allows exactly the page's own inline script and style, by hash, and nothing from
 * elsewhere: even if a miner's name got into the page as markup, no script of its own could run.
 */
final class DashboardResource implements Exchanges.Resource {
    static final String PAGE = "dashboard.html";

    private final byte[] page;
    private final String policy;

    DashboardResource() {
        try (InputStream in = DashboardResource.class.getResourceAsStream(PAGE)) {
            if (in == null) {
                throw new IllegalStateException(PAGE + " is missing from the jar");
            }
            page = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String html = new String(page, StandardCharsets.UTF_8);
        policy = "default-src 'none'; connect-src 'self'; img-src 'self' data:; script-src "
                + hash(between(html, "<script>", "</script>")) + "; style-src " + hash(between(html, "<style>", "</style>"))
                + "; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    }

    @Override
    public void get(HttpExchange exchange) throws IOException, Exchanges.HttpError {
        String path = exchange.getRequestURI().getPath();
        if (!path.equals("/") && !path.equals("/index.html")) {
            throw new Exchanges.HttpError(404, "no such page or endpoint: " + Exchanges.shorten(path)
                    + " (the API is under /api, the metrics at /metrics)");
        }
        exchange.getResponseHeaders().set("Content-Security-Policy", policy);
        exchange.getResponseHeaders().set("Referrer-Policy", "no-referrer");
        Exchanges.send(exchange, 200, "text/html; charset=utf-8", page);
    }

    private static String between(String html, String open, String close) {
        int start = html.indexOf(open);
        int end = html.indexOf(close, start + 1);
        if (start < 0 || end < 0) {
            throw new IllegalStateException(PAGE + " has no " + open);
        }
        return html.substring(start + open.length(), end);
    }

    private static String hash(String inline) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(inline.getBytes(StandardCharsets.UTF_8));
            return "'sha256-" + Base64.getEncoder().encodeToString(digest) + "'";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
