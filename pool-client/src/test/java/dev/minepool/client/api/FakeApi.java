package dev.minepool.client.api;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A stand-in for the pool's HTTP API on a loopback port: each path answers what the test says, and every request
 * is recorded, so the wallet's and the verifier's requests and reactions are tested without a pool.
 */
public final class FakeApi implements AutoCloseable {
    /** One answer: an HTTP status and a JSON body. */
    public record Answer(int status, String body) {
    }

    /** One request as it arrived. */
    public record Request(String method, String path, String body) {
    }

    private final HttpServer server;
    private final Map<String, Function<Request, Answer>> routes = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();

    public FakeApi() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    /** What {@code method path} (the raw path and query, such as {@code GET /api/blocks/3}) answers. */
    public FakeApi on(String methodAndPath, Function<Request, Answer> answer) {
        routes.put(methodAndPath, answer);
        return this;
    }

    public FakeApi on(String methodAndPath, int status, String body) {
        return on(methodAndPath, request -> new Answer(status, body));
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String path = exchange.getRequestURI().getRawPath()
                + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery());
        Request request = new Request(exchange.getRequestMethod(), path, body);
        requests.add(request);
        Function<Request, Answer> route = routes.get(request.method() + " " + path);
        Answer answer = route == null ? new Answer(404, "{\"error\":\"no route " + path + " in the fake\"}")
                : route.apply(request);
        byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(answer.status(), bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
