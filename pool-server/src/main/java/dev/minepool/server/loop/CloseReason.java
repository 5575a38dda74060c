package dev.minepool.server.loop;

import dev.minepool.protocol.Message;
import java.util.Locale;

/** Why a connection ended, as counted in the snapshot and labelled in the metrics. */
enum CloseReason {
    /** The miner hung up or reset the connection. */
    HANGUP,
    /** It sent bytes that are not the protocol. */
    PROTOCOL_VIOLATION,
    /** It sent no G in time. */
    NO_GET_WORK,
    /** It stopped reading what it was sent. */
    NOT_READING,
    /** Handling it hit a bug in the pool. */
    INTERNAL_ERROR,
    // The pool said Q; one per Message.Quit.Reason, in the same order.
    SHUTDOWN,
    POOL_FULL,
    HOST_FULL,
    BAD_NAME,
    NAME_CHANGED,
    TOO_MANY_REJECTS;

    static CloseReason of(Message.Quit.Reason reason) {
        return valueOf(reason.name());
    }

    /** The metrics label: {@code pool_full}. */
    String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
