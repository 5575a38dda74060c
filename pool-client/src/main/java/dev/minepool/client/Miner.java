package dev.minepool.client;

import dev.minepool.protocol.BlockHeader;
import dev.minepool.protocol.Direction;
import dev.minepool.protocol.Message;
import dev.minepool.protocol.MessageDecoder;
import dev.minepool.protocol.ProofOfWork;
import dev.minepool.protocol.ProtocolException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.DoubleSupplier;

/**
 * A miner's session with its pool: connect, ask for work, mine, submit, and again, until the pool says
 * {@code Q} or someone calls {@link #stop()}.
 *
 * <p>One thread, the one that calls {@link #run()}, owns every piece of session state: the connection, the
 * search being mined and the nonce waiting for an answer. The other threads only hand it events through one
 * queue, like the JDK's dispatcher: the reader thread of a connection posts each decoded message or the reason
 * the connection broke, the hashing threads post the end of a search, and {@link #stop()} posts a stop. Events
 * from an older connection or an abandoned search are recognised and dropped, so a late message can never
 * confuse the current one. The queue holds at most {@link #EVENT_QUEUE_BOUND} events: when it is full the
 * reader thread waits, stops reading the socket, and TCP slows the pool down, so a burst of {@code T} costs no
 * memory; {@link #stop()} never waits (the session thread, busy draining a full queue, sees its flag).
 *
 * <p>Work: the slot from a {@code T} is searched by every hashing thread at once, chunk by chunk (see {@link
 * Rig}). When the slot's cursor hands out its last chunk, the miner sends the next {@code G} (prefetch), so the
 * next slot is there when the threads are free and none of them waits for the network. The pool reads a {@code
 * G} as "the previous slot was searched"; at that moment it is, but for the chunks in the threads' hands, at most
 * {@code threads x chunk} nonces, which are finished before the threads move on. At most one {@code G} is
 * unanswered at a time, and none is sent while an {@code S} waits for its answer, so a slot with a hit is never
 * reported as searched. An {@code A} stops every slot still being searched (all of them were given before the
 * win, so they belong to the block just won, and the winner is told nothing more); an {@code I} stops the slots of
 * its job and every slot given before them. Both stop every thread within {@link
 * dev.minepool.client.engine.NonceScanner#STOP_CHECK_INTERVAL} nonces.
 *
 * <p>Requests and deadlines: every {@code G} and {@code S} sent waits in order for its answer, and the pool
 * answers in order; the oldest must be answered within {@link MinerConfig#responseTimeout()}, or the connection is
 * closed (a service that accepts and never answers is not a pool). The connect gets {@link
 * MinerConfig#connectTimeout()}. Mining itself has no deadline: the pool is silent until someone finds the block.
 *
 * <p>Reconnecting: a refused or timed-out connect, a missed deadline, a protocol violation and a lost
 * connection are each a failure, and the wait before the next attempt grows by {@link Backoff} (from {@link
 * MinerConfig#retryBase()} doubling to {@link MinerConfig#retryMax()}, the retry pause, with jitter). A
 * <em>healthy</em> session, one in which the pool answered a {@code G} with a {@code T}, resets the backoff, so
 * a pool that restarts after hours of mining is reached again within about the first wait. A host that does not
 * resolve before it ever has is a typing mistake, not an outage: the miner stops and {@link
 * MiningSummary#failed()} says so. So does a {@code Q} for any reason but the pool shutting down.
 *
 * <p>Failover, as xmrig does it: the pools are tried in the order given. After {@link MinerConfig#retries()}
 * failures in a row on one pool (or its {@code Q} saying it shuts down), the miner moves to the next at once,
 * and after the last to the first. While it mines on a backup, it tries to connect to the primary every retry
 * pause, and goes back to it as soon as it accepts. Every switch is logged with its reason.
 *
 * <p>Speed: about once a second the session thread samples the threads' hash counters ({@link SpeedMeter}); the
 * speed line (10 s, 60 s, 15 min, with accepted, rejected and stale counts) is printed every {@link
 * MinerConfig#reportEvery()}, the per-thread table every {@link MinerConfig#threadsEvery()} or when asked
 * ({@link #requestThreadTable()}), and the summary has the same figures.
 */
public final class Miner {
    /** How long the reader gets, after a write failed, to deliver what the pool sent before it closed. */
    static final Duration WRITE_FAILURE_GRACE = Duration.ofSeconds(1);
    /** The most events waiting for the session thread; a reader thread that finds the queue full waits. */
    static final int EVENT_QUEUE_BOUND = 1024;
    private static final int READ_BUFFER = 8192;
    private static final int HASH_PREFIX_BYTES = 6;

