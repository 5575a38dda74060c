package dev.minepool.server.rules;

import dev.minepool.protocol.Message;
import java.nio.ByteBuffer;

/**
 * How the {@link Referee} answers: it decides what each miner is told, the event loop decides how the bytes get
 * there. Tests implement it with a list.
 */
public interface Outbox {
    /** Queues {@code message} for {@code miner}; nothing happens if the miner is gone. */
    void send(Miner miner, Message message);

    /**
     * Queues a {@code T} for slot {@code slot} of a job whose data is {@code data} (the job's own read-only
     * buffer, shared by every miner it goes to; read it through a duplicate or restore its position). The bytes
     * behind one buffer must never change: the event loop copies them once, keeps them beside a header it encodes
     * per miner, and copies again only when another buffer (another job's) arrives. This default builds the
     * message.
     */
    default void sendTask(Miner miner, int job, int slot, long slotSize, int zeroBits, ByteBuffer data) {
        byte[] bytes = new byte[data.remaining()];
        data.duplicate().get(bytes);
        send(miner, new Message.Task(job, slot, slotSize, zeroBits, bytes));
    }

    /** Queues {@code Q} with the reason and closes the connection once it is written. */
    void quit(Miner miner, Message.Quit.Reason reason);
}
