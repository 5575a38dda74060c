package dev.minepool.server.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code GET /api/events}: Server-Sent Events to any number of readers (up to {@value #MAX_CLIENTS}). Each reader
 * has its own bounded queue and its own writer thread, so a reader that stalls blocks nobody: when its queue of
 * {@value #QUEUE_LIMIT} events is full it is dropped (its connection closed), and it may reconnect. Publishing
 * never blocks. The events come from {@link EventFeed}, which watches the loop's snapshots, never the loop.
 */
final class EventHub implements HttpHandler, AutoCloseable {
    static final int MAX_CLIENTS = 256;
    static final int QUEUE_LIMIT = 256;
    /** A comment line this often keeps proxies from timing the stream out and finds readers that are gone. */
    private static final long KEEP_ALIVE_SECONDS = 15;

    private final int queueLimit;
    private final Set<Client> clients = ConcurrentHashMap.newKeySet();
    private final AtomicLong nextId = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private volatile String greeting = "";
    private volatile boolean closed;

    EventHub() {
        this(QUEUE_LIMIT);
    }

    /** @param queueLimit events that may wait for one reader before it is dropped */
    EventHub(int queueLimit) {
        this.queueLimit = queueLimit;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        if (!exchange.getRequestMethod().equals("GET")) {
            Exchanges.handler(e -> {
                throw new Exchanges.HttpError(405, "method " + e.getRequestMethod() + " is not allowed here; use GET");
            }).handle(exchange);
            return;
        }
        if (closed || clients.size() >= MAX_CLIENTS) {
            Exchanges.handler(e -> {
                throw new Exchanges.HttpError(503, "too many event streams open (" + MAX_CLIENTS + "); try later");
            }).handle(exchange);
            return;
        }
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.getResponseHeaders().set("X-Accel-Buffering", "no");
        exchange.sendResponseHeaders(200, 0); // chunked, open until either side ends it
        Client client = new Client(exchange, nextId.incrementAndGet());
        clients.add(client);
        client.queue.offer(("retry: 2000\n\n" + greeting).getBytes(StandardCharsets.UTF_8));
        client.writer.start();
        // returns: the exchange stays open, written by the client's own thread
    }

    /** The {@code stats} event a new reader gets first, so that a page can draw itself at once. */
    void greeting(String event) {
        greeting = event;
    }

    /** Sends one event to every reader; a reader whose queue is full is dropped. Never blocks. */
    void publish(String event, String json) {
        byte[] frame = frame(event, json).getBytes(StandardCharsets.UTF_8);
        for (Client client : clients) {
            if (!client.queue.offer(frame)) {
                dropped.incrementAndGet();
                client.drop();
            }
        }
    }

    /** {@code event: NAME}, then the data on one line (JSON has no raw newlines), then a blank line. */
    static String frame(String event, String json) {
        return "event: " + event + "\ndata: " + json + "\n\n";
    }

    int clients() {
        return clients.size();
    }

    /** Readers dropped for falling behind, since the start. */
    long dropped() {
        return dropped.get();
    }

    @Override
    public void close() {
        closed = true;
        for (Client client : clients) {
            client.drop();
        }
    }

    private final class Client implements Runnable {
        final HttpExchange exchange;
        final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(queueLimit);
        final Thread writer;
        private volatile boolean gone;

        Client(HttpExchange exchange, long id) {
            this.exchange = exchange;
            this.writer = new Thread(this, "sse-" + id);
            writer.setDaemon(true);
        }

        @Override
        public void run() {
            try (OutputStream out = exchange.getResponseBody()) {
                while (!gone) {
                    byte[] frame = queue.poll(KEEP_ALIVE_SECONDS, TimeUnit.SECONDS);
                    out.write(frame != null ? frame : ":\n\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // the reader went away, or was dropped
            } finally {
                drop();
                exchange.close(); // here, on this thread: closing can write, and must block nobody else
            }
        }

        /**
         * Ends the stream, from any thread, without blocking. The server's response stream writes to a blocking
         * SocketChannel, which is interruptible: a writer stuck on a reader that stopped reading is interrupted
         * out of its write, and the channel closed.
         */
        void drop() {
            if (!gone) {
                gone = true;
                clients.remove(this);
                writer.interrupt();
            }
        }
    }
}