    /** Turns the pool's host name into an address; a test stands in for DNS. */
    @FunctionalInterface
    interface Resolver {
        InetAddress resolve(String host) throws UnknownHostException;
    }

    private final MinerConfig config;
    private final Console console;
    private final Backoff backoff;
    private final Resolver resolver;
    private final BlockingQueue<Event> events = new ArrayBlockingQueue<>(EVENT_QUEUE_BOUND);
    private final AtomicInteger eventQueueHighWater = new AtomicInteger();
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean stopRequested;
    /** The socket being connected, so that {@link #stop()} can cut a slow connect short. */
    private volatile Socket connecting;

    /** Whether a check of the primary pool is under way (see {@link #checkPrimary}). */
    private final AtomicBoolean checking = new AtomicBoolean();

    // Session state, owned by the thread in run().
    private Thread sessionThread;
    private Rig rig;
    private SpeedMeter meter;
    private long nextSample;
    private long nextReport;
    private long nextTable;
    private long connectionId;
    /** The pool being mined or tried: an index into {@link MinerConfig#pools()}, 0 for the primary. */
    private int poolIndex;
    /** Pools whose host has resolved at least once: a failure to resolve it later is an outage, not a typo. */
    private final Set<PoolAddress> resolvedOnce = new HashSet<>();
    /** Pools whose host has never resolved; skipped when moving down the list. */
    private final Set<PoolAddress> unresolvable = new HashSet<>();
    /** The primary's socket, connected by a check while the miner was on a backup, for the next session. */
    private Socket handedOver;
    private OutputStream toPool;
    /** Set when a write to the current connection failed: the pool is gone, but what it said last still counts. */
    private IOException writeFailure;
    private long writeFailedAt;
    /** The slots being searched, oldest first: at most the current one and the one asked for ahead of it. */
    private final Deque<SlotSearch> live = new ArrayDeque<>();
    /**
     * The requests the pool has yet to answer, oldest first, each with its deadline. The pool answers in order
     * ({@code T} for a {@code G}; {@code A}, {@code R} or {@code I} for an {@code S}), so the oldest is the one
     * the next answer is for and the first to miss its deadline.
     */
    private final Deque<Pending> outstanding = new ArrayDeque<>();
    /** Whether the current connection has had a {@code T}: the definition of a healthy session. */
    private boolean sessionGotTask;
    private long submitted;
    private long accepted;
    private long rejected;
    private long invalidated;
    private long stale;
    /** Slots searched to their end without a hit, and their nonces: the work the pool credits. */
    private long slotsSearched;
    private long noncesSearched;
    private volatile MiningSummary summary;
    /** Told of each block the miner hears of (its A, or an I): the chain verifier's cue under --verify. */
    private volatile Runnable blockHeard = () -> {
    };

    /** A miner that prints its lines to {@code out}; {@link #run()} starts it. */
    public Miner(MinerConfig config, PrintStream out) {
        this(config, out, () -> ThreadLocalRandom.current().nextDouble(), InetAddress::getByName);
    }

    /**
     * @param random the backoff's jitter, drawn from [0, 1]
     * @param resolver looks up the pool's host before every connect
     */
    Miner(MinerConfig config, PrintStream out, DoubleSupplier random, Resolver resolver) {
        this.config = config;
        this.console = new Console(out, config.quiet());
        this.backoff = new Backoff(config.retryBase(), config.retryMax(), random);
        this.resolver = resolver;
    }

    /** The events the session thread reacts to; each carries what it needs to tell whether it is stale. */
    private sealed interface Event
            permits Received, Broken, SearchEnded, RanOut, TableRequested, PrimaryAnswered, StopRequested {
    }

    private record Received(long connection, Message message) implements Event {
    }

    private record Broken(long connection, String reason, boolean protocolViolation) implements Event {
    }

    private record SearchEnded(SlotSearch search) implements Event {
    }

    /** The search's cursor handed out its last chunk: time to ask for the next slot. */
    private record RanOut(SlotSearch search) implements Event {
    }

    private record StopRequested() implements Event {
    }

    /** Someone asked for the per-thread table (a signal, a key). */
    private record TableRequested() implements Event {
    }

    /** The primary pool accepted a connection while connection {@code connection} was on a backup. */
    private record PrimaryAnswered(long connection, Socket socket) implements Event {
    }

    /**
     * A request sent to the pool and the time its answer is due (nanoTime): a {@code G}, or an {@code S} with
     * its job and nonce.
     */
    private record Pending(char request, int job, long nonce, long deadline) {
        boolean submit() {
            return request == 'S';
        }
    }

