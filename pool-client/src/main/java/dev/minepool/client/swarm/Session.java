package dev.minepool.client.swarm;

import dev.minepool.protocol.Direction;
import dev.minepool.protocol.Message;
import dev.minepool.protocol.MessageDecoder;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One of the swarm's miners: a connection, attached to its {@link SelectionKey} and touched only by the swarm's
 * thread. Kept small, since a swarm holds ten thousand: no read buffer of its own (the swarm shares one), and
 * an outgoing buffer only when a write did not go out whole.
 *
 * <p>Its states, in the order a round walks them:
 * <pre>
 *   CONNECTING -> IDLE -> AWAITING_TASK (G sent) -> HOLDING (T read)
 *                   ^                                 |-> WINNER (S sent) -> DONE (A read)
 *                   |                                 |-> DONE (I read)
 *                   +--------- next round ------------+
 *   any state -> CLOSED on an error, which the swarm counts once
 * </pre>
 */
final class Session {
    enum State { CONNECTING, IDLE, AWAITING_TASK, HOLDING, WINNER, DONE, CLOSED }

    final int index;
    final SocketChannel channel;
    final MessageDecoder decoder = new MessageDecoder(Direction.SERVER_TO_CLIENT);
    /** Its G, encoded once: the same 11 bytes every round. */
    final byte[] getWork;
    SelectionKey key;
    State state = State.CONNECTING;
    /** System.nanoTime when the connect began, then when the G of this round was written. */
    long startedNanos;
    /** System.nanoTime when this round's T was read; 0 until then. */
    long taskNanos;
    /** The T this session holds in this round; its job is what the I must name. */
    Message.Task task;
    /** System.nanoTime when its I (or, for the winner, its A) was read; the A-to-I latency is taken after. */
    long answeredNanos;
    /** Bytes of a G or S the socket did not take at once; null while nothing waits. */
    ByteBuffer unwritten;

    Session(int index, SocketChannel channel) {
        this.index = index;
        this.channel = channel;
        this.getWork = new Message.GetWork(SwarmConfig.name(index)).toBytes();
    }

    String describe() {
        return "session " + index + " (" + SwarmConfig.name(index) + ")";
    }
}
