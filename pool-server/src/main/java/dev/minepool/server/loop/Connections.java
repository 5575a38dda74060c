package dev.minepool.server.loop;

import dev.minepool.protocol.Message;
import dev.minepool.protocol.MessageType;
import dev.minepool.server.PoolConfig;
import dev.minepool.server.PoolLog;
import dev.minepool.server.rules.Miner;
import dev.minepool.server.rules.Outbox;
import dev.minepool.server.rules.Referee;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.time.Duration;
import java.util.ArrayDeque;

/**
 * The write side and the end of the event loop's connections: the rules' {@link Outbox}, turned into bytes.
 *
 * <p>Writes go straight to the socket while nothing waits, and queue otherwise; a connection whose queue would
 * pass {@link #OUTGOING_LIMIT} plus one {@code T} has stopped reading and is closed, rather than allowed to hold
 * the pool's memory. After a {@code Q} a connection is half-closed and drained for up to {@link #LINGER}, then
 * closed: a miner whose {@code G} crosses the {@code Q} would otherwise draw a reset, which can cost it the
 * {@code Q} still unread in its socket. Event-loop thread only.
 */
final class Connections implements Outbox {
    /** Bytes that may wait for one slow connection beyond one T: plenty of notices, and then it is not reading. */
    static final int OUTGOING_LIMIT = 64 * 1024;
    /** How long a connection is drained after its Q, and how long shutdown waits for the Q's to leave. */
    static final Duration LINGER = Duration.ofSeconds(2);
    /** At most this many refused or departing connections linger at once; beyond it they are closed at once. */
    private static final int MAX_LINGERING = 1_000;
    /** Room for any message but a T (the longest, Q with its reason, is a few bytes). */
    private static final int SCRATCH_BYTES = 64;

    /**
     * Built when this class loads, not when first needed: if the jar under a running pool is replaced, no class
     * that has not been loaded yet can be, and saying goodbye must still work.
     */
    private static final Message.Quit[] QUITS = new Message.Quit[Message.Quit.Reason.values().length];

    static {
        for (Message.Quit.Reason reason : Message.Quit.Reason.values()) {
            QUITS[reason.ordinal()] = new Message.Quit(reason);
        }
    }

    private final PoolLog log;
    private final Admission admission;
    private final int outgoingLimit;
    /** Half-closed after a Q, in the order their linger began (so in deadline order), with their deadlines. */
    private final ArrayDeque<Connection> lingering = new ArrayDeque<>();
    private final ArrayDeque<Long> lingerDeadlines = new ArrayDeque<>();
    /**
     * Reused for every message but a T, since the loop writes one message at a time and a write copies whatever
     * must wait: a fan-out to 10,000 miners allocates nothing per miner. Direct, and written with a plain
     * {@code write}: from a heap buffer the JDK would copy each message into a temporary direct buffer first.
     */
    private final ByteBuffer small = ByteBuffer.allocateDirect(SCRATCH_BYTES);
    /**
     * A whole T, header and data, written with one {@code write}: the data is copied in once per job (from the
     * job's own buffer, {@link #taskData}), and only the 12-byte header is encoded per miner. A gathering write of
     * a header and the job's buffer cost the JDK a copy of the header into a temporary direct buffer and an
     * iovec per miner, and the kernel a {@code writev}.
     */
    private ByteBuffer task;
    /**
     * The job buffer whose bytes are in {@link #task} now; they are copied again when another job's arrives. Held
     * by identity, which keeps that one job's buffer (at most 64 KiB) reachable until the next.
     */
    private ByteBuffer taskData;
    private int taskLength;
    private Referee referee;
    private Snapshots snapshots;

    Connections(PoolConfig config, Admission admission) {
        this.log = config.log();
        this.admission = admission;
        this.outgoingLimit = OUTGOING_LIMIT + Message.Task.HEADER_LENGTH + config.dataSize();
    }

    /** The two it reports to, which are built with it as their outbox. */
    void wire(Referee referee, Snapshots snapshots) {
        this.referee = referee;
        this.snapshots = snapshots;
    }

    @Override
    public void send(Miner miner, Message message) {
        send((Connection) miner.attachment(), message);
    }

    @Override
    public void quit(Miner miner, Message.Quit.Reason reason) {
        quit((Connection) miner.attachment(), reason);
    }

    /** Encodes and writes, or queues; a connection that is not reading, or is gone, is closed. */
    void send(Connection c, Message message) {
        if (c.state == Connection.State.CLOSED || c.state == Connection.State.CLOSING) {
            return;
        }
        ByteBuffer bytes = message.encodedLength() <= SCRATCH_BYTES ? small.clear()
                : ByteBuffer.allocateDirect(message.encodedLength()); // a T built as a message: tests only
        message.encode(bytes);
        bytes.flip();
        written(c, message.type(), c.write(bytes, outgoingLimit));
    }

