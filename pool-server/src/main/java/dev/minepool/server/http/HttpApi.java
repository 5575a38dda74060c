package dev.minepool.server.http;

import com.sun.net.httpserver.HttpServer;
import dev.minepool.server.ledger.Ledger;
import dev.minepool.server.status.PoolSnapshot;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The pool's HTTP side: the JSON API, {@code /metrics}, {@code /api/events} and the dashboard, on the JDK's
 * {@code com.sun.net.httpserver}. It reads only the loop's published {@link PoolSnapshot}s and the {@link Ledger},
 * on its own threads, so no request can hold or slow the event loop.
 *
 * <pre>
 *   GET /                    the dashboard
 *   GET /api/pool            the pool: tip, difficulty, miners, hash rate, uptime, version
 *   GET /api/miners          connected miners by name, fastest first (?offset=&amp;limit=)
 *   GET /api/blocks          blocks, newest first (?from=&amp;limit=); /api/blocks/{height}: one, with its data
 *   GET /api/balances        coins per miner name, from the ledger (rewards and transfers)
 *   POST /api/transactions   a signed record for the mempool; GET /api/transactions/{txid}: where it stands
 *   GET /api/accounts/{name} one account: balances, key, next nonce, recent records
 *   GET /api/events          Server-Sent Events: block, miner-joined, miner-left, stats
 *   GET /metrics             Prometheus text format
 * </pre>
 */
public final class HttpApi implements AutoCloseable {
    /** Waits for a snapshot newer than {@code sequence}; null on timeout. */
    @FunctionalInterface
    public interface SnapshotSource {
        PoolSnapshot await(long sequence, java.time.Duration timeout) throws InterruptedException;
    }

    private static final String NODELAY = "sun.net.httpserver.nodelay";

    /** Request threads; an event stream has a thread of its own and does not take one of these. */
    private static final int THREADS = 4;

    private final HttpServer server;
    private final ExecutorService executor;
    private EventHub hub;
    private EventFeed feed;

    private HttpApi(HttpServer server) {
        this.server = server;
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Binds now (so that a port in use is found before anything else starts); {@link #start} serves. */
    public static HttpApi bind(InetSocketAddress address) throws IOException {
        // The JDK's server writes a response's headers and body separately with Nagle's algorithm on, so the body
        // waits for the client's delayed ACK: ~40 ms on every request of a kept-alive connection (measured here:
        // /api/miners 44 ms, 1.9 ms with TCP_NODELAY). Read once, when its first server is made; an operator's
        // own -D setting wins.
        if (System.getProperty(NODELAY) == null) {
            System.setProperty(NODELAY, "true");
        }
        return new HttpApi(HttpServer.create(address, 128));
    }

    /** The address it listens on, with the real port when bound to port 0. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** Hands a record to the loop's mempool (see {@link dev.minepool.server.PoolServer#submit}). */
    @FunctionalInterface
    public interface Submitter {
        java.util.concurrent.CompletableFuture<dev.minepool.server.ledger.TxStatus> submit(
                dev.minepool.protocol.ledger.TxRecord record);
    }

    public void start(Supplier<PoolSnapshot> snapshots, SnapshotSource source, Ledger ledger, Submitter submitter,
                      dev.minepool.protocol.chain.DifficultyRule rule, String version) {
        MinersResource miners = new MinersResource(snapshots, ledger);
        hub = new EventHub();
        feed = new EventFeed(source, hub, miners, ledger);
        server.createContext("/", Exchanges.handler(new DashboardResource()));
        server.createContext("/api/", Exchanges.handler(exchange -> {
            throw new Exchanges.HttpError(404, "no such endpoint: " + Exchanges.shorten(exchange.getRequestURI()
                    .getPath()) + " (there are /api/pool, /api/miners, /api/blocks, /api/balances, /api/transactions, /api/accounts,"
                    + " /api/events)");
        }));
        server.createContext("/api/pool", Exchanges.handler(Exchanges.exact("/api/pool",
                new PoolResource(snapshots, ledger, rule, version))));
        server.createContext("/api/miners", Exchanges.handler(Exchanges.exact("/api/miners", miners)));
        server.createContext(BlocksResource.PATH, Exchanges.handler(new BlocksResource(ledger)));
        server.createContext("/api/balances", Exchanges.handler(Exchanges.exact("/api/balances",
                new BalancesResource(ledger))));
        server.createContext(TransactionsResource.PATH, Exchanges.handler(new TransactionsResource(ledger,
                submitter::submit)));
        server.createContext(AccountsResource.PATH, Exchanges.handler(new AccountsResource(ledger)));
        server.createContext("/api/events", hub);
        server.createContext("/metrics", Exchanges.handler(Exchanges.exact("/metrics", new MetricsResource(snapshots))));
        server.setExecutor(executor);
        server.start();
        feed.start();
    }

    @Override
    public void close() {
        if (feed != null) {
            feed.close();
        }
        if (hub != null) {
            hub.close();
        }
        server.stop(0);
        executor.shutdownNow();
    }
}
