package dev.minepool.server;

import dev.minepool.server.chain.Block;
import dev.minepool.server.chain.ChainFile;
import dev.minepool.protocol.chain.Difficulty;
import dev.minepool.protocol.chain.DifficultyRule;
import dev.minepool.server.chain.RuleMismatchException;
import dev.minepool.server.http.HttpApi;
import dev.minepool.server.ledger.Ledger;
import dev.minepool.server.ledger.Mempool;
import dev.minepool.server.ledger.MempoolFile;
import dev.minepool.server.ledger.MempoolWriter;
import dev.minepool.server.ledger.TxStatus;
import dev.minepool.protocol.MinerName;
import dev.minepool.protocol.ledger.Accounts;
import dev.minepool.protocol.ledger.TxRecord;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import dev.minepool.server.loop.EventLoop;
import dev.minepool.server.rules.BlockSink;
import dev.minepool.server.status.PoolSnapshot;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Clock;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A pool server in one object: binds, opens the chain, and runs the {@link EventLoop} on its own thread, which
 * hands {@code G} and {@code S} to the rules ({@link dev.minepool.server.rules.Referee}) and publishes a
 * {@link PoolSnapshot} that any thread may read.
 *
 * <p>Used by the command line ({@link PoolServerMain}) and in-process by tests of this and other modules:
 *
 * <pre>{@code
 * try (PoolServer pool = new PoolServer(PoolConfig.forTest(tempDir.resolve("chain.dat"), 12))) {
 *     pool.start();                       // returns once listening
 *     connect to 127.0.0.1:pool.port() ...
 *     pool.awaitBlocks(1, Duration.ofSeconds(10));
 * }                                       // Q to everyone, chain closed
 * }</pre>
 */
public final class PoolServer implements AutoCloseable {
    /** How long {@link #close()} waits for the loop to say goodbye and stop. */
    static final Duration STOP_WAIT = Duration.ofSeconds(5);

    private final PoolConfig config;
    private final PoolLog log;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Object snapshotMonitor = new Object();
    private volatile PoolSnapshot snapshot;
    private volatile InetSocketAddress boundAddress;
    private volatile boolean failed;
    private boolean started; // guarded by this
    private volatile EventLoop loop;
    private Thread loopThread;
    private ChainFile chain;
    private Ledger ledger;
    private Mempool mempool;
    private MempoolWriter mempoolWriter;
    /** Loop only: records in the mempool file, live or not, as far as the loop knows (for compaction). */
    private long mempoolFileRecords;
    private HttpApi http;

    /**
     * The mempool file is rewritten with just the pending records once it holds more than twice as many records as
     * are pending, plus this many: bounded by 2 x {@value Mempool#MAX_RECORDS} + this, about 2.3 MB, and never
     * rewritten for a handful of stale records.
     */
    static final int COMPACTION_SLACK = 1024;

    public PoolServer(PoolConfig config) {
        this.config = config;
        this.log = config.log();
    }

    public PoolConfig config() {
        return config;
    }