    @Override
    public void sendTask(Miner miner, int job, int slot, long slotSize, int zeroBits, ByteBuffer data) {
        Connection c = (Connection) miner.attachment();
        if (c.state == Connection.State.CLOSED || c.state == Connection.State.CLOSING) {
            return;
        }
        int length = Message.Task.HEADER_LENGTH + data.remaining();
        if (data != taskData || length != taskLength) {
            if (task == null || task.capacity() < length) {
                task = ByteBuffer.allocateDirect(length);
            }
            task.clear().position(Message.Task.HEADER_LENGTH);
            task.put(data.duplicate());
            taskData = data;
            taskLength = length;
        }
        task.clear();
        Message.Task.encodeHeader(task, job, slot, slotSize, zeroBits, data.remaining());
        task.limit(length).position(0);
        written(c, MessageType.TASK, c.write(task, outgoingLimit));
    }

    private void written(Connection c, MessageType type, Connection.Written outcome) {
        switch (outcome) {
            case OVER_LIMIT -> {
                snapshots.notReading++;
                log.warn("closed " + c.who() + ": it is not reading; " + c.queuedBytes() + " bytes wait for it"
                        + " (limit " + outgoingLimit + ")");
                close(c, CloseReason.NOT_READING);
            }
            case FAILED -> disconnected(c, PoolLog.reason(c.writeFailure));
            default -> snapshots.sent(type);
        }
    }

    /** Q with the reason, then a half-close and a drain once it is written. */
    void quit(Connection c, Message.Quit.Reason reason) {
        send(c, QUITS[reason.ordinal()]);
        if (c.closeReason == null) {
            c.closeReason = CloseReason.of(reason);
        }
        if (c.open()) {
            c.state = Connection.State.CLOSING;
            if (!c.hasOutgoing()) {
                linger(c);
            }
        }
    }

    /** The socket can take more: writes what waits, and lingers once a Q is out. */
    void flush(Connection c) {
        boolean empty;
        try {
            empty = c.flush();
        } catch (IOException e) {
            if (c.state != Connection.State.CLOSING) {
                disconnected(c, PoolLog.reason(e));
            } else {
                close(c, CloseReason.HANGUP);
            }
            return;
        }
        if (empty && c.state == Connection.State.CLOSING) {
            linger(c);
        }
    }

    /** The peer hung up or reset: one INFO line, since a miner leaving is no fault. */
    void disconnected(Connection c, String why) {
        log.info(c.who() + " disconnected" + (why == null ? "" : ": " + why));
        close(c, CloseReason.HANGUP);
    }

    /** Closes it now; {@code reason} counts unless a reason was decided before (the Q's). */
    void close(Connection c, CloseReason reason) {
        if (c.state == Connection.State.CLOSED) {
            return;
        }
        c.state = Connection.State.CLOSED;
        if (c.closeReason == null) {
            c.closeReason = reason;
        }
        snapshots.closed(c.closeReason);
        if (c.admitted) {
            admission.release(c.host);
        }
        referee.disconnected(c.miner);
        snapshots.changed();
        c.key.cancel();
        try {
            c.channel.close();
        } catch (IOException e) {
            // closing is all that was wanted
        }
    }

    /** Closes the lingering connections whose drain time is up (or that are closed already). */
    void expireLingering(long now) {
        while (!lingering.isEmpty() && (!lingering.peekFirst().open() || lingerDeadlines.peekFirst() - now <= 0)) {
            close(lingering.removeFirst(), CloseReason.HANGUP);
            lingerDeadlines.removeFirst();
        }
    }

    /** The earlier of {@code next} and the first lingering deadline (System.nanoTime). */
    long nextLingerDeadline(long next) {
        return lingerDeadlines.isEmpty() ? next : Math.min(next, lingerDeadlines.peekFirst());
    }

    /** After its Q is written: FIN, then read and discard until the miner closes or {@link #LINGER} passes. */
    private void linger(Connection c) {
        if (lingering.size() >= MAX_LINGERING) {
            close(c, CloseReason.HANGUP);
            return;
        }
        try {
            c.channel.shutdownOutput();
            c.key.interestOps(SelectionKey.OP_READ);
            lingering.addLast(c);
            lingerDeadlines.addLast(System.nanoTime() + LINGER.toNanos());
        } catch (IOException | RuntimeException e) {
            close(c, CloseReason.HANGUP);
        }
    }
}
