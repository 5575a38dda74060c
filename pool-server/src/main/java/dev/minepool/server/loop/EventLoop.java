package dev.minepool.server.loop;

import dev.minepool.protocol.Message;
import dev.minepool.protocol.ProtocolException;
import dev.minepool.server.PoolConfig;
import dev.minepool.server.PoolLog;
import dev.minepool.server.chain.Block;
import dev.minepool.server.rules.BlockSink;
import dev.minepool.server.rules.Miner;
import dev.minepool.server.rules.Outbox;
import dev.minepool.server.rules.PoolClock;
import dev.minepool.server.rules.Referee;
import dev.minepool.server.status.PoolSnapshot;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The pool's one event-loop thread: it owns the selector and every connection, moves bytes, keeps deadlines,
 * and hands each decoded {@code G} and {@code S} to the {@link Referee}, which answers through this loop's
 * {@link Outbox}. It knows bytes and connections, not the rules.
 *
 * <p>Connections and their timeouts are described on {@link Connection}. A connection is closed on a protocol
 * violation, when it hangs up, when it sends no {@code G} in time, and when it stops reading. After a {@code Q}
 * it is half-closed and drained for up to {@link #LINGER} (so that a {@code G} crossing the {@code Q} draws no
 * reset, which could cost the miner the unread {@code Q}), then closed.
 *
 * <p>Other threads only {@linkplain #requestStop ask it to stop}; everything they may read is in the {@link
 * PoolSnapshot}s it publishes. An exception while serving one connection is a bug that closes that connection;
 * any other failure ends the loop ({@link #failure()}), and the pool with it.
 */
public final class EventLoop implements Runnable {
    /** Bytes that may wait for one slow connection beyond one T: plenty of notices, and then it is not reading. */
    public static final int OUTGOING_LIMIT = 64 * 1024;
    /** How long a connection is drained after its Q, and how long shutdown waits for the Q's to leave. */
    static final Duration LINGER = Duration.ofSeconds(2);
    /** At most this many refused or departing connections linger at once; beyond it they are closed at once. */
    private static final int MAX_LINGERING = 1_000;
    private static final int READ_BUFFER_SIZE = 16 * 1024;
    private static final Duration ACCEPT_PAUSE = Duration.ofMillis(100);
    private static final Duration PUBLISH_EVERY = Duration.ofMillis(250);
    private static final Duration WARNING_REPORT_EVERY = Duration.ofSeconds(10);
    /** Refusals logged in full per summary interval; the rest are counted in the summary line. */
    private static final int REFUSALS_LOGGED = 5;

    /**
     * Built at start, not when first needed: if the jar under a running pool is replaced, no class that has not
     * been loaded yet can be, and saying goodbye must still work.
     */
    private static final Message.Quit[] QUITS = new Message.Quit[Message.Quit.Reason.values().length];

    static {
        for (Message.Quit.Reason reason : Message.Quit.Reason.values()) {
            QUITS[reason.ordinal()] = new Message.Quit(reason);
        }
    }

    private final PoolConfig config;
    private final PoolLog log;
    private final Selector selector;
    private final ServerSocketChannel listener;
    private final SelectionKey listenerKey;
    private final Referee referee;
    private final Admission admission;
    private final Snapshots snapshots;
    private final int outgoingLimit;
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_SIZE);
    private final List<Message> decoded = new ArrayList<>();
    /** Connections in the order they arrived, so in deadline order: the no-G timeout is the same for all. */
    private final ArrayDeque<Connection> awaitingGetWork = new ArrayDeque<>();
    /** Half-closed after a Q, in the order their linger began (so in deadline order), with their deadlines. */
    private final ArrayDeque<Connection> lingering = new ArrayDeque<>();
    private final ArrayDeque<Long> lingerDeadlines = new ArrayDeque<>();
    private volatile boolean stopRequested;
    private volatile Throwable failure;
    private long nextId;
    private boolean acceptPaused;
    private long acceptPausedUntil;
    private long nextWarningReport;
    private int refusalsLogged;

    /**
     * @param listener a bound, non-blocking listening socket registered with nothing yet
     * @param chain    where won blocks are stored, durably, before their {@code A}
     * @param publish  receives every snapshot, on this loop's thread; must be quick
     */
    public EventLoop(PoolConfig config, ServerSocketChannel listener, BlockSink chain,
                     java.util.function.Consumer<PoolSnapshot> publish) throws IOException {
        this.config = config;
        this.log = config.log();
        this.listener = listener;
        this.selector = Selector.open();
        this.listenerKey = listener.register(selector, SelectionKey.OP_ACCEPT);
        this.referee = new Referee(config, PoolClock.SYSTEM, chain, new LoopOutbox());
        this.admission = new Admission(config.maxClients(), config.maxClientsPerHost());
        this.outgoingLimit = OUTGOING_LIMIT + Message.Task.HEADER_LENGTH + config.dataSize();
        this.snapshots = new Snapshots(config, referee, selector, publish);
    }

    /** Asks the loop to say goodbye to everyone and return; safe from any thread. */
    public void requestStop() {
        stopRequested = true;
        selector.wakeup();
    }

    /** What ended the loop, if it failed; null while it runs and after a clean stop. */
    public Throwable failure() {
        return failure;
    }

    @Override
    public void run() {
        try {
            long now = System.nanoTime();
            snapshots.start(now);
            nextWarningReport = now + WARNING_REPORT_EVERY.toNanos();
            while (!stopRequested) {
                selector.select(selectTimeoutMillis());
                for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                    SelectionKey key = it.next();
                    it.remove();
                    if (stopRequested) {
                        break;
                    }
                    if (key.isValid() && key == listenerKey) {
                        accept();
                    } else if (key.isValid() && key.attachment() instanceof Connection c) {
                        serve(c, key);
                    }
                }
                tick(System.nanoTime());
            }
        } catch (Throwable e) { // an Error (a class that cannot load, memory) or a broken selector: stop the pool
            failure = e;
            log.warn("the event loop failed: " + e + "; stopping the pool");
        } finally {
            try {
                goodbye();
            } catch (Throwable e) {
                failure = failure != null ? failure : e;
                log.warn("while stopping the pool: " + e);
            }
        }
    }

    private void serve(Connection c, SelectionKey key) {
        try {
            if (key.isReadable()) {
                read(c);
            }
            if (c.open() && key.isValid() && key.isWritable()) {
                flush(c);
            }
        } catch (IOException e) { // the chain could not be written: no A was sent, and none may be
            log.warn(e.getMessage() + "; stopping the pool, since no block is acknowledged before it is on disk");
            failure = e;
            stopRequested = true;
        } catch (RuntimeException e) { // a bug, not the miner's fault; one miner must not take the pool down
            snapshots.internalErrors++;
            log.warn("closed " + c.who() + " after an internal error: " + e);
            e.printStackTrace();
            close(c);
        }
    }

    private void read(Connection c) throws IOException {
        readBuffer.clear();
        int n;
        try {
            n = c.channel.read(readBuffer);
        } catch (IOException e) {
            disconnected(c, PoolLog.reason(e));
            return;
        }
        if (c.state == Connection.State.CLOSING) { // drained after its Q: only the end matters
            if (n < 0) {
                close(c);
            }
            return;
        }
        if (n < 0) {
            try {
                c.decoder.finish();
                disconnected(c, null);
            } catch (ProtocolException e) {
                violation(c, e);
            }
            return;
        }
        readBuffer.flip();
        ProtocolException violation = null;
        try {
            c.decoder.decode(readBuffer, decoded);
        } catch (ProtocolException e) {
            violation = e; // the messages before the bad byte were fine: answer them first
        }
        try {
            for (Message message : decoded) {
                if (stopRequested || (c.state != Connection.State.AWAITING_G && c.state != Connection.State.MINING)) {
                    break;
                }
                dispatch(c, message);
            }
        } finally {
            decoded.clear();
        }
        if (violation != null && c.state != Connection.State.CLOSED && c.state != Connection.State.CLOSING) {
            violation(c, violation);
        }
    }

    private void dispatch(Connection c, Message message) throws IOException {
        snapshots.changed();
        if (message instanceof Message.GetWork g) {
            referee.getWork(c.miner, g);
            if (c.state == Connection.State.AWAITING_G && c.miner.name() != null) {
                c.state = Connection.State.MINING;
            }
        } else if (message instanceof Message.Submit s) {
            Block block = referee.submit(c.miner, s);
            if (block != null) {
                snapshots.blockMined(block, System.nanoTime());
                if (config.maxBlocks() > 0 && referee.totals().blocks() >= config.maxBlocks()) {
                    log.info("mined " + PoolLog.count(referee.totals().blocks(), "block") + " in this run, the"
                            + " --max-blocks limit: stopping");
                    stopRequested = true;
                }
            }
        }
    }

    private void accept() {
        SocketChannel channel;
        while ((channel = acceptOne()) != null) {
            InetSocketAddress remote = null;
            try {
                remote = (InetSocketAddress) channel.getRemoteAddress();
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                SelectionKey key = channel.register(selector, SelectionKey.OP_READ);
                long now = System.nanoTime();
                Miner miner = new Miner(++nextId, describe(remote), now, System.currentTimeMillis());
                Connection c = new Connection(channel, key, miner, remote.getAddress(),
                        now + config.getWorkTimeout().toNanos());
                key.attach(c);
                miner.attach(c);
                snapshots.accepted++;
                snapshots.changed();
                Message.Quit.Reason refusal = admission.admit(c.host);
                if (refusal != null) {
                    refuse(c, refusal);
                } else {
                    c.admitted = true;
                    awaitingGetWork.addLast(c);
                }
            } catch (IOException e) { // e.g. reset before we got to it: this connection is gone, the pool carries on
                log.info((remote == null ? "a peer" : describe(remote)) + " disconnected while being accepted: "
                        + PoolLog.reason(e));
                closeQuietly(channel);
            }
        }
    }

    private SocketChannel acceptOne() {
        try {
            return listener.accept();
        } catch (IOException e) {
            // Out of file descriptors, typically. The listener stays readable while the backlog is full, so
            // keep it out of the selector for a moment instead of spinning on it and logging every turn.
            log.warn("cannot accept connections: " + PoolLog.reason(e) + "; pausing accepts for "
                    + ACCEPT_PAUSE.toMillis() + " ms (" + admission.admitted() + " connections open)");
            listenerKey.interestOps(0);
            acceptPausedUntil = System.nanoTime() + ACCEPT_PAUSE.toNanos();
            acceptPaused = true;
            return null;
        }
    }

    private void refuse(Connection c, Message.Quit.Reason reason) {
        if (reason == Message.Quit.Reason.POOL_FULL) {
            snapshots.refusedFull++;
        } else {
            snapshots.refusedHost++;
        }
        if (refusalsLogged++ < REFUSALS_LOGGED) {
            log.warn("refused " + c.miner.address() + ": " + reason.description() + " ("
                    + admission.limitFor(reason) + "); sent Q");
        }
        quit(c, reason);
    }

    private void disconnected(Connection c, String why) {
        log.info(c.who() + " disconnected" + (why == null ? "" : ": " + why));
        close(c);
    }

    private void violation(Connection c, ProtocolException e) {
        snapshots.violations++;
        log.warn("closed " + c.who() + ": " + e.getMessage());
        close(c);
    }

    /** Encodes and writes, or queues; a connection that is not reading, or is gone, is closed. */
    private void send(Connection c, Message message) {
        if (c.state == Connection.State.CLOSED || c.state == Connection.State.CLOSING) {
            return;
        }
        ByteBuffer bytes = ByteBuffer.allocate(message.encodedLength());
        message.encode(bytes);
        bytes.flip();
        switch (c.write(bytes, outgoingLimit)) {
            case OVER_LIMIT -> {
                snapshots.notReading++;
                log.warn("closed " + c.who() + ": it is not reading; " + c.queuedBytes() + " bytes wait for it"
                        + " (limit " + outgoingLimit + ")");
                close(c);
            }
            case FAILED -> disconnected(c, PoolLog.reason(c.writeFailure));
            default -> { }
        }
    }

    /** Q with the reason, then a half-close and a drain once it is written. */
    private void quit(Connection c, Message.Quit.Reason reason) {
        send(c, QUITS[reason.ordinal()]);
        if (c.open()) {
            c.state = Connection.State.CLOSING;
            if (!c.hasOutgoing()) {
                linger(c);
            }
        }
    }

    private void flush(Connection c) {
        boolean empty;
        try {
            empty = c.flush();
        } catch (IOException e) {
            if (c.state != Connection.State.CLOSING) {
                disconnected(c, PoolLog.reason(e));
            } else {
                close(c);
            }
            return;
        }
        if (empty && c.state == Connection.State.CLOSING) {
            linger(c);
        }
    }

    /** After its Q is written: FIN, then read and discard until the miner closes or {@link #LINGER} passes. */
    private void linger(Connection c) {
        if (lingering.size() >= MAX_LINGERING) {
            close(c);
            return;
        }
        try {
            c.channel.shutdownOutput();
            c.key.interestOps(SelectionKey.OP_READ);
            lingering.addLast(c);
            lingerDeadlines.addLast(System.nanoTime() + LINGER.toNanos());
        } catch (IOException | RuntimeException e) {
            close(c);
        }
    }

    private void close(Connection c) {
        if (c.state == Connection.State.CLOSED) {
            return;
        }
        c.state = Connection.State.CLOSED;
        if (c.admitted) {
            admission.release(c.host);
        }
        referee.disconnected(c.miner);
        snapshots.changed();
        c.key.cancel();
        closeQuietly(c.channel);
    }

    private void tick(long now) {
        if (acceptPaused && now - acceptPausedUntil >= 0) {
            acceptPaused = false;
            listenerKey.interestOps(SelectionKey.OP_ACCEPT);
        }
        for (Connection c = awaitingGetWork.peekFirst(); c != null; c = awaitingGetWork.peekFirst()) {
            if (c.state != Connection.State.AWAITING_G) {
                awaitingGetWork.removeFirst();
            } else if (c.getWorkDeadline - now <= 0) {
                awaitingGetWork.removeFirst();
                snapshots.noGetWork++;
                log.warn("closed " + c.miner.address() + ": no G within " + PoolLog.seconds(config.getWorkTimeout())
                        + " of connecting");
                close(c);
            } else {
                break;
            }
        }
        while (!lingering.isEmpty() && (!lingering.peekFirst().open() || lingerDeadlines.peekFirst() - now <= 0)) {
            close(lingering.removeFirst());
            lingerDeadlines.removeFirst();
        }
        if (now - nextWarningReport >= 0) {
            referee.reportSuppressedWarnings();
            nextWarningReport = now + WARNING_REPORT_EVERY.toNanos();
        }
        if (snapshots.tick(now, false)) {
            refusalsLogged = 0; // a summary was logged: a new interval of refusals may be logged in full
        }
    }

    private long selectTimeoutMillis() {
        long now = System.nanoTime();
        long next = Math.min(snapshots.nextDue(), nextWarningReport);
        if (!awaitingGetWork.isEmpty()) {
            next = Math.min(next, awaitingGetWork.peekFirst().getWorkDeadline);
        }
        if (!lingerDeadlines.isEmpty()) {
            next = Math.min(next, lingerDeadlines.peekFirst());
        }
        if (acceptPaused) {
            next = Math.min(next, acceptPausedUntil);
        }
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(next - now) + 1);
    }

    /** Q to everyone, a bounded wait for the bytes to leave and the miners to close, then everything closed. */
    private void goodbye() throws IOException {
        closeQuietly(listener); // no new miners while the others are told goodbye
        List<Connection> open = new ArrayList<>();
        for (SelectionKey key : selector.keys()) {
            if (key.attachment() instanceof Connection c && c.open() && c.state != Connection.State.CLOSING) {
                open.add(c);
            }
        }
        for (Connection c : open) {
            quit(c, Message.Quit.Reason.SHUTDOWN);
        }
        if (!open.isEmpty()) {
            log.info("sent Q to " + PoolLog.count(open.size(), "connection"));
        }
        long deadline = System.nanoTime() + LINGER.toNanos();
        while (hasOpenConnections() && deadline - System.nanoTime() > 0) {
            selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                SelectionKey key = it.next();
                it.remove();
                if (key.isValid() && key.attachment() instanceof Connection c) {
                    serve(c, key);
                }
            }
        }
        for (SelectionKey key : selector.keys()) {
            if (key.attachment() instanceof Connection c) {
                close(c);
            }
        }
        snapshots.tick(System.nanoTime(), true);
        selector.close();
        log.info("pool stopped: " + PoolLog.count(referee.totals().blocks(), "block") + " in this run, chain tip"
                + " is block " + referee.tip().height());
    }

    private boolean hasOpenConnections() {
        for (SelectionKey key : selector.keys()) {
            if (key.attachment() instanceof Connection c && c.open()) {
                return true;
            }
        }
        return false;
    }

    private static String describe(InetSocketAddress remote) {
        return remote.getAddress().getHostAddress() + ":" + remote.getPort();
    }

    private static void closeQuietly(java.io.Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException e) {
            // closing is all that was wanted
        }
    }

    /** The rules' answers, turned into bytes on this loop's connections. */
    private final class LoopOutbox implements Outbox {
        @Override
        public void send(Miner miner, Message message) {
            EventLoop.this.send((Connection) miner.attachment(), message);
        }

        @Override
        public void quit(Miner miner, Message.Quit.Reason reason) {
            EventLoop.this.quit((Connection) miner.attachment(), reason);
        }
    }
}
