package dev.minepool.server.chain;

import java.io.IOException;

/**
 * The chain file holds a complete record that is corrupt or does not link, or is not a chain file at all. The
 * message names the file and the record, for the operator; the pool refuses to start rather than build on it.
 */
public final class ChainCorruptException extends IOException {
    private static final long serialVersionUID = 1L;

    public ChainCorruptException(String message) {
        super(message);
    }
}
