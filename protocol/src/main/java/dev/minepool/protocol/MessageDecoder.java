package dev.minepool.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/**
 * Turns the bytes of one connection, in whatever pieces they arrive, into messages.
 *
 * <p>TCP keeps no message boundaries: one read may hold several messages, or a piece of one. The decoder
 * works in two steps, like Netty's {@code ByteToMessageDecoder}: it first peeks at the bytes to learn whether
 * a whole frame is there ({@link #requiredLength}), and only then decodes it and advances. Whole frames are
 * decoded straight from the caller's buffer; a partial frame is copied aside and completed by later reads.
 *
 * <p>A decoder accepts only the messages of one {@link Direction}: the server decodes {@code G} and
 * {@code S}, the client {@code T}, {@code A}, {@code I}, {@code R} and {@code Q}. Any other byte in a type
 * position is a {@link ProtocolException}; after one, the decoder's state is undefined and the connection
 * should be closed. One decoder per connection; not thread-safe.
 */
public final class MessageDecoder {
    private final Direction inbound;
    /** Bytes of a frame that has begun to arrive but is not complete; empty between frames. */
    private byte[] pending = new byte[16];
    private int pendingLength;

    /** @param inbound the direction of the messages this side receives */
    public MessageDecoder(Direction inbound) {
        this.inbound = inbound;
    }

    /**
     * Consumes every byte remaining in {@code src}, adds each message completed by them to {@code out} in
     * order, and keeps an incomplete trailing message for the next call.
     *
     * @throws ProtocolException on an unknown or wrong-direction type byte, or a field the protocol forbids
     */
    public void decode(ByteBuffer src, List<? super Message> out) throws ProtocolException {
        src.order(ByteOrder.BIG_ENDIAN); // the protocol's byte order, said out loud rather than assumed
        if (pendingLength > 0 && !completePending(src, out)) {
            return;
        }
        while (src.hasRemaining()) {
            int required = requiredLength(src);
            if (src.remaining() < required) {
                stash(src);
                return;
            }
            out.add(decodeFrame(src, required));
        }
    }

    /** Decodes the messages in {@code bytes} into a new list; convenient for tests and tools. */
    public List<Message> decode(byte[] bytes) throws ProtocolException {
        List<Message> out = new java.util.ArrayList<>();
        decode(ByteBuffer.wrap(bytes), out);
        return out;
    }

    /** The number of bytes of an incomplete message being held. */
    public int bufferedBytes() {
        return pendingLength;
    }

    /**
     * Call at end of stream: throws if the stream ended inside a message, which a peer that closes cleanly
     * never does.
     */
    public void finish() throws ProtocolException {
        if (pendingLength > 0) {
            MessageType type = MessageType.fromWireByte(pending[0]);
            ByteBuffer view = ByteBuffer.wrap(pending, 0, pendingLength);
            throw new ProtocolException("the stream ended inside a " + type.letter() + " message: "
                    + pendingLength + " of " + requiredLength(view) + " bytes arrived");
        }
    }

    /**
     * Adds bytes from {@code src} to the pending frame until it is complete or {@code src} is empty. Never
     * copies past the end of the frame, because {@link #requiredLength} only grows towards the frame length.
     *
     * @return whether the pending frame was completed (and decoded)
     */
    private boolean completePending(ByteBuffer src, List<? super Message> out) throws ProtocolException {
        while (true) {
            ByteBuffer view = ByteBuffer.wrap(pending, 0, pendingLength);
            int required = requiredLength(view);
            if (pendingLength >= required) {
                out.add(decodeFrame(view, required));
                pendingLength = 0;
                return true;
            }
            if (!src.hasRemaining()) {
                return false;
            }
            int take = Math.min(required - pendingLength, src.remaining());
            ensureCapacity(pendingLength + take);
            src.get(pending, pendingLength, take);
            pendingLength += take;
        }
    }

    private void stash(ByteBuffer src) {
        int n = src.remaining();
        ensureCapacity(n);
        src.get(pending, 0, n);
        pendingLength = n;
    }

    private void ensureCapacity(int n) {
        if (pending.length < n) {
            pending = Arrays.copyOf(pending, Math.max(n, pending.length * 2));
        }
    }

    /**
     * Peeks (does not consume) at the bytes from the buffer's position and returns how many bytes the frame
     * starting there needs before it can be decoded: its full length once that is known, otherwise the length
     * of the header that tells it. The frame is complete exactly when {@code remaining() >= requiredLength}.
     *
     * @throws ProtocolException if the type byte is unknown or of the wrong direction
     */
    int requiredLength(ByteBuffer buf) throws ProtocolException {
        if (!buf.hasRemaining()) {
            return 1;
        }
        return checkType(buf.get(buf.position())).requiredLength(buf);
    }

    private MessageType checkType(byte b) throws ProtocolException {
        MessageType type = MessageType.fromWireByte(b);
        if (type == null) {
            throw new ProtocolException("unknown message type byte " + MessageType.describeByte(b));
        }
        if (type.direction() != inbound) {
            throw new ProtocolException("message type " + type.letter() + " is only sent "
                    + (type.direction() == Direction.CLIENT_TO_SERVER ? "by a miner to the pool"
                            : "by the pool to a miner")
                    + ", but arrived the other way");
        }
        return type;
    }

    /**
     * Decodes the whole frame of {@code length} bytes at the buffer's position. A decoder that reads more or
     * fewer bytes than the frame's length would desynchronise every message after it, silently; that is a bug
     * in this codec, so it fails loudly whether or not the JVM runs with assertions (as Apache MINA's cumulative
     * decoder does).
     */
    private static Message decodeFrame(ByteBuffer src, int length) throws ProtocolException {
        int start = src.position();
        MessageType type = MessageType.fromWireByte(src.get(start));
        Message message = type.decode(src);
        if (src.position() - start != length) {
            throw new IllegalStateException("the " + type.letter() + " decoder consumed " + (src.position() - start)
                    + " bytes of a " + length + "-byte frame");
        }
        return message;
    }
}