    /**
     * Binds, then opens and verifies the chain, then starts the event loop; returns once the pool is listening.
     * Binding comes first, so that a wrong address or a port in use leaves no new chain file behind.
     *
     * @throws CannotListenException if the address cannot be bound (one sentence)
     * @throws RuleMismatchException if the chain file records a difficulty rule the configuration cannot extend
     * @throws IOException           if the chain file is corrupt (naming the record) or cannot be used
     */
    public synchronized void start() throws IOException {
        if (started) {
            throw new IllegalStateException("the pool server was already started");
        }
        started = true;
        ServerSocketChannel listener = listen();
        try {
            http = listenHttp();
            chain = ChainFile.open(config.chainFile(), config.difficultyRule(), log);
            ledger = Ledger.load(config.chainFile(), chain.transactionsFrom(), chain.balances().copy());
            mempool = new Mempool(chain::balances, ledger);
            mempoolWriter = restoreMempool();
            loop = new EventLoop(config, listener, new BlockSink() {
                @Override
                public ChainFile.Tip tip() {
                    return chain.tip();
                }

                @Override
                public Difficulty difficulty() {
                    return chain.difficulty();
                }

                @Override
                public long transactionsFrom() {
                    return chain.transactionsFrom();
                }

                @Override
                public List<TxRecord> append(Block block) throws IOException {
                    return chain.append(block); // the write and its force, and nothing else before the A
                }

                @Override
                public void announced(Block block, List<TxRecord> records) {
                    // After the force: the API shows only blocks that are on disk, and a record is confirmed
                    // only then. After the miners' news too, since the copy of the balances and the mempool's
                    // re-check grow with the accounts and the pending records (see BENCHMARKS.md, issue 14).
                    ledger.append(block, records, chain.balances().copy());
                    mempool.blockOnDisk(MinerName.parse(block.winner()), records);
                    compactMempoolFileIfDue();
                    if (!records.isEmpty()) {
                        log.info("block " + block.height() + " confirmed " + PoolLog.count(records.size(),
                                "transaction") + "; " + PoolLog.count(mempool.size(), "record") + " pending");
                    }
                }
            }, mempool::take, this::published);
        } catch (IOException | RuntimeException e) {
            closeQuietly(listener);
            if (http != null) {
                http.close();
            }
            closeMempoolWriter();
            closeChain();
            throw e;
        }
        mempoolWriter.start();
        // Read before the loop runs: from then on the chain is the loop's alone.
        ChainFile.Tip tip = chain.tip();
        int bits = chain.difficulty().requiredBits();
        DifficultyRule rule = chain.difficulty().rule();
        loopThread = new Thread(this::runLoop, "pool-event-loop");
        loopThread.start();
        if (http != null) {
            http.start(this::snapshot, (sequence, timeout) -> awaitSnapshot(s -> s.sequence() > sequence, timeout),
                    ledger, this::submit, rule, version());
        }
        // Said last, when everything runs: whoever waits for these lines (a launcher, a test) may act at once.
        log.info("chain " + config.chainFile() + ": tip is " + (tip.height() == 0 ? "the genesis block"
                : "block " + tip.height()) + " (hash " + PoolLog.shortHash(tip.hash()) + "); mining block "
                + (tip.height() + 1) + " at " + bits + " zero bits, " + config.slotsPerJob() + " slots of "
                + config.slotSize() + " nonces per job; difficulty rule: " + rule.describe());
        if (rule.retargets() && rule.startBits() != config.zeroBits()) {
            log.info("--bits " + config.zeroBits() + " is where a new chain starts; this one started at "
                    + rule.startBits() + " and its rule sets the bits from there");
        }
        if (http != null) {
            log.info("http on " + httpUrl() + " (the dashboard; the API under /api, metrics at /metrics)");
        }
        log.info("listening on " + listeningOn());
    }

    private HttpApi listenHttp() throws IOException {
        InetSocketAddress address = config.httpAddress();
        if (address == null) {
            return null;
        }
        if (address.isUnresolved()) {
            throw new CannotListenException("cannot serve HTTP on " + config.http() + ": '"
                    + address.getHostString() + "' is not an address or a host name that resolves", null);
        }
        try {
            return HttpApi.bind(address);
        } catch (IOException e) {
            String why = PoolLog.reason(e);
            if (why.contains("Address already in use")) {
                why += " (another pool's dashboard? --http HOST:0 picks a free port, --http off turns it off)";
            }
            throw new CannotListenException("cannot serve HTTP on " + config.http() + ": " + why, e);
        }
    }

    /** The dashboard's URL, with the real port; null when HTTP is off. */
    public String httpUrl() {
        if (http == null) {
            return null;
        }
        InetSocketAddress a = http.address();
        String host = a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getAddress().getHostAddress();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort() + "/";
    }

