package dev.minepool.protocol.ledger;

/** Bytes that are not a record, or a transaction region that does not parse; the message says where and why. */
public final class MalformedTxException extends Exception {
    private static final long serialVersionUID = 1L;

    public MalformedTxException(String message) {
        super(message);
    }
}
