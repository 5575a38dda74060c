package dev.minepool.browser;

import dev.minepool.browser.DevTools.DevToolsException;
import dev.minepool.browser.DevTools.Event;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * One browser tab, as a test sees it: load a URL, run JavaScript, wait for a condition in the page, read text,
 * take a screenshot. From the moment it is opened it collects the page's errors (uncaught exceptions, rejected
 * promises, {@code console.error}, failed loads), so that a test can assert that there were none.
 */
public final class Page implements AutoCloseable {
    public static final Duration LOAD_TIMEOUT = Duration.ofSeconds(30);
    /** Added to a call's own wait, for the round trip and a busy machine. */
    private static final Duration SLACK = Duration.ofSeconds(10);

    private final DevTools devTools;
    private final String sessionId;
    private final List<String> errors = new ArrayList<>();
    private final Runnable stopListening;
    private final String mark = UUID.randomUUID().toString();

    Page(DevTools devTools, String sessionId) {
        this.devTools = devTools;
        this.sessionId = sessionId;
        stopListening = devTools.onEvent(event -> {
            if (sessionId.equals(event.sessionId())) {
                collectError(event);
            }
        });
        call("Page.enable", Map.of());
        call("Runtime.enable", Map.of());
        call("Log.enable", Map.of());
    }

