package dev.minepool.server;

import java.io.IOException;

/**
 * The pool cannot listen where it was told to: an address that does not resolve or is not this machine's, a
 * port in use or reserved. A configuration mistake, so the command line exits 2 with this one sentence.
 */
public final class CannotListenException extends IOException {
    private static final long serialVersionUID = 1L;

    public CannotListenException(String message, Throwable cause) {
        super(message, cause);
    }
}
