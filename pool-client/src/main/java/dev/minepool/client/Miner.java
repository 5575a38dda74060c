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
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
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
 * <p>States of a connection: waiting for {@code T} after a {@code G}; mining a slot; waiting for the answer to
 * an {@code S} (the slot's threads are stopped, whatever the answer). Timeouts: the connect gets {@link
 * MinerConfig#connectTimeout()}; a {@code G} must be answered with {@code T}, and an {@code S} with {@code A},
 * {@code R} or {@code I}, within {@link MinerConfig#responseTimeout()}, or the connection is closed (a service
 * that accepts and never answers is not a pool). Mining itself has no deadline: the pool is silent until
 * someone finds the block.
 *
 * <p>Reconnecting: a refused or timed-out connect, a missed deadline, a protocol violation and a lost
 * connection are each a failure, and the wait before the next attempt grows by {@link Backoff} (from {@link
 * MinerConfig#retryBase()} doubling to {@link MinerConfig#retryMax()}, with jitter). A <em>healthy</em>
 * session, one in which the pool answered a {@code G} with a {@code T}, resets the backoff, so a pool that
 * restarts after hours of mining is reached again within about the first wait. A host that does not resolve
 * before it ever has is a typing mistake, not an outage: the miner stops and {@link MiningSummary#failed()}
 * says so. So does a {@code Q} for any reason but the pool shutting down.
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

    // Session state, owned by the thread in run().
    private Rig rig;
    private long connectionId;
    private boolean hostResolvedOnce;
    private OutputStream toPool;
    /** Set when a write to the current connection failed: the pool is gone, but what it said last still counts. */
    private IOException writeFailure;
    private long writeFailedAt;
    private SlotSearch search;
    private Submitted awaiting;
    /** The request the pool has yet to answer, with its deadline; null while mining. */
    private Pending pending;
    /** Whether the current connection has had a {@code T}: the definition of a healthy session. */
    private boolean sessionGotTask;
    private long submitted;
    private long accepted;
    private long rejected;
    private long invalidated;
    private long lastReportNanos;
    private long[] lastReportHashes;
    private volatile MiningSummary summary;

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
    private sealed interface Event permits Received, Broken, SearchEnded, StopRequested {
    }

    private record Received(long connection, Message message) implements Event {
    }

    private record Broken(long connection, String reason, boolean protocolViolation) implements Event {
    }

    private record SearchEnded(SlotSearch search) implements Event {
    }

    private record StopRequested() implements Event {
    }

    /** A nonce sent in {@code S}, waiting for the pool's {@code A}, {@code R} or {@code I}. */
    private record Submitted(int job, long nonce) {
    }

    /** A request sent to the pool ({@code G} or {@code S}) and the time its answer is due (nanoTime). */
    private record Pending(char request, long deadline) {
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
        STOPPED
    }

    private record Ending(End end, String reason, Message.Quit quit) {
        static final Ending STOPPED = new Ending(End.STOPPED, "stopped", null);

        static Ending of(End end, String reason) {
            return new Ending(end, reason, null);
        }
    }

    /**
     * Mines until the pool sends {@code Q} or {@link #stop()} is called, reconnecting with backoff whenever the
     * connection is refused, lost, broken or unanswered. Prints the summary and returns it.
     */
    public MiningSummary run() {
        long start = System.nanoTime();
        console.info("minepool miner %s -> %s, %d %s, engine %s", config.name(), config.pool(), config.threads(),
                config.threads() == 1 ? "thread" : "threads", config.engine().name());
        boolean failed = false;
        try (Rig rig = new Rig(config.engine(), config.threads())) {
            this.rig = rig;
            lastReportHashes = new long[config.threads()];
            lastReportNanos = System.nanoTime();
            while (!stopRequested) {
                Socket socket;
                try {
                    socket = connect();
                } catch (UnknownHostException e) {
                    if (stopRequested) {
                        break;
                    }
                    if (!hostResolvedOnce) {
                        console.event("cannot resolve pool host '%s'; check --host", config.host());
                        failed = true;
                        break;
                    }
                    // It resolved before, so the name exists: a DNS outage, which passes.
                    Duration delay = backoff.next();
                    console.info("cannot resolve pool host '%s' now; retrying in %s (attempt %d)", config.host(),
                            HashRate.format(delay), backoff.failures());
                    if (!pause(delay)) {
                        break;
                    }
                    continue;
                } catch (IOException e) {
                    if (stopRequested) {
                        break;
                    }
                    Duration delay = backoff.next();
                    String why = e instanceof SocketTimeoutException
                            ? "no answer to the connect within " + HashRate.format(config.connectTimeout())
                            : describe(e);
                    console.info("cannot reach %s (%s); retrying in %s (attempt %d)", config.pool(), why,
                            HashRate.format(delay), backoff.failures());
                    if (!pause(delay)) {
                        break;
                    }
                    continue;
                }
                Ending ending = mine(socket);
                if (ending.end() == End.STOPPED) {
                    break;
                }
                if (ending.end() == End.QUIT) {
                    failed = onQuit(ending.quit());
                    break;
                }
                if (sessionGotTask) {
                    backoff.reset(); // a healthy session: this failure is the first of a new run
                }
                Duration delay = backoff.next();
                String wait = HashRate.format(delay) + " (attempt " + backoff.failures() + ")";
                switch (ending.end()) {
                    case VIOLATION -> console.info("the pool sent something that is not minepool protocol (%s); "
                            + "reconnecting in %s", ending.reason(), wait);
                    case NO_ANSWER -> console.info("%s Reconnecting in %s", ending.reason(), wait);
                    default -> console.info("lost connection to %s (%s); retrying in %s", config.pool(),
                            ending.reason(), wait);
                }
                if (!pause(delay)) {
                    break;
                }
            }
            summary = new MiningSummary(Duration.ofNanos(System.nanoTime() - start), rig.totalHashes(), submitted,
                    accepted, rejected, invalidated, failed);
        } finally {
            if (summary == null) {
                summary = new MiningSummary(Duration.ofNanos(System.nanoTime() - start), 0, submitted, accepted,
                        rejected, invalidated, true);
            }
            console.event("%s", summary.describe());
            finished.countDown();
        }
        return summary;
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

    private Socket connect() throws IOException {
        Socket socket = new Socket();
        connecting = socket;
        try {
            if (stopRequested) {
                throw new SocketException("stopped");
            }
            InetAddress address = resolver.resolve(config.host());
            hostResolvedOnce = true;
            socket.connect(new InetSocketAddress(address, config.port()), timeoutMillis(config.connectTimeout()));
            // S and G are a few bytes each and the answer is waited for: send them at once.
            socket.setTcpNoDelay(true);
            return socket;
        } catch (IOException | RuntimeException e) {
            closeQuietly(socket);
            throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        } finally {
            connecting = null;
        }
    }

    private static int timeoutMillis(Duration timeout) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    }

    /** Waits {@code delay} unless a stop is requested first (then false); other events are stale by now. */
    private boolean pause(Duration delay) {
        long deadline = System.nanoTime() + delay.toNanos();
        try {
            while (!stopRequested) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return true;
                }
                events.poll(left, TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopRequested = true;
        }
        return false;
    }

    /** One connection, from the first {@code G} to its end. */
    private Ending mine(Socket socket) {
        long id = ++connectionId;
        sessionGotTask = false;
        pending = null;
        Thread reader = null;
        try {
            InputStream in = socket.getInputStream();
            toPool = socket.getOutputStream();
            writeFailure = null;
            reader = new Thread(() -> read(in, id), "miner-reader-" + id);
            reader.setDaemon(true);
            reader.start();
            console.info("connected to %s", config.pool());
            askForWork();
            long reportEvery = config.reportEvery().toNanos();
            long nextReport = System.nanoTime() + reportEvery;
            while (!stopRequested) {
                long now = System.nanoTime();
                if (writeFailure != null && now - writeFailedAt > WRITE_FAILURE_GRACE.toNanos()) {
                    return Ending.of(End.LOST, describe(writeFailure));
                }
                if (pending != null && now - pending.deadline() >= 0) {
                    return Ending.of(End.NO_ANSWER, "no answer to " + pending.request() + " from " + config.pool()
                            + " within " + HashRate.format(config.responseTimeout()) + "; is that a minepool pool?");
                }
                if (now - nextReport >= 0) {
                    reportHashRate();
                    nextReport += reportEvery;
                    continue;
                }
                long wait = nextReport - now;
                if (pending != null) {
                    wait = Math.min(wait, pending.deadline() - now);
                }
                if (writeFailure != null) {
                    wait = Math.min(wait, Math.max(1, writeFailedAt + WRITE_FAILURE_GRACE.toNanos() - now));
                }
                Event event = events.poll(wait, TimeUnit.NANOSECONDS);
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
            abandonSearch();
            awaiting = null;
            pending = null;
            closeQuietly(socket);
            if (reader != null) {
                reader.interrupt(); // it may be waiting on a full queue that nobody will drain for it
            }
        }
    }

    /** Reacts to one event; returns how the connection ends, or null to carry on. */
    private Ending handle(Event event, long id) throws IOException {
        if (event instanceof StopRequested) {
            return Ending.STOPPED;
        }
        if (event instanceof Received received) {
            return received.connection() == id ? onMessage(received.message()) : null;
        }
        if (event instanceof Broken broken) {
            if (broken.connection() != id) {
                return null;
            }
            return Ending.of(broken.protocolViolation() ? End.VIOLATION : End.LOST, broken.reason());
        }
        if (event instanceof SearchEnded ended && ended.search() == search) {
            onSearchEnded(ended.search());
        }
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
        if (search != null) {
            console.info("the pool sent job %d while job %d was being mined; switching to it", task.job(),
                    search.task().job());
            abandonSearch();
        }
        awaiting = null;
        pending = null; // the T answers the G
        sessionGotTask = true;
        // On a hashing thread: it waits while the queue is full, and gives up only when the rig closes.
        search = rig.start(task, ended -> post(new SearchEnded(ended)));
        String height = "";
        if (task.dataLength() >= BlockHeader.LENGTH) {
            height = " (height " + BlockHeader.readFrom(task.data()).height() + ")";
        }
        console.info("job %d slot %d: nonces 0x%08x-0x%08x, %d zero bits%s", task.job(), task.slot(),
                task.firstNonce(), task.endNonce() - 1, task.zeroBits(), height);
    }

    private void onSearchEnded(SlotSearch ended) throws IOException {
        search = null;
        Message.Task task = ended.task();
        SlotSearch.Outcome outcome = ended.outcome();
        if (outcome instanceof SlotSearch.Found found) {
            byte[] hash = ProofOfWork.hash(task.data(), found.nonce());
            // Re-checked with the reference hash: a broken engine must not make the pool reject us.
            if (!ProofOfWork.meets(hash, task.zeroBits())) {
                console.event("the %s engine claimed nonce 0x%08x for job %d, but its hash %s... does not have %d "
                        + "zero bits; not submitting it, asking for new work", config.engine().name(),
                        found.nonce(), task.job(), hashPrefix(hash), task.zeroBits());
                askForWork();
                return;
            }
            console.event("found nonce 0x%08x hash %s... after %s, submitting", found.nonce(), hashPrefix(hash),
                    HashRate.format(found.elapsed()));
            awaiting = new Submitted(task.job(), found.nonce());
            submitted++;
            send(new Message.Submit(task.job(), found.nonce()));
            expectAnswer('S');
        } else if (outcome instanceof SlotSearch.Exhausted) {
            console.info("job %d slot %d: searched all %d nonces without a hit; asking for new work", task.job(),
                    task.slot(), task.slotSize());
            askForWork();
        } else if (outcome instanceof SlotSearch.Failed failed) {
            console.event("the %s engine failed on job %d (%s); asking for new work", config.engine().name(),
                    task.job(), failed.reason());
            askForWork();
        }
        // Stopped: only an abandoned search is stopped, and its end is no longer current.
    }

    private void onAccepted(int job) throws IOException {
        if (awaiting != null && awaiting.job() == job) {
            accepted++;
            awaiting = null;
            console.event("accepted: +1 coin, total %d", accepted);
            askForWork();
        } else {
            console.info("ignoring A for job %d: no nonce of that job is waiting for an answer", job);
        }
    }

    private void onRejected(int job) throws IOException {
        if (awaiting != null && awaiting.job() == job) {
            rejected++;
            console.event("rejected by the pool: nonce 0x%08x for job %d", awaiting.nonce(), job);
            awaiting = null;
            askForWork();
        } else {
            console.info("ignoring R for job %d: no nonce of that job is waiting for an answer", job);
        }
    }

    private void onInvalidated(int job) throws IOException {
        if (search != null && search.task().job() == job) {
            abandonSearch();
            invalidated++;
            console.event("job %d invalidated: someone else found the block, asking for new work", job);
            askForWork();
        } else if (awaiting != null && awaiting.job() == job) {
            invalidated++;
            console.event("job %d invalidated: the block was already mined before nonce 0x%08x arrived; "
                    + "asking for new work", job, awaiting.nonce());
            awaiting = null;
            askForWork();
        } else {
            console.info("ignoring I for job %d: not the job being mined", job);
        }
    }

    /** Stops the current search's threads; its end, when it comes, is recognised as stale. */
    private void abandonSearch() {
        if (search != null) {
            search.stop();
            search = null;
        }
    }

    private void askForWork() {
        send(new Message.GetWork(config.name()));
        expectAnswer('G');
    }

    /** Starts the deadline for the answer to the request just sent. */
    private void expectAnswer(char request) {
        pending = new Pending(request, System.nanoTime() + config.responseTimeout().toNanos());
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

    private void reportHashRate() {
        long now = System.nanoTime();
        long[] hashes = rig.hashesPerThread();
        long elapsed = now - lastReportNanos;
        double[] perThread = new double[hashes.length];
        double total = 0;
        long delta = 0;
        for (int i = 0; i < hashes.length; i++) {
            delta += hashes[i] - lastReportHashes[i];
            perThread[i] = HashRate.perSecond(hashes[i] - lastReportHashes[i], elapsed);
            total += perThread[i];
        }
        lastReportHashes = hashes;
        lastReportNanos = now;
        if (delta > 0) {
            console.info("hash rate %s", HashRate.format(total, perThread));
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