    /** The version in the jar's manifest, or {@code dev} when run from classes. */
    static String version() {
        String v = PoolServer.class.getPackage().getImplementationVersion();
        return v != null ? v : "dev";
    }

    private ServerSocketChannel listen() throws IOException {
        String where = config.bindAddress() + ":" + config.port();
        InetSocketAddress requested = new InetSocketAddress(config.bindAddress(), config.port());
        if (requested.isUnresolved()) {
            throw new CannotListenException("cannot listen on " + where + ": '" + config.bindAddress()
                    + "' is not an address or a host name that resolves", null);
        }
        ServerSocketChannel listener = ServerSocketChannel.open();
        try {
            // A deep backlog: hundreds of miners may connect in the same instant, e.g. after a pool restart.
            listener.bind(requested, 4096);
            listener.configureBlocking(false);
            boundAddress = (InetSocketAddress) listener.getLocalAddress();
            return listener;
        } catch (IOException | UnresolvedAddressException | UnsupportedAddressTypeException e) {
            closeQuietly(listener);
            String why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            if (why.contains("Address already in use")) {
                why += " (is another pool, or another program, using that port?)";
            }
            throw new CannotListenException("cannot listen on " + where + ": " + why, e);
        }
    }

    private void runLoop() {
        try {
            loop.run();
        } finally {
            try {
                if (http != null) {
                    http.close();
                }
                try {
                    closeMempoolWriter(); // what it holds was queued by senders still waiting for their answer
                } finally {
                    closeChain();
                }
            } finally {
                failed |= loop.failure() != null;
                stopped.countDown();
                synchronized (snapshotMonitor) {
                    snapshotMonitor.notifyAll();
                }
            }
        }
    }

    /** Called by the loop thread with each new snapshot. */
    private void published(PoolSnapshot next) {
        synchronized (snapshotMonitor) {
            snapshot = next;
            snapshotMonitor.notifyAll();
        }
    }

    /**
     * Runs {@code task} on the event loop's thread: the one way another thread may change the pool's state.
     *
     * @throws IllegalStateException before {@link #start()}
     */
    public void onLoop(Runnable task) {
        EventLoop running = loop;
        if (running == null) {
            throw new IllegalStateException("the pool server is not started");
        }
        running.execute(task);
    }

    /**
     * Hands a record to the mempool on the loop's thread, where every record is checked one after the other, so
     * two spends of the same coins cannot both pass; then to the mempool file's writer. The future completes with
     * the pending status once the record is forced to the mempool file; exceptionally with an {@link
     * Accounts.RejectedException} naming the broken rule, or a {@link MempoolWriter.NotStoredException} when the
     * file could not take it (the record has then left the mempool again).
     *
     * <p>The record is pending from the loop's check on: its status says so and later records of its sender may
     * build on it, but no job takes it until it is forced. A crash before the force loses it, and its sender never
     * heard 202; nothing acknowledged is lost, and nothing a sender was told failed is mined.
     */
    public CompletableFuture<TxStatus> submit(TxRecord record) {
        CompletableFuture<TxStatus> result = new CompletableFuture<>();
        onLoop(() -> {
            TxStatus status;
            try {
                status = mempool.offer(record, false);
            } catch (Accounts.RejectedException e) {
                result.completeExceptionally(e);
                return;
            }
            mempoolFileRecords++;
            mempoolWriter.append(record).whenComplete((stored, failure) -> {
                if (failure == null) {
                    result.complete(status);
                } else {
                    // After the writer's withdrawal, which is queued on the loop ahead of this: the sender hears
                    // "not stored" only once the record is no longer pending.
                    runOnLoopOrNow(() -> result.completeExceptionally(failure));
                }
            });
        });
        return result;
    }