    /** How a connection ended. */
    private enum End {
        /** The connection broke or the pool closed it: reconnect. */
        LOST,
        /** The pool sent bytes that are not the protocol: reconnect. */
        VIOLATION,
        /** A request was not answered in time: reconnect. */
        NO_ANSWER,
        /** The pool said {@code Q}: stop. */
        QUIT,
        /** {@link #stop()}: stop. */
        STOPPED,
        /** On a backup pool, the primary answered: mine there again. */
        FAILBACK
    }

    private record Ending(End end, String reason, Message.Quit quit) {
        static final Ending STOPPED = new Ending(End.STOPPED, "stopped", null);

        static Ending of(End end, String reason) {
            return new Ending(end, reason, null);
        }
    }

    /**
     * Mines until the pool sends {@code Q} or {@link #stop()} is called, reconnecting with backoff whenever the
     * connection is refused, lost, broken or unanswered, and moving down the pool list after {@link
     * MinerConfig#retries()} failures in a row. Prints the summary and returns it.
     */
    public MiningSummary run() {
        long start = System.nanoTime();
        sessionThread = Thread.currentThread();
        console.info("minepool miner %s -> %s, %d %s, engine %s", config.name(), poolList(), config.threads(),
                config.threads() == 1 ? "thread" : "threads", config.engine().name());
        boolean failed = false;
        try (Rig rig = new Rig(config.engine(), config.threads(), config.chunk())) {
            this.rig = rig;
            meter = new SpeedMeter(config.threads());
            long now = System.nanoTime();
            meter.sample(now, rig.hashesPerThread());
            nextSample = now + SpeedMeter.SAMPLE_EVERY.toNanos();
            nextReport = now + config.reportEvery().toNanos();
            nextTable = config.threadsEvery() == null ? Long.MAX_VALUE : now + config.threadsEvery().toNanos();
            while (!stopRequested) {
                PoolAddress pool = pool();
                Socket socket;
                if (handedOver != null) {
                    socket = handedOver; // the primary answered the check while the miner was on a backup
                    handedOver = null;
                } else {
                    try {
                        socket = connect(pool);
                    } catch (UnknownHostException e) {
                        if (stopRequested) {
                            break;
                        }
                        if (!resolvedOnce.contains(pool)) {
                            // Never resolved: a typing mistake, not an outage.
                            unresolvable.add(pool);
                            if (unresolvable.size() == config.pools().size()) {
                                console.event("cannot resolve pool host '%s'; check %s", pool.host(),
                                        config.pools().size() == 1 ? "--host" : "--pool");
                                failed = true;
                                break;
                            }
                            switchPool("its host '" + pool.host() + "' does not resolve (check --pool)");
                            continue;
                        }
                        // It resolved before, so the name exists: a DNS outage, which passes.
                        if (!afterFailure("cannot resolve pool host '" + pool.host() + "' now", "retrying")) {
                            break;
                        }
                        continue;
                    } catch (IOException e) {
                        if (stopRequested) {
                            break;
                        }
                        String why = e instanceof SocketTimeoutException
                                ? "no answer to the connect within " + HashRate.format(config.connectTimeout())
                                : describe(e);
                        if (!afterFailure("cannot reach " + pool + " (" + why + ")", "retrying")) {
                            break;
                        }
                        continue;
                    }
                }
                Ending ending = mine(socket, pool);
                if (ending.end() == End.STOPPED) {
                    break;
                }
                if (ending.end() == End.QUIT) {
                    if (ending.quit().reason() == Message.Quit.Reason.SHUTDOWN && config.pools().size() > 1) {
                        // With backups, one pool going away is what they are for.
                        switchPool("it said goodbye (Q): " + ending.quit().describe());
                        continue;
                    }
                    failed = onQuit(ending.quit());
                    break;
                }
                if (ending.end() == End.FAILBACK) {
                    console.event("switching back to the primary pool %s from %s: it answers again",
                            config.primary(), pool);
                    poolIndex = 0;
                    backoff.reset();
                    continue;
                }
                if (sessionGotTask) {
                    backoff.reset(); // a healthy session: this failure is the first of a new run
                }
                boolean carryOn = switch (ending.end()) {
                    case VIOLATION -> afterFailure("the pool sent something that is not minepool protocol ("
                            + ending.reason() + ")", "reconnecting");
                    case NO_ANSWER -> afterFailure(ending.reason(), "Reconnecting");
                    default -> afterFailure("lost connection to " + pool + " (" + ending.reason() + ")",
                            "retrying");
                };
                if (!carryOn) {
                    break;
                }
            }
            summary = summarize(start, rig.totalHashes(), failed);
        } finally {
            if (summary == null) {
                summary = summarize(start, 0, true);
            }
            console.event("%s", summary.describe());
            Socket leftover = handedOver;
            if (leftover != null) {
                closeQuietly(leftover);
            }
            finished.countDown();
        }
        return summary;
    }

