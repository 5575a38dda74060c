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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A miner's session with its pool: connect, ask for work, mine, submit, and again, until the pool says
 * {@code Q} or someone calls {@link #stop()}.
 *
 * <p>One thread, the one that calls {@link #run()}, owns every piece of session state: the connection, the
 * search being mined and the nonce waiting for an answer. The other threads only hand it events through one
 * queue, like the JDK's dispatcher: the reader thread of a connection posts each decoded message or the reason
 * the connection broke, the hashing threads post the end of a search, and {@link #stop()} posts a stop. Events
 * from an older connection or an abandoned search are recognised and dropped, so a late message can never
 * confuse the current one.
 *
 * <p>States of a connection: waiting for {@code T} after a {@code G}; mining a slot; waiting for the answer to
 * an {@code S} (the slot's threads are stopped, whatever the answer). A lost connection or a pool that breaks
 * the protocol is closed and re-established after 1 s, doubling to 30 s while the pool cannot be reached; the
 * connect itself times out after {@link #CONNECT_TIMEOUT}.
 */
public final class Miner {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** How long the reader gets, after a write failed, to deliver what the pool sent before it closed. */
    static final Duration WRITE_FAILURE_GRACE = Duration.ofSeconds(1);
    private static final int READ_BUFFER = 8192;
    private static final int HASH_PREFIX_BYTES = 6;

    private final MinerConfig config;
    private final Console console;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean stopRequested;
    /** The socket being connected, so that {@link #stop()} can cut a slow connect short. */
    private volatile Socket connecting;

    // Session state, owned by the thread in run().
    private Rig rig;
    private long connectionId;
    private OutputStream toPool;
    /** Set when a write to the current connection failed: the pool is gone, but what it said last still counts. */
    private IOException writeFailure;
    private long writeFailedAt;
    private SlotSearch search;
    private Submitted awaiting;
    private long submitted;
    private long accepted;
    private long rejected;
    private long invalidated;
    private long lastReportNanos;
    private long[] lastReportHashes;
    private volatile MiningSummary summary;

    /** A miner that prints its lines to {@code out}; {@link #run()} starts it. */
    public Miner(MinerConfig config, PrintStream out) {
        this.config = config;
        this.console = new Console(out, config.quiet());
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

    /** How a connection ended. */
    private record Ending(boolean reconnect, String reason, boolean protocolViolation) {
        static final Ending QUIT = new Ending(false, "the pool said goodbye", false);
        static final Ending STOPPED = new Ending(false, "stopped", false);
    }

    /**
     * Mines until the pool sends {@code Q} or {@link #stop()} is called, reconnecting whenever the connection
     * is refused, lost or broken. Prints the summary and returns it.
     */
    public MiningSummary run() {
        long start = System.nanoTime();
        console.info("minepool miner %s -> %s, %d %s, engine %s", config.name(), config.pool(), config.threads(),
                config.threads() == 1 ? "thread" : "threads", config.engine().name());
        try (Rig rig = new Rig(config.engine(), config.threads())) {
            this.rig = rig;
            lastReportHashes = new long[config.threads()];
            lastReportNanos = System.nanoTime();
            int attempt = 0;
            while (!stopRequested) {
                Socket socket;
                try {
                    socket = connect();
                } catch (IOException e) {
                    if (stopRequested) {
                        break;
                    }
                    attempt++;
                    Duration delay = config.retryDelay(attempt);
                    console.info("cannot reach %s (%s); retrying in %s (attempt %d)", config.pool(), describe(e),
                            HashRate.format(delay), attempt);
                    if (!pause(delay)) {
                        break;
                    }
                    continue;
                }
                Ending ending = mine(socket);
                if (!ending.reconnect()) {
                    if (ending == Ending.QUIT) {
                        console.info("the pool said goodbye (Q); stopping");
                    }
                    break;
                }
                // The connection worked, so start the doubling again; the wait before reconnecting is attempt 1.
                attempt = 1;
                Duration delay = config.retryDelay(attempt);
                if (ending.protocolViolation()) {
                    console.info("the pool sent something that is not minepool protocol (%s); reconnecting in %s",
                            ending.reason(), HashRate.format(delay));
                } else {
                    console.info("lost connection to %s (%s); retrying in %s", config.pool(), ending.reason(),
                            HashRate.format(delay));
                }
                if (!pause(delay)) {
                    break;
                }
            }
            summary = new MiningSummary(Duration.ofNanos(System.nanoTime() - start), rig.totalHashes(), submitted,
                    accepted, rejected, invalidated);
        } finally {
            if (summary == null) {
                summary = new MiningSummary(Duration.ofNanos(System.nanoTime() - start), 0, submitted, accepted,
                        rejected, invalidated);
            }
            console.event("%s", summary.describe());
            finished.countDown();
        }
        return summary;
    }

    /** Asks {@link #run()} to stop mining, print the summary and return. Safe from any thread, any time. */
    public void stop() {
        stopRequested = true;
        events.add(new StopRequested());
        Socket socket = connecting;
        if (socket != null) {
            closeQuietly(socket);
        }
    }

    /** Waits until {@link #run()} has printed its summary; false if that took longer than {@code timeout}. */
    public boolean awaitFinished(Duration timeout) throws InterruptedException {
        return finished.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket();
        connecting = socket;
        try {
            if (stopRequested) {
                throw new SocketException("stopped");
            }
            socket.connect(new InetSocketAddress(config.host(), config.port()), (int) CONNECT_TIMEOUT.toMillis());
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
        try {
            InputStream in = socket.getInputStream();
            toPool = socket.getOutputStream();
            writeFailure = null;
            Thread reader = new Thread(() -> read(in, id), "miner-reader-" + id);
            reader.setDaemon(true);
            reader.start();
            console.info("connected to %s", config.pool());
            askForWork();
            long reportEvery = config.reportEvery().toNanos();
            long nextReport = System.nanoTime() + reportEvery;
            while (true) {
                if (writeFailure != null && System.nanoTime() - writeFailedAt > WRITE_FAILURE_GRACE.toNanos()) {
                    return new Ending(true, describe(writeFailure), false);
                }
                long wait = nextReport - System.nanoTime();
                if (wait <= 0) {
                    reportHashRate();
                    nextReport += reportEvery;
                    continue;
                }
                if (writeFailure != null) {
                    wait = Math.min(wait, Math.max(1, writeFailedAt + WRITE_FAILURE_GRACE.toNanos() - System.nanoTime()));
                }
                Event event = events.poll(wait, TimeUnit.NANOSECONDS);
                Ending ending = event == null ? null : handle(event, id);
                if (ending != null) {
                    return ending;
                }
            }
        } catch (IOException e) {
            return new Ending(true, describe(e), false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopRequested = true;
            return Ending.STOPPED;
        } finally {
            abandonSearch();
            awaiting = null;
            closeQuietly(socket);
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
            return broken.connection() == id
                    ? new Ending(true, broken.reason(), broken.protocolViolation()) : null;
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
        } else if (message instanceof Message.Quit) {
            return Ending.QUIT;
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
        search = rig.start(task, ended -> events.add(new SearchEnded(ended)));
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

    private void askForWork() throws IOException {
        send(new Message.GetWork(config.name()));
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
     * The reader thread of one connection: decodes what the pool sends and hands it to the session thread.
     * Ends at the first error or at end of stream, saying why.
     */
    private void read(InputStream in, long id) {
        MessageDecoder decoder = new MessageDecoder(Direction.SERVER_TO_CLIENT);
        byte[] buffer = new byte[READ_BUFFER];
        List<Message> messages = new ArrayList<>();
        try {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                try {
                    decoder.decode(ByteBuffer.wrap(buffer, 0, n), messages);
                } finally {
                    // messages decoded before a bad byte in the same read still count
                    for (Message message : messages) {
                        events.add(new Received(id, message));
                    }
                    messages.clear();
                }
            }
            decoder.finish();
            events.add(new Broken(id, "the pool closed the connection", false));
        } catch (ProtocolException e) {
            events.add(new Broken(id, e.getMessage(), true));
        } catch (IOException e) {
            events.add(new Broken(id, describe(e), false));
        }
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
