package dev.minepool.server.loop;

import dev.minepool.protocol.Direction;
import dev.minepool.protocol.MessageDecoder;
import dev.minepool.server.rules.Miner;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;

/**
 * One TCP connection, attached to its {@link SelectionKey} and touched only by the event-loop thread.
 *
 * <pre>
 *   AWAITING_G --first G--> MINING --Q queued--> CLOSING --Q written--> CLOSED
 *        |                    |                                          ^
 *        +--no G in time, violation, hang-up, not reading----------------+
 * </pre>
 *
 * Deadlines: a connection must send {@code G} within the pool's no-G timeout of connecting. Writes go straight
 * to the socket while nothing waits; otherwise bytes queue (OP_WRITE on only while they do) up to a limit, past
 * which the connection has stopped reading and is closed rather than allowed to hold the pool's memory.
 * Kept small, because a pool holds thousands: no buffer of its own until bytes wait to go out.
 */
final class Connection {
    enum State { AWAITING_G, MINING, CLOSING, CLOSED }

    /** What became of bytes handed to {@link #write}. */
    enum Written { SENT, QUEUED, OVER_LIMIT, FAILED }

    final SocketChannel channel;
    final SelectionKey key;
    final Miner miner;
    final InetAddress host;
    final MessageDecoder decoder = new MessageDecoder(Direction.CLIENT_TO_SERVER);
    /** When it must have sent G (System.nanoTime), or be closed. */
    final long getWorkDeadline;
    State state = State.AWAITING_G;
    /** Counted against the pool's limits (a refused connection lingers for its Q but is not). */
    boolean admitted;
    private ArrayDeque<ByteBuffer> outgoing;
    private int queuedBytes;
    /** Why it ends, once that is decided (a Q may be sent a while before the close). */
    CloseReason closeReason;
    /** Set when a write failed: why, for the log line that closes it. */
    IOException writeFailure;

    Connection(SocketChannel channel, SelectionKey key, Miner miner, InetAddress host, long getWorkDeadline) {
        this.channel = channel;
        this.key = key;
        this.miner = miner;
        this.host = host;
        this.getWorkDeadline = getWorkDeadline;
    }

    boolean open() {
        return state != State.CLOSED;
    }

    boolean hasOutgoing() {
        return outgoing != null && !outgoing.isEmpty();
    }

    int queuedBytes() {
        return queuedBytes;
    }

    /**
     * Writes what the socket takes now, in one {@code write}, and queues the rest, unless the queue would pass
     * {@code limit}.
     *
     * @param bytes ready to read from, and direct: the JDK copies a heap buffer into a temporary direct one
     *              before every write. The caller may reuse it as soon as this returns: what must wait is
     *              copied into a buffer of the queue's own
     */
    Written write(ByteBuffer bytes, int limit) {
        if (queuedBytes + bytes.remaining() > limit) {
            return Written.OVER_LIMIT;
        }
        if (!hasOutgoing()) {
            try {
                channel.write(bytes);
            } catch (IOException e) {
                writeFailure = e;
                return Written.FAILED;
            }
            if (!bytes.hasRemaining()) {
                return Written.SENT;
            }
        }
        ByteBuffer rest = ByteBuffer.allocate(bytes.remaining()); // rarely: the socket's buffer is full
        rest.put(bytes).flip();
        if (outgoing == null) {
            outgoing = new ArrayDeque<>(4);
        }
        outgoing.addLast(rest);
        queuedBytes += rest.remaining();
        key.interestOps(key.interestOps() | SelectionKey.OP_WRITE);
        return Written.QUEUED;
    }

    /**
     * Writes queued bytes while the socket takes them; OP_WRITE goes off once none are left.
     *
     * @return whether the queue is empty now
     * @throws IOException if the peer is gone
     */
    boolean flush() throws IOException {
        while (hasOutgoing()) {
            ByteBuffer head = outgoing.peekFirst();
            queuedBytes -= channel.write(head);
            if (head.hasRemaining()) {
                return false;
            }
            outgoing.removeFirst();
        }
        key.interestOps(key.interestOps() & ~SelectionKey.OP_WRITE);
        return true;
    }

    /** For log lines. */
    String who() {
        return miner.who();
    }
}