    private MiningSummary summarize(long start, long hashes, boolean failed) {
        long now = System.nanoTime();
        if (meter != null && rig != null) {
            meter.sample(now, rig.hashesPerThread());
        }
        double[] speeds = new double[SpeedMeter.WINDOWS.length];
        for (int i = 0; i < speeds.length; i++) {
            speeds[i] = meter == null ? Double.NaN : meter.total(SpeedMeter.WINDOWS[i]);
        }
        return new MiningSummary(Duration.ofNanos(now - start), hashes, submitted, accepted, rejected, stale,
                invalidated, slotsSearched, noncesSearched, speeds, meter == null ? 0 : meter.max(), failed);
    }

    /** {@code localhost:3333}, or {@code a:3333, then b:3333} with backups. */
    private String poolList() {
        StringBuilder list = new StringBuilder();
        for (PoolAddress pool : config.pools()) {
            list.append(list.length() == 0 ? "" : ", then ").append(pool);
        }
        return list.toString();
    }

    private PoolAddress pool() {
        return config.pools().get(poolIndex);
    }

    /**
     * After a failed try: waits for the backoff and returns true to try again, or moves to the next pool at once
     * when this one has failed {@link MinerConfig#retries()} times in a row; false when the miner was stopped
     * while it waited. {@code then} is how the line goes on: {@code retrying}, {@code reconnecting}.
     */
    private boolean afterFailure(String what, String then) {
        Duration delay = backoff.next();
        if (config.pools().size() > 1 && backoff.failures() >= config.retries()) {
            switchPool(backoff.failures() + " tries failed in a row, the last: " + what);
            return !stopRequested;
        }
        String separator = what.endsWith("?") || what.endsWith(".") ? " " : "; ";
        console.info("%s%s%s in %s (attempt %d)", what, separator, then, HashRate.format(delay), backoff.failures());
        return pause(delay);
    }

    /** Moves to the next pool in the list (after the last, the first), saying why. */
    private void switchPool(String why) {
        PoolAddress from = pool();
        do {
            poolIndex = (poolIndex + 1) % config.pools().size();
        } while (unresolvable.contains(pool()));
        backoff.reset();
        console.event("switching from pool %s to %s%s: %s", from, pool(), poolIndex == 0 ? " (the primary)" : "",
                why);
    }

    /** Says why the pool said goodbye; true when that is a failure (anything but the pool shutting down). */
    private boolean onQuit(Message.Quit quit) {
        if (quit.reason() == Message.Quit.Reason.SHUTDOWN) {
            console.info("the pool said goodbye (Q): %s; stopping", quit.describe());
            return false;
        }
        String why = quit.reason() != null ? quit.describe()
                : quit.describe() + ", which this miner does not know";
        console.event("the pool said goodbye (Q): %s; stopping", why);
        return true;
    }

    /**
     * Asks {@link #run()} to stop mining, print the summary and return. Safe from any thread, any time, and
     * never waits: when the event queue is full the stop event is left out, and the flag alone does it, because
     * the session thread checks the flag after every event it takes from that full queue.
     */
    /** Runs {@code listener} on the session thread after each A or I; it must return at once. */
    public void onBlockHeard(Runnable listener) {
        this.blockHeard = listener;
    }

    public void stop() {
        stopRequested = true;
        offer(new StopRequested());
        Socket socket = connecting;
        if (socket != null) {
            closeQuietly(socket);
        }
    }

