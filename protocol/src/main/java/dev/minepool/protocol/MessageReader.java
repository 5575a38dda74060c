package dev.minepool.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Blocking, one message at a time, over an {@link InputStream}: for tools and tests that talk to one peer with
 * plain sockets. It wraps a {@link MessageDecoder}, so split and coalesced reads are handled the same way as in
 * the pool's event loop; messages that arrived together with the one returned are kept for the next call.
 */
public final class MessageReader {
    private final InputStream in;
    private final MessageDecoder decoder;
    private final ArrayDeque<Message> decoded = new ArrayDeque<>();
    private final List<Message> batch = new ArrayList<>();
    private final byte[] buffer = new byte[8192];

    /** @param inbound the direction of the messages this side receives */
    public MessageReader(InputStream in, Direction inbound) {
        this.in = in;
        this.decoder = new MessageDecoder(inbound);
    }

    /**
     * The next message, blocking as the stream does (a socket's read timeout applies); {@code null} when the
     * peer closed the stream cleanly between messages.
     *
     * @throws ProtocolException if the bytes are not the protocol, or the stream ended inside a message
     */
    public Message read() throws IOException {
        while (decoded.isEmpty()) {
            int n = in.read(buffer);
            if (n < 0) {
                decoder.finish();
                return null;
            }
            decoder.decode(ByteBuffer.wrap(buffer, 0, n), batch);
            decoded.addAll(batch);
            batch.clear();
        }
        return decoded.removeFirst();
    }

    /** Whether messages already read from the stream are waiting to be returned. */
    public boolean hasBuffered() {
        return !decoded.isEmpty() || decoder.bufferedBytes() > 0;
    }
}
