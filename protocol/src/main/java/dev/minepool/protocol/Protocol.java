package dev.minepool.protocol;

/** Constants of the minepool wire protocol, version 1, that are not tied to a single message. */
public final class Protocol {
    /** The protocol version PROTOCOL.md describes. */
    public static final int VERSION = 1;
    /** The TCP port a pool listens on unless told otherwise. */
    public static final int DEFAULT_PORT = 3333;
    /** Nonces are u32: a slot never reaches past this many nonces. */
    public static final long NONCE_SPACE = 1L << 32;
    /** The size of the job data the pool server generates by default. */
    public static final int DEFAULT_DATA_SIZE = 1024;
    /** A T message carries at most this many data bytes (its length field is a u16). */
    public static final int MAX_DATA_LENGTH = 0xFFFF;

    private Protocol() {
    }
}