    /** Waits until {@link #run()} has printed its summary; false if that took longer than {@code timeout}. */
    public boolean awaitFinished(Duration timeout) throws InterruptedException {
        return finished.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** The most events that have waited in the queue at once; never above {@link #EVENT_QUEUE_BOUND}. */
    int eventQueueHighWater() {
        return eventQueueHighWater.get();
    }

    /** Queues an event, waiting while the queue is full; false if the waiting thread was interrupted. */
    private boolean post(Event event) {
        try {
            events.put(event);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        eventQueueHighWater.accumulateAndGet(events.size(), Math::max);
        return true;
    }

    /** Queues an event unless the queue is full. */
    private void offer(Event event) {
        if (events.offer(event)) {
            eventQueueHighWater.accumulateAndGet(events.size(), Math::max);
        }
    }

    private Socket connect(PoolAddress pool) throws IOException {
        return connect(pool, true);
    }

    /** @param session whether this is the session's connect, which {@link #stop()} may cut short */
    private Socket connect(PoolAddress pool, boolean session) throws IOException {
        Socket socket = new Socket();
        if (session) {
            connecting = socket;
        }
        try {
            if (stopRequested) {
                throw new SocketException("stopped");
            }
            InetAddress address = resolver.resolve(pool.host());
            resolvedOnce.add(pool);
            socket.connect(new InetSocketAddress(address, pool.port()), timeoutMillis(config.connectTimeout()));
            // S and G are a few bytes each and the answer is waited for: send them at once.
            socket.setTcpNoDelay(true);
            return socket;
        } catch (IOException | RuntimeException e) {
            closeQuietly(socket);
            throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        } finally {
            if (session) {
                connecting = null;
            }
        }
    }

    private static int timeoutMillis(Duration timeout) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    }

    /**
     * Waits {@code delay} unless a stop is requested first (then false); the speed lines go on meanwhile, and
     * other events are stale by now, except a request for the thread table.
     */
    private boolean pause(Duration delay) {
        long deadline = System.nanoTime() + delay.toNanos();
        try {
            while (!stopRequested) {
                long now = System.nanoTime();
                long left = deadline - now;
                if (left <= 0) {
                    return true;
                }
                long wake = tick(now);
                Event event = events.poll(Math.max(1, Math.min(left, wake - now)), TimeUnit.NANOSECONDS);
                if (event instanceof TableRequested) {
                    printThreadTable(true);
                } else if (event instanceof PrimaryAnswered answered) {
                    closeQuietly(answered.socket()); // from a connection that has ended
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopRequested = true;
        }
        return false;
    }

    /**
     * Does what is due at {@code now}: a speed sample every second, the speed line every {@link
     * MinerConfig#reportEvery()}, the thread table every {@link MinerConfig#threadsEvery()}; returns when the
     * next thing is due.
     */
    private long tick(long now) {
        if (now - nextSample >= 0) {
            meter.sample(now, rig.hashesPerThread());
            nextSample = now + SpeedMeter.SAMPLE_EVERY.toNanos();
        }
        if (now - nextReport >= 0) {
            console.info("%s", speedLine());
            nextReport += config.reportEvery().toNanos();
            if (now - nextReport >= 0) {
                nextReport = now + config.reportEvery().toNanos(); // the machine slept; do not print a burst
            }
        }
        if (config.threadsEvery() != null && now - nextTable >= 0) {
            printThreadTable(false);
            nextTable = now + config.threadsEvery().toNanos();
        }
        long wake = nextSample;
        if (nextReport - wake < 0) {
            wake = nextReport;
        }
        if (nextTable - wake < 0) {
            wake = nextTable;
        }
        return wake;
    }

    /** {@code speed 10s/60s/15m 24.1 24.0 n/a MH/s max 24.3 MH/s, accepted 3, rejected 0, stale 0}. */
    private String speedLine() {
        double[] speeds = new double[SpeedMeter.WINDOWS.length];
        for (int i = 0; i < speeds.length; i++) {
            speeds[i] = meter.total(SpeedMeter.WINDOWS[i]);
        }
        return HashRate.speeds(speeds, meter.max()) + ", accepted " + accepted + ", rejected " + rejected
                + ", stale " + stale;
    }

    /**
     * The speed of every thread over 10 s, 60 s and 15 min, one line each, then the total. Printed even with
     * {@code --quiet} when {@code asked} for (a signal, a key); the periodic one is silenced like the speed line.
     */
    private void printThreadTable(boolean asked) {
        for (String line : HashRate.threadTable(meter)) {
            if (asked) {
                console.event("%s", line);
            } else {
                console.info("%s", line);
            }
        }
    }

    /**
     * Prints the per-thread table as soon as the session thread can; safe from any thread (a signal handler, a
     * key read from the terminal). Never waits.
     */
    public void requestThreadTable() {
        offer(new TableRequested());
    }

    /** One connection, from the first {@code G} to its end. */
    private Ending mine(Socket socket, PoolAddress pool) {
        long id = ++connectionId;
        sessionGotTask = false;
        outstanding.clear();
        Thread reader = null;
        // On a backup, the primary is checked every retry pause, starting one pause from now.
        long nextCheck = poolIndex == 0 ? Long.MAX_VALUE : System.nanoTime() + config.retryMax().toNanos();
        try {
            InputStream in = socket.getInputStream();
            toPool = socket.getOutputStream();
            writeFailure = null;
            reader = new Thread(() -> read(in, id), "miner-reader-" + id);
            reader.setDaemon(true);
            reader.start();
            console.info("connected to %s", pool);
            askForWork();
            while (!stopRequested) {
                long now = System.nanoTime();
                if (writeFailure != null && now - writeFailedAt > WRITE_FAILURE_GRACE.toNanos()) {
                    return Ending.of(End.LOST, describe(writeFailure));
                }
                Pending pending = outstanding.peekFirst();
                if (pending != null && now - pending.deadline() >= 0) {
                    return Ending.of(End.NO_ANSWER, "no answer to " + pending.request() + " from " + pool
                            + " within " + HashRate.format(config.responseTimeout()) + "; is that a minepool pool?");
                }
                if (now - nextCheck >= 0) {
                    checkPrimary(id);
                    nextCheck = now + config.retryMax().toNanos();
                }
                long wait = tick(now) - now;
                if (pending != null) {
                    wait = Math.min(wait, pending.deadline() - now);
                }
                if (writeFailure != null) {
                    wait = Math.min(wait, Math.max(1, writeFailedAt + WRITE_FAILURE_GRACE.toNanos() - now));
                }
                wait = Math.min(wait, nextCheck - now);
                Event event = events.poll(Math.max(1, wait), TimeUnit.NANOSECONDS);
                Ending ending = event == null ? null : handle(event, id);
                if (ending != null) {
                    return ending;
                }
            }
            return Ending.STOPPED;
        } catch (IOException e) {
            return Ending.of(End.LOST, describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopRequested = true;
            return Ending.STOPPED;
        } finally {
            abandonSearches();
            outstanding.clear();
            closeQuietly(socket);
            if (reader != null) {
                reader.interrupt(); // it may be waiting on a full queue that nobody will drain for it
            }
        }
    }

    /**
     * Tries the primary pool from a thread of its own (a connect may take {@link MinerConfig#connectTimeout()},
     * and the session must keep handling hits and {@code I}s meanwhile). A pool that accepts the connection
     * answers; its socket is handed to the session, which leaves the backup and mines on it, so the primary is
     * connected to once, not twice. At most one check runs at a time.
     */
    private void checkPrimary(long id) {
        if (!checking.compareAndSet(false, true)) {
            return;
        }
        Thread check = new Thread(() -> {
            try {
                Socket socket = connect(config.primary(), false);
                if (!post(new PrimaryAnswered(id, socket))) {
                    closeQuietly(socket);
                }
            } catch (IOException e) {
                // still down: checked again after the next pause
            } finally {
                checking.set(false);
            }
        }, "miner-check-primary");
        check.setDaemon(true);
        check.start();
    }

    /** Reacts to one event; returns how the connection ends, or null to carry on. */
    private Ending handle(Event event, long id) throws IOException {
        if (event instanceof StopRequested) {
            return Ending.STOPPED;
        }
        if (event instanceof Received received) {
            if (received.connection() != id) {
                return null;
            }
            Ending ending = onMessage(received.message());
            if (ending != null) {
                return ending;
            }
        }
        if (event instanceof TableRequested) {
            printThreadTable(true);
        }
        if (event instanceof PrimaryAnswered answered) {
            if (answered.connection() != id || stopRequested) {
                closeQuietly(answered.socket());
                return null;
            }
            handedOver = answered.socket();
            return Ending.of(End.FAILBACK, "the primary pool answers again");
        }
        if (event instanceof Broken broken) {
            if (broken.connection() != id) {
                return null;
            }
            return Ending.of(broken.protocolViolation() ? End.VIOLATION : End.LOST, broken.reason());
        }
        if (event instanceof SearchEnded ended && live.remove(ended.search())) {
            onSearchEnded(ended.search());
        }
        // A RanOut needs nothing of its own: whether to ask for the next slot is decided after every event.
        askForWorkIfDue();
        return null;
    }

    private Ending onMessage(Message message) throws IOException {
        if (message instanceof Message.Task task) {
            startJob(task);
        } else if (message instanceof Message.Accepted a) {
            onAccepted(a.job());
        } else if (message instanceof Message.Rejected r) {
            onRejected(r.job());
        } else if (message instanceof Message.Invalidated i) {
            onInvalidated(i.job());
        } else if (message instanceof Message.Quit quit) {
            return new Ending(End.QUIT, quit.describe(), quit);
        } else {
            // The decoder only lets pool-to-miner messages through; anything else is a bug here, not the pool's.
            throw new IllegalStateException("decoder let through " + message);
        }
        return null;
    }

    private void startJob(Message.Task task) {
        if (!removeOutstanding('G') && !live.isEmpty()) {
            // Not an answer to a G of ours: the pool wants this job mined instead.
            console.info("the pool sent job %d while job %d was being mined; switching to it", task.job(),
                    live.peekLast().task().job());
            abandonSearches();
        }
        sessionGotTask = true;
        // On a hashing thread: each waits while the queue is full, and gives up only when the rig closes.
        live.addLast(rig.start(task, new SlotSearch.Listener() {
            @Override
            public void ranOut(SlotSearch search) {
                post(new RanOut(search));
            }

            @Override
            public void ended(SlotSearch search) {
                if (Thread.currentThread() == sessionThread) {
                    // Ended inside stop(), called by the session on a search it abandons: stale, and the session
                    // must never wait on its own full queue.
                    return;
                }
                post(new SearchEnded(search));
            }
        }));
        String height = "";
        if (task.dataLength() >= BlockHeader.LENGTH) {
            height = " (height " + BlockHeader.readFrom(task.data()).height() + ")";
        }
        console.info("job %d slot %d: nonces 0x%08x-0x%08x, %d zero bits%s", task.job(), task.slot(),
                task.firstNonce(), task.endNonce() - 1, task.zeroBits(), height);
    }

    private void onSearchEnded(SlotSearch ended) throws IOException {
        Message.Task task = ended.task();
        SlotSearch.Outcome outcome = ended.outcome();
        if (outcome instanceof SlotSearch.Found found) {
            byte[] hash = ProofOfWork.hash(task.data(), found.nonce());
            // Re-checked with the reference hash: a broken engine must not make the pool reject us.
            if (!ProofOfWork.meets(hash, task.zeroBits())) {
                console.event("the %s engine claimed nonce 0x%08x for job %d, but its hash %s... does not have %d "
                        + "zero bits; not submitting it, asking for new work", config.engine().name(),
                        found.nonce(), task.job(), hashPrefix(hash), task.zeroBits());
                return;
            }
            console.event("found nonce 0x%08x hash %s... after %s, submitting", found.nonce(), hashPrefix(hash),
                    HashRate.format(found.elapsed()));
            submitted++;
            send(new Message.Submit(task.job(), found.nonce()));
            outstanding.addLast(new Pending('S', task.job(), found.nonce(), deadline()));
        } else if (outcome instanceof SlotSearch.Exhausted) {
            slotsSearched++;
            noncesSearched += task.slotSize();
            console.info("job %d slot %d: searched all %d nonces without a hit", task.job(), task.slot(),
                    task.slotSize());
        } else if (outcome instanceof SlotSearch.Failed failed) {
            console.event("the %s engine failed on job %d (%s); asking for new work", config.engine().name(),
                    task.job(), failed.reason());
        }
        // Stopped: only an abandoned search is stopped, and it has left the live ones already.
    }

    private void onAccepted(int job) {
        Pending answered = answeredSubmit(job);
        if (answered == null) {
            console.info("ignoring A for job %d: no nonce of that job is waiting for an answer", job);
            return;
        }
        accepted++;
        // Every slot still searched was given before this win (an answer comes after the T of every G sent
        // before the S), so it belongs to the block just won, and the pool tells the winner nothing more.
        abandonSearches();
        console.event("accepted: +1 coin, total %d", accepted);
        blockHeard.run();
    }

    private void onRejected(int job) {
        Pending answered = answeredSubmit(job);
        if (answered == null) {
            console.info("ignoring R for job %d: no nonce of that job is waiting for an answer", job);
            return;
        }
        rejected++;
        console.event("rejected by the pool: nonce 0x%08x for job %d", answered.nonce(), job);
    }

    private void onInvalidated(int job) {
        blockHeard.run();
        Pending answered = answeredSubmit(job);
        boolean stopped = abandonUpTo(job);
        if (answered != null) {
            stale++;
            console.event("job %d invalidated: the block was already mined before nonce 0x%08x arrived (stale)",
                    job, answered.nonce());
        } else if (stopped) {
            invalidated++;
            console.event("job %d invalidated: someone else found the block", job);
        } else {
            console.info("ignoring I for job %d: not the job being mined", job);
        }
    }

    /** The oldest unanswered {@code S}, taken off the list, if it is for {@code job}; null otherwise. */
    private Pending answeredSubmit(int job) {
        for (Pending pending : outstanding) {
            if (pending.submit()) {
                if (pending.job() != job) {
                    return null;
                }
                outstanding.remove(pending);
                return pending;
            }
        }
        return null;
    }

    /** Takes the oldest unanswered request of this kind off the list; false if there is none. */
    private boolean removeOutstanding(char request) {
        for (Pending pending : outstanding) {
            if (pending.request() == request) {
                outstanding.remove(pending);
                return true;
            }
        }
        return false;
    }

    /**
     * Stops the newest search of {@code job} and every search started before it: an {@code I} names the job of
     * the slot the pool gave last, so older slots of this connection are of the same block or already dead.
     * False when no search of that job is live.
     */
    private boolean abandonUpTo(int job) {
        SlotSearch newest = null;
        for (SlotSearch search : live) {
            if (search.task().job() == job) {
                newest = search;
            }
        }
        if (newest == null) {
            return false;
        }
        while (true) {
            SlotSearch search = live.pollFirst();
            search.stop();
            if (search == newest) {
                return true;
            }
        }
    }

    /** Stops every live search; their ends, when they come, are recognised as stale. */
    private void abandonSearches() {
        for (SlotSearch search : live) {
            search.stop();
        }
        live.clear();
    }

    /**
     * Sends {@code G} when the threads are about to run out of work and nothing else is in the way. That is when
     * no slot is live, or when the newest one has handed out its last chunk (prefetch: the threads go on to the
     * next slot without waiting for the pool). The pool reads a {@code G} as "the previous slot was searched",
     * and here that holds but for the chunks being finished, at most {@code threads x chunk} nonces. Not while
     * an {@code S} waits for its answer: a {@code G} now would tell the pool that a slot with a hit was searched
     * to its end; the answer comes in milliseconds, and then the {@code G} follows. At most one {@code G} is
     * unanswered at a time.
     */
    private void askForWorkIfDue() {
        if (!outstanding.isEmpty()) {
            return;
        }
        SlotSearch newest = live.peekLast();
        if (newest == null || newest.ranOut()) {
            askForWork();
        }
    }

    private void askForWork() {
        send(new Message.GetWork(config.name()));
        outstanding.addLast(new Pending('G', 0, 0, deadline()));
    }

    /** When the answer to a request sent now is due. */
    private long deadline() {
        return System.nanoTime() + config.responseTimeout().toNanos();
    }

    /**
     * Sends a message to the pool. A failed write does not end the connection at once: a pool that says
     * {@code Q} and closes can make our next {@code G} fail with a broken pipe while its {@code Q} (or an
     * {@code A}) still waits for the reader thread. Those are still handled; the connection ends when the reader
     * reaches the end of the stream, or {@link #WRITE_FAILURE_GRACE} after the failure.
     */
    private void send(Message message) {
        if (writeFailure != null) {
            return; // the pool is gone; nothing more is sent on this connection
        }
        try {
            toPool.write(message.toBytes());
            toPool.flush();
        } catch (IOException e) {
            writeFailure = e;
            writeFailedAt = System.nanoTime();
        }
    }

    /**
     * The reader thread of one connection: decodes what the pool sends and hands it to the session thread,
     * waiting while the queue is full (the pool then waits too, on TCP). Ends at the first error or at end of
     * stream, saying why, or when the session interrupts it because the connection is over.
     */
    private void read(InputStream in, long id) {
        MessageDecoder decoder = new MessageDecoder(Direction.SERVER_TO_CLIENT);
        byte[] buffer = new byte[READ_BUFFER];
        List<Message> messages = new ArrayList<>();
        Event last;
        try {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                ProtocolException violation = null;
                try {
                    decoder.decode(ByteBuffer.wrap(buffer, 0, n), messages);
                } catch (ProtocolException e) {
                    violation = e;
                }
                // messages decoded before a bad byte in the same read still count
                for (Message message : messages) {
                    if (!post(new Received(id, message))) {
                        return;
                    }
                }
                messages.clear();
                if (violation != null) {
                    throw violation;
                }
            }
            decoder.finish();
            last = new Broken(id, "the pool closed the connection", false);
        } catch (ProtocolException e) {
            last = new Broken(id, e.getMessage(), true);
        } catch (IOException e) {
            last = new Broken(id, describe(e), false);
        }
        post(last);
    }

    /** A few words for a network error, for a log line: {@code connection refused}, {@code connection reset}. */
    static String describe(IOException e) {
        if (e instanceof ConnectException) {
            return "connection refused";
        }
        if (e instanceof UnknownHostException) {
            return "unknown host " + e.getMessage();
        }
        if (e instanceof NoRouteToHostException) {
            return "no route to host";
        }
        if (e instanceof SocketTimeoutException) {
            return "timed out";
        }
        if (e instanceof EOFException) {
            return "the pool closed the connection";
        }
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            return e.getClass().getSimpleName();
        }
        return message.toLowerCase(Locale.ROOT);
    }

    private static String hashPrefix(byte[] hash) {
        return HexFormat.of().formatHex(hash, 0, HASH_PREFIX_BYTES);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing is all that was wanted
        }
    }
}
