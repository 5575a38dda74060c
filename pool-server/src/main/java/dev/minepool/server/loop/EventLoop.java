package dev.minepool.server.loop;

import dev.minepool.protocol.Message;
import dev.minepool.protocol.ProtocolException;
import dev.minepool.server.PoolConfig;
import dev.minepool.server.PoolLog;
import dev.minepool.server.chain.Block;
import dev.minepool.server.rules.BlockSink;
import dev.minepool.server.rules.Miner;
import dev.minepool.server.rules.PoolClock;
import dev.minepool.server.rules.Referee;
import dev.minepool.server.rules.UnpublishedBlockException;
import dev.minepool.server.status.PoolSnapshot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The pool's one event-loop thread: it owns the selector and every connection, moves bytes, keeps deadlines,
 * and hands each decoded {@code G} and {@code S} to the {@link Referee}, which answers through the loop's
 * {@link Connections}. It knows bytes and connections, not the rules.
 *
 * <p>Connections and their timeouts are described on {@link Connection}, their writes and ends on {@link
 * Connections}. A connection is closed on a protocol violation, when it hangs up, when it sends no {@code G} in
 * time, and when it stops reading; after a {@code Q} it lingers briefly so that the miner reads it.
 *
 * <p>Other threads only {@linkplain #requestStop ask it to stop}; everything they may read is in the {@link
 * PoolSnapshot}s it publishes. An exception while serving one connection is a bug that closes that connection,
 * unless it is about a block already on disk ({@link UnpublishedBlockException}); that and any other failure end
 * the loop ({@link #failure()}), and the pool with it.
 */
public final class EventLoop implements Runnable {
    private static final int READ_BUFFER_SIZE = 16 * 1024;
    private static final Duration WARNING_REPORT_EVERY = Duration.ofSeconds(10);

    private final PoolConfig config;
    private final PoolLog log;
    private final Selector selector;
    private final ServerSocketChannel listener;
    private final SelectionKey listenerKey;
    private final Referee referee;
    private final Admission admission;
    private final Snapshots snapshots;
    private final Connections connections;
    private final Acceptor acceptor;
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_SIZE);
    private final List<Message> decoded = new ArrayList<>();
    /** Connections in the order they arrived, so in deadline order: the no-G timeout is the same for all. */
    private final ArrayDeque<Connection> awaitingGetWork = new ArrayDeque<>();
    private volatile boolean stopRequested;
    private volatile Throwable failure;
    private final java.util.concurrent.ConcurrentLinkedQueue<Runnable> tasks =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    private long batchStartNanos;
    private long nextWarningReport;

    /**
     * @param listener a bound, non-blocking listening socket registered with nothing yet
     * @param chain    where won blocks are stored, durably, before their {@code A}
     * @param publish  receives every snapshot, on this loop's thread; must be quick
     */
    public EventLoop(PoolConfig config, ServerSocketChannel listener, BlockSink chain,
                     java.util.function.Consumer<PoolSnapshot> publish) throws IOException {
        this(config, listener, chain, dev.minepool.server.rules.PendingRecords.NONE, publish);
    }

    /** @param pending what fills each new job's transaction region (the mempool, on this loop's thread) */
    public EventLoop(PoolConfig config, ServerSocketChannel listener, BlockSink chain,
                     dev.minepool.server.rules.PendingRecords pending,
                     java.util.function.Consumer<PoolSnapshot> publish) throws IOException {
        this.config = config;
        this.log = config.log();
        this.listener = listener;
        this.selector = Selector.open();
        this.listenerKey = listener.register(selector, SelectionKey.OP_ACCEPT);
        this.admission = new Admission(config.maxClients(), config.maxClientsPerHost());
        this.connections = new Connections(config, admission);
        this.referee = new Referee(config, PoolClock.SYSTEM, chain, connections, pending);
        this.snapshots = new Snapshots(config, referee, selector, publish);
        connections.wire(referee, snapshots);
        this.acceptor = new Acceptor(config, selector, listener, listenerKey, admission, connections, snapshots,
                awaitingGetWork::addLast);
    }

    /**
     * Runs {@code task} on the loop's thread, soon: how another thread (the HTTP side, say) hands the loop a
     * change, instead of touching its state. Safe from any thread; never blocks. A task must be quick, and
     * what it throws is a bug that stops the pool like any other.
     */
    public void execute(Runnable task) {
        tasks.add(task);
        selector.wakeup();
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
                // G->T is measured from here: a G that waited behind thousands of others in the same wake-up
                // counts that wait, which is what a herd of miners feels.
                batchStartNanos = System.nanoTime();
                for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                    SelectionKey key = it.next();
                    it.remove();
                    if (stopRequested) {
                        break;
                    }
                    if (key.isValid() && key == listenerKey) {
                        acceptor.acceptAll();
                    } else if (key.isValid() && key.attachment() instanceof Connection c) {
                        serve(c, key);
                    }
                }
                for (Runnable task = tasks.poll(); task != null; task = tasks.poll()) {
                    task.run();
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
                connections.flush(c);
            }
        } catch (IOException e) { // the chain could not be written: no A was sent, and none may be
            log.warn(e.getMessage() + "; stopping the pool, since no block is acknowledged before it is on disk");
            failure = e;
            stopRequested = true;
        } catch (UnpublishedBlockException e) { // a bug after the A: not this miner's, and the pool's views are off
            log.warn(e.getMessage() + "; stopping the pool, since its next jobs would be built from a mempool that"
                    + " missed the block (a restart reads it back from the chain file)");
            e.printStackTrace();
            failure = e;
            stopRequested = true;
        } catch (RuntimeException e) { // a bug, not the miner's fault; one miner must not take the pool down
            snapshots.internalErrors++;
            log.warn("closed " + c.who() + " after an internal error: " + e);
            e.printStackTrace();
            connections.close(c, CloseReason.INTERNAL_ERROR);
        }
    }

    private void read(Connection c) throws IOException {
        readBuffer.clear();
        int n;
        try {
            n = c.channel.read(readBuffer);
        } catch (IOException e) {
            connections.disconnected(c, PoolLog.reason(e));
            return;
        }
        if (c.state == Connection.State.CLOSING) { // drained after its Q: only the end matters
            if (n < 0) {
                connections.close(c, CloseReason.HANGUP);
            }
            return;
        }
        if (n < 0) {
            try {
                c.decoder.finish();
                connections.disconnected(c, null);
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
        snapshots.received(message.type());
        if (message instanceof Message.GetWork g) {
            referee.getWork(c.miner, g);
            snapshots.getWorkToTask(System.nanoTime() - batchStartNanos);
            if (c.state == Connection.State.AWAITING_G && c.miner.name() != null) {
                c.state = Connection.State.MINING;
            }
        } else if (message instanceof Message.Submit s) {
            Block block = referee.submit(c.miner, s);
            if (block != null) {
                snapshots.fanOut(referee.lastFanOutNanos());
                snapshots.blockMined(block, System.nanoTime());
                if (config.maxBlocks() > 0 && referee.totals().blocks() >= config.maxBlocks()) {
                    log.info("mined " + PoolLog.count(referee.totals().blocks(), "block") + " in this run, the"
                            + " --max-blocks limit: stopping");
                    stopRequested = true;
                }
            }
        }
    }

    private void violation(Connection c, ProtocolException e) {
        snapshots.violations++;
        log.warn("closed " + c.who() + ": " + e.getMessage());
        connections.close(c, CloseReason.PROTOCOL_VIOLATION);
    }

    private void tick(long now) {
        acceptor.resumeIfDue(now);
        for (Connection c = awaitingGetWork.peekFirst(); c != null; c = awaitingGetWork.peekFirst()) {
            if (c.state != Connection.State.AWAITING_G) {
                awaitingGetWork.removeFirst();
            } else if (c.getWorkDeadline - now <= 0) {
                awaitingGetWork.removeFirst();
                snapshots.noGetWork++;
                log.warn("closed " + c.miner.address() + ": no G within " + PoolLog.seconds(config.getWorkTimeout())
                        + " of connecting");
                connections.close(c, CloseReason.NO_GET_WORK);
            } else {
                break;
            }
        }
        connections.expireLingering(now);
        if (now - nextWarningReport >= 0) {
            referee.reportSuppressedWarnings();
            nextWarningReport = now + WARNING_REPORT_EVERY.toNanos();
        }
        if (snapshots.tick(now, false)) {
            acceptor.newInterval(); // a summary was logged: a new interval of refusals may be logged in full
        }
    }

    private long selectTimeoutMillis() {
        long now = System.nanoTime();
        long next = Math.min(snapshots.nextDue(), nextWarningReport);
        if (!awaitingGetWork.isEmpty()) {
            next = Math.min(next, awaitingGetWork.peekFirst().getWorkDeadline);
        }
        next = Math.min(next, connections.nextLingerDeadline(next));
        next = acceptor.nextDue(next);
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
            connections.quit(c, Message.Quit.Reason.SHUTDOWN);
        }
        if (!open.isEmpty()) {
            log.info("sent Q to " + PoolLog.count(open.size(), "connection"));
        }
        long deadline = System.nanoTime() + Connections.LINGER.toNanos();
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
                connections.close(c, CloseReason.SHUTDOWN);
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

    private static void closeQuietly(java.io.Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException e) {
            // closing is all that was wanted
        }
    }
}
