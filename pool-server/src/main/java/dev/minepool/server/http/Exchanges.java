package dev.minepool.server.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * What every resource does the same way: GET (and POST where a resource takes it), JSON bodies, JSON errors with
 * the status, query values.
 */
final class Exchanges {
    private Exchanges() {
    }

    /** A request the API refuses: the status and a sentence for the caller. */
    static final class HttpError extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;
        /** The broken ledger rule's code ({@code bad-signature}), or null. */
        final String reason;

        HttpError(int status, String message) {
            this(status, message, null);
        }

        HttpError(int status, String message, String reason) {
            super(message, null, false, false);
            this.status = status;
            this.reason = reason;
        }
    }

    /** A resource: answers a GET (or HEAD) or throws an {@link HttpError}. */
    @FunctionalInterface
    interface Resource {
        void get(HttpExchange exchange) throws IOException, HttpError;
    }

    /** A resource that also takes a POST. */
    interface PostResource extends Resource {
        void post(HttpExchange exchange) throws IOException, HttpError;
    }

    /**
     * Wraps a resource: refuses other methods with 405, turns an {@link HttpError} into its JSON, and any other
     * failure into a 500 with one sentence: never a stack trace to the caller, and never a thread lost.
     */
    static HttpHandler handler(Resource resource) {
        return exchange -> {
            try {
                String method = exchange.getRequestMethod();
                if (method.equals("POST") && resource instanceof PostResource post) {
                    post.post(exchange);
                    return;
                }
                if (!method.equals("GET") && !method.equals("HEAD")) {
                    boolean posts = resource instanceof PostResource;
                    exchange.getResponseHeaders().set("Allow", posts ? "GET, HEAD, POST" : "GET, HEAD");
                    throw new HttpError(405, "method " + shorten(method) + " is not allowed here; use "
                            + (posts ? "GET or POST" : "GET"));
                }
                resource.get(exchange);
            } catch (HttpError e) {
                error(exchange, e.status, e.getMessage(), e.reason);
            } catch (IOException e) {
                // the caller went away: nothing to tell it
            } catch (RuntimeException e) {
                error(exchange, 500, "internal error: " + e.getClass().getSimpleName(), null);
            } finally {
                exchange.close();
            }
        };
    }

    /**
     * What follows {@code path + "/"} in {@code requested}, or null when {@code requested} is {@code path} itself,
     * with or without a trailing slash. The server routes by string prefix, so {@code /api/blocksX1} reaches the
     * resource of {@code /api/blocks}; such a path is no endpoint (404), not block 1.
     */
    static String below(String requested, String path) throws HttpError {
        if (requested.equals(path) || requested.equals(path + "/")) {
            return null;
        }
        if (!requested.startsWith(path + "/")) {
            throw new HttpError(404, "no such endpoint: " + shorten(requested));
        }
        return requested.substring(path.length() + 1);
    }

    /** A resource at exactly {@code path}: {@code /api/pool/x} is not {@code /api/pool}. */
    static Resource exact(String path, Resource resource) {
        if (resource instanceof PostResource post) {
            return new PostResource() {
                @Override
                public void get(HttpExchange exchange) throws IOException, HttpError {
                    check(exchange);
                    post.get(exchange);
                }

                @Override
                public void post(HttpExchange exchange) throws IOException, HttpError {
                    check(exchange);
                    post.post(exchange);
                }

                private void check(HttpExchange exchange) throws HttpError {
                    exactly(exchange, path);
                }
            };
        }
        return exchange -> {
            exactly(exchange, path);
            resource.get(exchange);
        };
    }

    private static void exactly(HttpExchange exchange, String path) throws HttpError {
        String requested = exchange.getRequestURI().getPath();
        if (below(requested, path) != null) {
            throw new HttpError(404, "no such endpoint: " + shorten(requested));
        }
    }

    static void json(HttpExchange exchange, int status, String body) throws IOException {
        send(exchange, status, "application/json; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
    }

    static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static void error(HttpExchange exchange, int status, String message, String reason) {
        try {
            Json json = new Json().beginObject().field("error", message);
            if (reason != null) {
                json.field("reason", reason);
            }
            json(exchange, status, json.endObject().toString());
        } catch (IOException | RuntimeException e) {
            // headers already sent, or the caller went away
        }
    }

    /** The query's parameters; a name given twice keeps its last value. */
    static Map<String, String> query(HttpExchange exchange) {
        Map<String, String> params = new HashMap<>();
        String raw = exchange.getRequestURI().getRawQuery();
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            params.put(URLDecoder.decode(name, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
        }
        return params;
    }

    /** A whole number in {@code min..max} from the query, or {@code otherwise} when absent; else a 400. */
    static long number(Map<String, String> query, String name, long otherwise, long min, long max) throws HttpError {
        String value = query.get(name);
        if (value == null) {
            return otherwise;
        }
        long n;
        try {
            n = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new HttpError(400, name + " must be a whole number from " + min + " to " + max + ", not '"
                    + shorten(value) + "'");
        }
        if (n < min || n > max) {
            throw new HttpError(400, name + " must be from " + min + " to " + max + ", not " + n);
        }
        return n;
    }

    /** A caller's text, cut short, for an error message (it is escaped as JSON when sent). */
    static String shorten(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }
}
