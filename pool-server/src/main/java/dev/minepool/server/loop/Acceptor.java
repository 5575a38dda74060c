package dev.minepool.server.loop;

import dev.minepool.protocol.Message;
import dev.minepool.server.PoolConfig;
import dev.minepool.server.PoolLog;
import dev.minepool.server.rules.Miner;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Accepts connections for the event loop: each gets a {@link Connection} and its {@link Miner}, and is admitted
 * or refused with {@code Q} ({@link Admission}). Refusals are logged {@value #REFUSALS_LOGGED} times per summary
 * interval and counted always. Event-loop thread only.
 */
final class Acceptor {
    /** How long accepting pauses after accept() fails (out of file descriptors). */
    private static final Duration ACCEPT_PAUSE = Duration.ofMillis(100);
    /** Refusals logged in full per summary interval; the rest are counted in the summary line. */
    private static final int REFUSALS_LOGGED = 5;

    private final PoolConfig config;
    private final PoolLog log;
    private final Selector selector;
    private final ServerSocketChannel listener;
    private final SelectionKey listenerKey;
    private final Admission admission;
    private final Connections connections;
    private final Snapshots snapshots;
    private final Consumer<Connection> admitted;
    private long nextId;
    private boolean paused;
    private long pausedUntil;
    private int refusalsLogged;

    /** @param admitted told of each admitted connection, which must now send its G in time */
    Acceptor(PoolConfig config, Selector selector, ServerSocketChannel listener, SelectionKey listenerKey,
             Admission admission, Connections connections, Snapshots snapshots, Consumer<Connection> admitted) {
        this.config = config;
        this.log = config.log();
        this.selector = selector;
        this.listener = listener;
        this.listenerKey = listenerKey;
        this.admission = admission;
        this.connections = connections;
        this.snapshots = snapshots;
        this.admitted = admitted;
    }

    /** Accepts every connection waiting in the backlog. */
    void acceptAll() {
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
                    admitted.accept(c);
                }
            } catch (IOException e) { // e.g. reset before we got to it: this connection is gone, the pool carries on
                log.info((remote == null ? "a peer" : describe(remote)) + " disconnected while being accepted: "
                        + PoolLog.reason(e));
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // closing is all that was wanted
                }
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
            pausedUntil = System.nanoTime() + ACCEPT_PAUSE.toNanos();
            paused = true;
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
        connections.quit(c, reason);
    }

    void resumeIfDue(long now) {
        if (paused && now - pausedUntil >= 0) {
            paused = false;
            listenerKey.interestOps(SelectionKey.OP_ACCEPT);
        }
    }

    /** The earlier of {@code next} and the end of a pause (System.nanoTime). */
    long nextDue(long next) {
        return paused ? Math.min(next, pausedUntil) : next;
    }

    /** A summary line was logged: refusals may be logged in full again. */
    void newInterval() {
        refusalsLogged = 0;
    }

    private static String describe(InetSocketAddress remote) {
        return remote.getAddress().getHostAddress() + ":" + remote.getPort();
    }
}