    /** Loads {@code url} and returns once its load event has fired; fails if it cannot be loaded. */
    public void navigate(String url) {
        CompletableFuture<Event> loaded = devTools.nextEvent(
                event -> sessionId.equals(event.sessionId()) && event.method().equals("Page.loadEventFired"));
        Map<String, Object> result = call("Page.navigate", Map.of("url", url));
        if (result.get("errorText") instanceof String error && !error.isEmpty()) {
            loaded.cancel(false);
            throw new AssertionError("cannot load " + url + ": " + error);
        }
        try {
            loaded.get(LOAD_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            loaded.cancel(false);
            throw new AssertionError(url + " did not finish loading within " + LOAD_TIMEOUT.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while loading " + url, e);
        }
    }

    /**
     * Runs {@code javascript} in the page and returns its value as JSON would carry it (a {@code Long} or
     * {@code Double}, {@code String}, {@code Boolean}, {@code List}, {@code Map}, or null for undefined). A
     * promise is awaited. A script that throws fails the call with the page's message.
     */
    public Object evaluate(String javascript) {
        return evaluate(javascript, DevTools.COMMAND_TIMEOUT);
    }

    private Object evaluate(String javascript, Duration timeout) {
        Map<String, Object> answer = devTools.call(sessionId, "Runtime.evaluate",
                Map.of("expression", javascript, "returnByValue", true, "awaitPromise", true), timeout);
        if (answer.get("exceptionDetails") instanceof Map<?, ?> details) {
            throw new DevToolsException("the page threw " + describeException(details) + " running: " + javascript);
        }
        Map<?, ?> result = (Map<?, ?>) answer.get("result");
        // NaN, Infinity, -0 and BigInts have no JSON form; the browser sends them as text.
        return result.containsKey("unserializableValue") ? result.get("unserializableValue") : result.get("value");
    }

    /**
     * Waits until the JavaScript expression {@code condition} is truthy in the page, for at most
     * {@code timeout}; fails with the condition (and what it last threw, if it threw) when time runs out.
     * The page itself re-evaluates it every 20 ms and answers once, so this is one DevTools call. An
     * expression that throws, because the element it reads is not there yet, say, counts as not true yet.
     */
    public void awaitTrue(String condition, Duration timeout) {
        String poll = """
                new Promise(resolve => {
                  const condition = () => (
                %s
                  );
                  const deadline = Date.now() + %d;
                  let lastError = null;
                  const check = () => {
                    try {
                      if (condition()) { resolve({ ok: true }); return; }
                      lastError = null;
                    } catch (e) {
                      lastError = String(e);
                    }
                    if (Date.now() >= deadline) resolve({ ok: false, lastError });
                    else setTimeout(check, 20);
                  };
                  check();
                })""".formatted(condition, timeout.toMillis());
        Map<?, ?> outcome = (Map<?, ?>) evaluate(poll, timeout.plus(SLACK));
        if (!Boolean.TRUE.equals(outcome.get("ok"))) {
            Object lastError = outcome.get("lastError");
            throw new AssertionError("the page did not make this true within " + timeout.toMillis() + " ms: "
                    + condition + (lastError == null ? "" : " (it last threw " + lastError + ")"));
        }
    }

    /** The {@code textContent} of the first element matching the CSS {@code selector}; fails if there is none. */
    public String textOf(String selector) {
        Object text = evaluate("(() => { const e = document.querySelector(" + Json.write(selector) + ");"
                + " return e === null ? null : e.textContent; })()");
        if (text == null) {
            throw new AssertionError("no element in the page matches " + selector);
        }
        return (String) text;
    }

    /** How many elements match the CSS {@code selector}. */
    public int count(String selector) {
        return ((Number) evaluate("document.querySelectorAll(" + Json.write(selector) + ").length")).intValue();
    }

    /** Saves what the tab shows as a PNG (creating its directory) and returns {@code png}. */
    public Path screenshot(Path png) throws IOException {
        Map<String, Object> shot = call("Page.captureScreenshot", Map.of("format", "png"));
        byte[] bytes = Base64.getDecoder().decode((String) shot.get("data"));
        Path dir = png.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        return Files.write(png, bytes);
    }

    /**
     * Marks the document now in the tab, so that {@link #isMarkedDocument()} can tell later whether it is
     * still the same one: a reload or a navigation drops the mark. For "it changed without a reload".
     */
    public void markDocument() {
        evaluate("window.minepoolHarnessMark = " + Json.write(mark));
    }

    /** Whether the document marked by {@link #markDocument()} is still the one in the tab. */
    public boolean isMarkedDocument() {
        return Boolean.TRUE.equals(evaluate("window.minepoolHarnessMark === " + Json.write(mark)));
    }

    /** The page's errors so far, one line each, oldest first. */
    public List<String> errors() {
        synchronized (errors) {
            return List.copyOf(errors);
        }
    }

    /** A command to this tab, for what this class has no method for. */
    public Map<String, Object> call(String method, Map<String, ?> params) {
        return devTools.call(sessionId, method, params, DevTools.COMMAND_TIMEOUT);
    }

    @Override
    public void close() {
        stopListening.run();
        devTools.call(sessionId, "Page.close", Map.of(), DevTools.COMMAND_TIMEOUT);
    }

    private void collectError(Event event) {
        Map<String, Object> params = event.params();
        String error = switch (event.method()) {
            case "Runtime.exceptionThrown" -> "uncaught " + describeException((Map<?, ?>) params.get("exceptionDetails"));
            case "Runtime.consoleAPICalled" -> List.of("error", "assert").contains(params.get("type"))
                    ? "console." + params.get("type") + ": " + describeArguments((List<?>) params.get("args"))
                    : null;
            case "Log.entryAdded" -> {
                Map<?, ?> entry = (Map<?, ?>) params.get("entry");
                yield "error".equals(entry.get("level"))
                        ? entry.get("source") + ": " + entry.get("text")
                                + (entry.get("url") == null ? "" : " (" + entry.get("url") + ")")
                        : null;
            }
            default -> null;
        };
        if (error != null) {
            synchronized (errors) {
                errors.add(error);
            }
        }
    }

    private static String describeException(Map<?, ?> details) {
        Object exception = details.get("exception");
        String what = exception instanceof Map<?, ?> thrown && thrown.get("description") != null
                ? String.valueOf(thrown.get("description"))
                : String.valueOf(details.get("text"));
        if (!(details.get("url") instanceof String url) || url.isEmpty()) {
            return what;
        }
        return details.get("lineNumber") instanceof Number line ? what + " at " + url + ":" + (line.longValue() + 1)
                : what + " at " + url;
    }

    private static String describeArguments(List<?> args) {
        return args.stream().map(arg -> {
            Map<?, ?> remote = (Map<?, ?>) arg;
            return String.valueOf(remote.containsKey("value") ? remote.get("value") : remote.get("description"));
        }).collect(Collectors.joining(" "));
    }
}
