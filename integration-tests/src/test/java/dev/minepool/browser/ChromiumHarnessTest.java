package dev.minepool.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The browser harness against pages served by the JDK's HTTP server on loopback, as the pool's dashboard will
 * be: a page that changes after it has loaded, one fed by server-sent events, one full of errors. One browser
 * for the class, a fresh tab per test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChromiumHarnessTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    /** A miner name that is also markup: the page must show these characters, not a bold x. */
    private static final String MARKUP_NAME = "<b>x</b>\"&";

    private Chromium chromium;
    private Page page;
    private HttpServer server;
    private ExecutorService serverThreads;
    private final CountDownLatch releaseState = new CountDownLatch(1);
    private final CountDownLatch eventStreamOpened = new CountDownLatch(1);
    private final BlockingQueue<String> events = new LinkedBlockingQueue<>();

    @BeforeEach
    void openTab() throws IOException {
        Path binary = BrowserAvailability.assumeChromium();
        if (chromium == null) {
            chromium = Chromium.launch(binary);
        }
        page = chromium.newPage();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        // Not the server's own single thread: the event stream and the held /state each keep one busy.
        serverThreads = Executors.newCachedThreadPool();
        server.setExecutor(serverThreads);
        server.createContext("/", exchange -> respond(exchange, 404, "text/plain", "no such page"));
        server.createContext("/delayed", exchange -> respond(exchange, 200, "text/html", DELAYED_PAGE));
        server.createContext("/state", this::state);
        server.createContext("/live", exchange -> respond(exchange, 200, "text/html", LIVE_PAGE));
        server.createContext("/events", this::eventStream);
        server.createContext("/broken", exchange -> respond(exchange, 200, "text/html", BROKEN_PAGE));
        server.start();
    }

    @AfterEach
    void closeTab() {
        if (server != null) {
            server.stop(0);
            serverThreads.shutdownNow();
        }
        if (page != null) {
            page.close();
        }
    }

    @AfterAll
    void closeBrowser() {
        if (chromium != null) {
            chromium.close();
        }
    }

    private static final String DELAYED_PAGE = """
            <!doctype html>
            <html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>delayed</title></head>
            <body>
              <p>height <span id="height">0</span>, won by <span id="winner">nobody</span></p>
              <script>
                // The server answers /state when the test lets it: the change comes after the load, from script.
                fetch('/state').then(response => response.json()).then(state => {
                  document.getElementById('height').textContent = state.height;
                  document.getElementById('winner').textContent = state.winner;
                });
              </script>
            </body></html>
            """;

    @Test
    void seesAChangeMadeAfterTheLoadWithoutAReloadAndShowsMarkupAsText() throws Exception {
        page.navigate(url("/delayed"));
        page.markDocument();
        assertThat(page.textOf("#height")).isEqualTo("0");

        releaseState.countDown();
        page.awaitTrue("document.getElementById('height').textContent === '1'", WAIT);

        assertThat(page.isMarkedDocument()).as("the page changed in place, without a reload").isTrue();
        assertThat(page.textOf("#winner")).isEqualTo(MARKUP_NAME);
        assertThat(page.count("b")).as("<b> elements: the name must be text, not markup").isZero();
        Path png = page.screenshot(Path.of("target", "harness.png"));
        assertThat(pngSize(png)).as("PNG width and height").containsExactly(Chromium.WIDTH, Chromium.HEIGHT);
        assertThat(page.errors()).as("errors in the page").isEmpty();
    }

    private static final String LIVE_PAGE = """
            <!doctype html>
            <html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>live</title></head>
            <body>
              <p>height <span id="height">0</span>, won by <span id="winner">nobody</span></p>
              <script>
                window.source = new EventSource('/events');
                source.addEventListener('block', event => {
                  const block = JSON.parse(event.data);
                  document.getElementById('height').textContent = block.height;
                  document.getElementById('winner').textContent = block.winner;
                });
              </script>
            </body></html>
            """;

    @Test
    void serverSentEventsUpdateThePageInPlace() throws Exception {
        page.navigate(url("/live"));
        page.markDocument();
        assertThat(eventStreamOpened.await(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .as("the page opened /events").isTrue();
        page.awaitTrue("source.readyState === EventSource.OPEN", WAIT);

        events.add(block(7, MARKUP_NAME));
        page.awaitTrue("document.getElementById('height').textContent === '7'", WAIT);
        assertThat(page.textOf("#winner")).isEqualTo(MARKUP_NAME);
        assertThat(page.count("b")).as("<b> elements").isZero();

        events.add(block(8, "alice"));
        page.awaitTrue("document.getElementById('height').textContent === '8'", WAIT);
        assertThat(page.textOf("#winner")).isEqualTo("alice");

        assertThat(page.isMarkedDocument()).as("the page changed in place, without a reload").isTrue();
        assertThat(page.errors()).as("errors in the page").isEmpty();
    }

    private static final String BROKEN_PAGE = """
            <!doctype html>
            <html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>broken</title></head>
            <body>
              <img src="/missing.png" onerror="setTimeout(() => { window.done = true; }, 0)">
              <script>
                console.error('boom', 42);
                setTimeout(() => { throw new Error('late failure'); }, 0);
              </script>
            </body></html>
            """;

    @Test
    void collectsThePagesErrorsAndSaysWhatItWaitedFor() {
        page.navigate(url("/broken"));
        page.awaitTrue("window.done === true", WAIT);

        assertThat(page.errors()).anySatisfy(e -> assertThat(e).contains("console.error: boom 42"))
                .anySatisfy(e -> assertThat(e).contains("uncaught Error: late failure"))
                .anySatisfy(e -> assertThat(e).contains("404").contains("/missing.png"));
        assertThatThrownBy(() -> page.awaitTrue("document.querySelector('#nothing').textContent === 'x'",
                Duration.ofMillis(200)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("within 200 ms: document.querySelector('#nothing')")
                .hasMessageContaining("TypeError");
        assertThatThrownBy(() -> page.textOf("#nothing")).hasMessage("no element in the page matches #nothing");
        assertThatThrownBy(() -> page.evaluate("null.height")).hasMessageContaining("TypeError");
        assertThat(page.evaluate("({ height: 7, winner: 'bob', tags: [1.5, true, null] })"))
                .isEqualTo(Map.of("height", 7L, "winner", "bob",
                        "tags", Arrays.asList(1.5, true, null)));
    }

    @Test
    void closingTheBrowserLeavesNoProcessBehind() throws IOException {
        Chromium own = Chromium.launch(BrowserAvailability.assumeChromium());
        List<ProcessHandle> processes;
        try (own) {
            own.newPage().navigate(url("/delayed"));
            processes = own.processes();
            assertThat(processes).as("the browser and its helpers").hasSizeGreaterThan(1);
        }
        assertThat(processes).as("processes still alive after close").noneMatch(ProcessHandle::isAlive);
        assertThat(own.processes()).as("processes of that browser found after close").isEmpty();
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    private void state(HttpExchange exchange) throws IOException {
        try {
            // Held until the test has looked at the page as it loaded; bounded, so a failed test cannot hang it.
            releaseState.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        respond(exchange, 200, "application/json", Json.write(Map.of("height", 1, "winner", MARKUP_NAME)));
    }

    private void eventStream(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(200, 0); // chunked, open-ended
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(": stream open\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            eventStreamOpened.countDown();
            while (true) {
                out.write(events.take().getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (InterruptedException e) {
            // the server is stopping
        }
    }

    private static String block(int height, String winner) {
        return "event: block\ndata: " + Json.write(Map.of("height", height, "winner", winner)) + "\n\n";
    }

    private static void respond(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Width and height from a PNG's IHDR chunk, after checking the signature. */
    private static List<Integer> pngSize(Path png) throws IOException {
        byte[] bytes = Files.readAllBytes(png);
        assertThat(bytes).as("PNG signature").startsWith(0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n');
        ByteBuffer header = ByteBuffer.wrap(bytes, 16, 8).order(ByteOrder.BIG_ENDIAN);
        return List.of(header.getInt(), header.getInt());
    }
}
