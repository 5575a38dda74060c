package dev.minepool.client.swarm;

/**
 * The kinds of error the swarm counts. Each one closes the session it happened on, so that one fault is counted
 * once and not again in every later round; the session leaves the swarm.
 */
public enum SwarmError {
    /** The TCP connect failed or did not finish in time (the reason is printed). */
    CONNECT_FAILED("connect failed"),
    /** The pool closed the connection, or it broke. */
    DROPPED("dropped connection"),
    /** Bytes the codec refuses: an unknown type byte, a miner-to-pool type, a T past nonce 2^32. */
    PROTOCOL_VIOLATION("protocol violation"),
    /** No T within the round timeout after the G. */
    MISSING_TASK("missing T"),
    /** The winner's S got no answer within the round timeout. */
    MISSING_ACCEPT("missing A"),
    /** A session holding a slot of the won block got no I within the round timeout. */
    MISSING_INVALIDATION("missing I"),
    /** An A or I naming a job other than the one of the T the session holds. */
    WRONG_JOB("wrong job"),
    /** An R: the pool refused the winner's nonce, or something it should not have been asked. */
    REJECTED("R received"),
    /** A Q: the pool said goodbye (full, shutting down, --max-blocks). */
    QUIT("Q received"),
    /** A message the session was not waiting for: a second I, an I to the winner, an A to a loser, a T unasked. */
    UNEXPECTED_MESSAGE("unexpected message"),
    /** The winner searched its whole slot and found no nonce (the pool's zero bits are too high for a swarm). */
    NO_NONCE("no nonce in the winner's slot");

    private final String label;

    SwarmError(String label) {
        this.label = label;
    }

    /** For the table and the error line: {@code missing I}. */
    public String label() {
        return label;
    }
}