    /**
     * Reads the mempool file, offers its records again in order as fresh POSTs, rewrites it with the survivors and
     * returns the writer that appends to it from now on. Before the loop runs, so the mempool is still this
     * thread's.
     */
    private MempoolWriter restoreMempool() throws IOException {
        Path file = MempoolFile.beside(config.chainFile());
        MempoolFile.Contents contents = MempoolFile.read(file, Clock.systemUTC());
        if (contents.torn() != null) {
            log.warn("mempool file " + file + ": " + contents.torn() + " dropped (a crash while records were"
                    + " written leaves this; none of them was acknowledged)");
        }
        if (contents.damage() != null) {
            log.warn("mempool file " + file + " is DAMAGED, its pending transactions there are lost: "
                    + contents.damage() + "; the file as it was is kept in " + contents.damagedCopy());
        }
        for (String unreadable : contents.unreadable()) {
            log.warn("mempool file " + file + ": a record that is no transaction this pool knows was dropped ("
                    + unreadable + ")");
        }
        Mempool.Restored restored = mempool.restore(contents.records());
        if (!contents.records().isEmpty()) {
            log.info("mempool: " + PoolLog.count(restored.kept().size(), "pending transaction") + " restored from "
                    + file + ", " + restored.droppedTotal() + " dropped" + droppedDetail(restored)
                    + (restored.repeated() > 0 ? ", " + restored.repeated() + " repeated" : ""));
        }
        FileChannel channel = MempoolFile.rewrite(file, restored.kept());
        mempoolFileRecords = restored.kept().size();
        try {
            return new MempoolWriter(file, channel, restored.kept().size(), log,
                    stored -> runOnLoopOrNow(() -> mempool.stored(stored)),
                    notStored -> runOnLoopOrNow(() -> mempool.withdraw(notStored)));
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** " (1 already in block 40, 1 bad-nonce)", or nothing when nothing was dropped. */
    private static String droppedDetail(Mempool.Restored restored) {
        List<String> parts = new java.util.ArrayList<>();
        if (!restored.confirmed().isEmpty()) {
            long low = restored.confirmed().stream().mapToLong(Long::longValue).min().orElseThrow();
            long high = restored.confirmed().stream().mapToLong(Long::longValue).max().orElseThrow();
            parts.add(restored.confirmed().size() + " already in block" + (low == high ? " " + low
                    : "s " + low + ".." + high));
        }
        restored.dropped().forEach((reason, n) -> parts.add(n + " " + reason.code()));
        return parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")";
    }

    /**
     * After a block and its records left the mempool: rewrites the mempool file, on the writer's thread, once
     * stale records outnumber the pending ones (see {@link #COMPACTION_SLACK}).
     */
    private void compactMempoolFileIfDue() {
        if (mempoolFileRecords > 2L * mempool.size() + COMPACTION_SLACK) {
            mempoolWriter.compact(mempool.pendingRecords());
            mempoolFileRecords = mempool.size();
        }
    }

    /** On the loop; or here, when the loop has stopped (then nobody reads the mempool any more). */
    private void runOnLoopOrNow(Runnable task) {
        EventLoop running = loop;
        if (running == null || stopped.getCount() == 0) {
            task.run();
        } else {
            running.execute(task);
        }
    }

    private void closeMempoolWriter() {
        if (mempoolWriter != null) {
            mempoolWriter.close();
        }
    }

    /** The mempool file's writer; for tests that need to make the disk fail or count its groups. */
    MempoolWriter mempoolWriter() {
        return mempoolWriter;
    }

    /** The chain and ledger as readers see them; null before {@link #start()}. */
    public Ledger ledger() {
        return ledger;
    }

    /**
     * The latest snapshot the loop published: never blocks and never touches the loop. Null before {@link
     * #start()}.
     */
    public PoolSnapshot snapshot() {
        return snapshot;
    }

    /**
     * {@code ADDR:PORT} as the operator asked for it, with the real port: the socket itself reports a wildcard
     * bind as {@code 0:0:0:0:0:0:0:0} on a dual-stack JVM, which is true but not what "--bind 0.0.0.0" said.
     */
    public String listeningOn() {
        InetSocketAddress requested = new InetSocketAddress(config.bindAddress(), boundAddress.getPort());
        String host = requested.isUnresolved() ? config.bindAddress() : requested.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + boundAddress.getPort();
    }

    /** The port the pool listens on (the real one when configured with 0). */
    public int port() {
        InetSocketAddress address = boundAddress;
        if (address == null) {
            throw new IllegalStateException("the pool server is not started");
        }
        return address.getPort();
    }

    /** The address the pool listens on. */
    public InetSocketAddress address() {
        return boundAddress;
    }

    /** Blocks mined since {@link #start()}. */
    public long blocksMined() {
        PoolSnapshot s = snapshot;
        return s == null ? 0 : s.blocksThisRun();
    }

    /**
     * Waits until {@code n} blocks have been mined in this run (each on disk, its {@code A} and {@code I}s sent,
     * and published to the {@link #ledger()}), the pool stops, or the timeout passes.
     *
     * <p>A miner that has read its {@code A} may find the ledger without the block for a moment: the pool tells
     * the miners first and publishes after. Waiting here (or for a snapshot with the block) closes that gap.
     *
     * @return whether {@code n} blocks were mined
     */
    public boolean awaitBlocks(long n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (snapshotMonitor) {
            while (blocksMined() < n && stopped.getCount() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                TimeUnit.NANOSECONDS.timedWait(snapshotMonitor, left);
            }
            return blocksMined() >= n;
        }
    }

    /**
     * Waits until a published snapshot satisfies {@code condition}, the pool stops, or the timeout passes.
     *
     * @return the first snapshot seen that satisfies it, or null
     */
    public PoolSnapshot awaitSnapshot(java.util.function.Predicate<PoolSnapshot> condition, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (snapshotMonitor) {
            while (true) {
                PoolSnapshot s = snapshot;
                if (s != null && condition.test(s)) {
                    return s;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || stopped.getCount() == 0) {
                    return null;
                }
                TimeUnit.NANOSECONDS.timedWait(snapshotMonitor, left);
            }
        }
    }

    /** Waits for the pool to stop by itself (--max-blocks, a failure) or through {@link #close()}. */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The open chain file; for tests that need to make the disk fail. */
    ChainFile chainFile() {
        return chain;
    }

    /** Whether the pool stopped because of a failure (the chain could not be written, or the loop broke). */
    public boolean failed() {
        return failed;
    }

    /**
     * Sends {@code Q} to every connection, flushes (for up to 2 s), closes them, and closes the chain file.
     * Waits for the event loop to finish, at most {@link #STOP_WAIT}; safe to call from any thread, more than
     * once, and from a shutdown hook.
     */
    @Override
    public void close() {
        stop(STOP_WAIT);
    }

    /** {@link #close()} with a bound on the wait; false if the loop had not stopped by then. */
    public boolean stop(Duration wait) {
        EventLoop running;
        Thread thread;
        synchronized (this) {
            if (!started) {
                started = true; // a pool closed before start never starts
                return true;
            }
            running = loop;
            thread = loopThread;
        }
        if (thread == null) {
            return true; // start() failed and cleaned up
        }
        running.requestStop();
        if (Thread.currentThread() == thread) {
            return false; // the loop is on its way out already
        }
        try {
            if (stopped.await(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                return true;
            }
            log.warn("the event loop did not stop within " + PoolLog.seconds(wait));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    private void closeChain() {
        if (chain == null) {
            return;
        }
        try {
            chain.close();
        } catch (IOException e) {
            failed = true;
            log.warn("closing the chain file " + config.chainFile() + ": " + PoolLog.reason(e));
        }
    }

    private static void closeQuietly(ServerSocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // closing is all that was wanted
        }
    }
}
