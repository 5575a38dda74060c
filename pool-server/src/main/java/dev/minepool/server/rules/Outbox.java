package dev.minepool.server.rules;

import dev.minepool.protocol.Message;

/**
 * How the {@link Referee} answers: it decides what each miner is told, the event loop decides how the bytes get
 * there. Tests implement it with a list.
 */
public interface Outbox {
    /** Queues {@code message} for {@code miner}; nothing happens if the miner is gone. */
    void send(Miner miner, Message message);

    /** Queues {@code Q} with the reason and closes the connection once it is written. */
    void quit(Miner miner, Message.Quit.Reason reason);
}
