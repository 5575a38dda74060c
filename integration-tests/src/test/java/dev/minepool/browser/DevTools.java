package dev.minepool.browser;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A client of the Chrome DevTools Protocol over one WebSocket to the browser, with the JDK's
 * {@link WebSocket}: a command goes out with an id and its answer completes the future kept under that id.
 * Pages are reached in flat mode ({@code Target.attachToTarget} with {@code flatten}), so a page's commands
 * and events travel on this socket too, tagged with its session id.
 *
 * <p>Event listeners run on the socket's receiving thread: they must not block, and must not wait for a
 * command's answer, which that same thread delivers.
 */
public final class DevTools implements AutoCloseable {
    /** Bounds every command; generous, because a screenshot on a loaded CI machine can take seconds. */
    public static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);

    /** An event: its method ({@code Page.loadEventFired}), its params, and the session it came from (or null). */
    public record Event(String method, Map<String, Object> params, String sessionId) {
    }

    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<Map<String, Object>>> pending = new ConcurrentHashMap<>();
    private final List<Consumer<Event>> listeners = new CopyOnWriteArrayList<>();
    private final WebSocket socket;
    private volatile String closedBecause;

    private DevTools(URI browserUrl) throws IOException {
        try {
            socket = HttpClient.newHttpClient().newWebSocketBuilder()
                    .connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(browserUrl, new Receiver())
                    .get(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("cannot open DevTools at " + browserUrl + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while opening DevTools at " + browserUrl, e);
        }
    }

    /** Connects to the browser's endpoint, the {@code ws://127.0.0.1:PORT/devtools/browser/ID} it printed. */
    public static DevTools connect(URI browserUrl) throws IOException {
        return new DevTools(browserUrl);
    }

    /** A browser-wide command; waits for its result, at most {@link #COMMAND_TIMEOUT}. */
    public Map<String, Object> call(String method, Map<String, ?> params) {
        return call(null, method, params, COMMAND_TIMEOUT);
    }

    /**
     * A command to one session (a page), or to the browser when {@code sessionId} is null; waits at most
     * {@code timeout} for its result and throws {@link DevToolsException} for an error answer.
     */
    public Map<String, Object> call(String sessionId, String method, Map<String, ?> params, Duration timeout) {
        try {
            return send(sessionId, method, params).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new DevToolsException(method + " got no answer within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof DevToolsException cause) {
                throw new DevToolsException(cause.getMessage(), e);
            }
            throw new DevToolsException(method + " failed: " + e.getCause(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DevToolsException("interrupted waiting for " + method, e);
        }
    }

    /** Sends a command; the future completes with its result, or exceptionally with the browser's error. */
    public CompletableFuture<Map<String, Object>> send(String sessionId, String method, Map<String, ?> params) {
        long id = ids.incrementAndGet();
        CompletableFuture<Map<String, Object>> result = new CompletableFuture<>();
        pending.put(id, result);
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("id", id);
        message.put("method", method);
        message.put("params", params);
        if (sessionId != null) {
            message.put("sessionId", sessionId);
        }
        if (closedBecause != null) {
            fail(id, closedBecause);
            return result;
        }
        // The JDK's WebSocket allows one outstanding send at a time; commands are few, so take turns.
        synchronized (socket) {
            socket.sendText(Json.write(message), true).exceptionally(e -> {
                fail(id, "cannot send " + method + ": " + e);
                return null;
            }).join();
        }
        return result;
    }

    /** Calls {@code listener} with every event from now on, until the returned handle is run. */
    public Runnable onEvent(Consumer<Event> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** The next event that satisfies {@code which}; the caller waits on it with a timeout. */
    public CompletableFuture<Event> nextEvent(Predicate<Event> which) {
        CompletableFuture<Event> next = new CompletableFuture<>();
        Runnable stop = onEvent(event -> {
            if (which.test(event)) {
                next.complete(event);
            }
        });
        return next.whenComplete((event, e) -> stop.run());
    }

    @Override
    public void close() {
        shutDown("the DevTools connection was closed");
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").exceptionally(e -> null);
        socket.abort();
    }

    private void shutDown(String why) {
        if (closedBecause == null) {
            closedBecause = why;
        }
        pending.keySet().forEach(id -> fail(id, why));
    }

    private void fail(long id, String why) {
        CompletableFuture<Map<String, Object>> future = pending.remove(id);
        if (future != null) {
            future.completeExceptionally(new DevToolsException(why));
        }
    }

    @SuppressWarnings("unchecked")
    private void dispatch(String text) {
        Map<String, Object> message = Json.parseObject(text);
        Object id = message.get("id");
        if (id instanceof Number number) {
            CompletableFuture<Map<String, Object>> future = pending.remove(number.longValue());
            if (future == null) {
                return;
            }
            if (message.get("error") instanceof Map<?, ?> error) {
                future.completeExceptionally(new DevToolsException(
                        "DevTools error " + error.get("code") + ": " + error.get("message")
                                + (error.containsKey("data") ? " (" + error.get("data") + ")" : "")));
            } else {
                Object result = message.get("result");
                future.complete(result instanceof Map ? (Map<String, Object>) result : Map.of());
            }
            return;
        }
        Object params = message.get("params");
        Event event = new Event((String) message.get("method"),
                params instanceof Map ? (Map<String, Object>) params : Map.of(), (String) message.get("sessionId"));
        for (Consumer<Event> listener : listeners) {
            listener.accept(event);
        }
    }

    /** Puts fragments together: Chromium sends a large answer, a screenshot, as several frames. */
    private final class Receiver implements WebSocket.Listener {
        private final StringBuilder message = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            message.append(data);
            if (last) {
                String text = message.toString();
                message.setLength(0);
                try {
                    dispatch(text);
                } catch (RuntimeException e) {
                    // One bad message or listener must not stop every later answer from arriving.
                    System.err.println("DevTools: cannot handle a message: " + e);
                }
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            shutDown("the browser closed the DevTools connection (" + statusCode + " " + reason + ")");
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            shutDown("the DevTools connection failed: " + error);
        }
    }

    /** A command the browser answered with an error, or did not answer in time. */
    public static final class DevToolsException extends RuntimeException {
        DevToolsException(String message) {
            super(message);
        }

        DevToolsException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
