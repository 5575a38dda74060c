package dev.minepool.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Server-Sent Events with a reader that keeps up and one that stalls: the stalled one is dropped, alone. */
@Timeout(60) // a hang guard only
class EventHubTest {
    HttpServer server;
    EventHub hub;
    String url;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        hub = new EventHub(8);
        server.createContext("/api/events", hub);
        server.start();
        url = "http://127.0.0.1:" + server.getAddress().getPort() + "/api/events";
    }

    @AfterEach
    void stop() {
        hub.close();
        server.stop(0);
    }

    /** The data lines of the events a reader gets, as they arrive. */
    BlockingQueue<String> reader() throws Exception {
        BlockingQueue<String> data = new LinkedBlockingQueue<>();
        HttpResponse<Stream<String>> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                .build(), HttpResponse.BodyHandlers.ofLines());
        assertThat(response.headers().firstValue("content-type")).hasValue("text/event-stream; charset=utf-8");
        Thread t = new Thread(() -> response.body().forEach(line -> {
            if (line.startsWith("event: ") || line.startsWith("data: ")) {
                data.add(line);
            }
        }), "test-sse-reader");
        t.setDaemon(true);
        t.start();
        return data;
    }

    @Test
    void aNewReaderGetsTheGreetingAndThenEveryEventInOrder() throws Exception {
        hub.greeting(EventHub.frame("stats", "{\"height\":7}"));
        BlockingQueue<String> lines = reader();
        assertThat(lines.poll(10, TimeUnit.SECONDS)).isEqualTo("event: stats");
        assertThat(lines.poll(10, TimeUnit.SECONDS)).isEqualTo("data: {\"height\":7}");
        hub.publish("block", "{\"height\":8}");
        assertThat(lines.poll(10, TimeUnit.SECONDS)).isEqualTo("event: block");
        assertThat(lines.poll(10, TimeUnit.SECONDS)).isEqualTo("data: {\"height\":8}");
    }

    @Test
    void aStalledReaderIsDroppedWhileTheOtherGetsEverything() throws Exception {
        BlockingQueue<String> good = reader();
        try (Socket stalled = new Socket()) {
            stalled.setReceiveBufferSize(4096);
            stalled.connect(new InetSocketAddress("127.0.0.1", server.getAddress().getPort()), 5000);
            stalled.getOutputStream().write(("GET /api/events HTTP/1.1\r\nHost: x\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            // never read from here on, until the end
            while (hub.clients() < 2) {
                assertThat(good.poll(10, TimeUnit.MILLISECONDS)).as("no event yet").isNull();
            }
            String payload = "\"" + "x".repeat(64 * 1024) + "\"";
            int events = 400; // 26 MB: far more than the stalled reader's socket buffers hold
            for (int i = 0; i < events; i++) {
                hub.publish("tick", payload);
                // The good reader keeps up, paced by what it has read: at most one event waits for it.
                assertThat(good.poll(10, TimeUnit.SECONDS)).as("event %d reached the good reader", i)
                        .isEqualTo("event: tick");
                assertThat(good.poll(10, TimeUnit.SECONDS)).startsWith("data: \"xxx");
            }
            assertThat(hub.dropped()).as("the stalled reader was dropped").isEqualTo(1);
            assertThat(hub.clients()).as("the good reader stays").isEqualTo(1);
            // The stalled reader, reading at last, finds the end of its stream: its connection was closed.
            stalled.setSoTimeout(10_000);
            InputStream in = stalled.getInputStream();
            byte[] buffer = new byte[1 << 16];
            try {
                while (in.read(buffer) >= 0) {
                    // drain what was sent before the drop
                }
            } catch (java.net.SocketException reset) {
                // closed with unread data on the pool's side: a reset is an end too
            }
        }
    }
}
