package dev.minepool.protocol;

import java.io.IOException;

/**
 * The peer broke the wire protocol: an unknown or wrong-direction type byte, a field out of range, or a
 * stream that ended inside a message. The only sane reaction is to close that one connection and log the
 * message, which is written to be read by a person.
 *
 * <p>It is an {@link IOException} so that the code that owns a connection handles it in the same place as
 * a reset or a refused connection.
 */
public final class ProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    public ProtocolException(String message) {
        super(message);
    }
}
