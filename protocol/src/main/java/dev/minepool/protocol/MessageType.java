package dev.minepool.protocol;

import java.nio.ByteBuffer;

/**
 * The one-letter message types of the wire protocol, with the fixed part of each layout.
 *
 * <p>Like Netty's {@code RedisMessageType}, this enum is the one place that maps a wire byte to a type, its
 * direction, its length and its decoder, so that no length is written twice: the lengths come from the offsets
 * each record names, and the decoder asks the type how long a frame is. Every message is its type byte
 * followed by fixed-layout fields; only {@link #TASK} has a variable part, whose length is in its header.
 */
public enum MessageType {
    /** {@code G}: the miner asks for a slot of work. */
    GET_WORK('G', Direction.CLIENT_TO_SERVER, Message.GetWork.LENGTH,
            MessageType.NO_LENGTH_FIELD, Message.GetWork::decode),
    /** {@code T}: one slot of one job. 12 header bytes, then the data, whose length is in the header. */
    TASK('T', Direction.SERVER_TO_CLIENT, Message.Task.HEADER_LENGTH, Message.Task.DATA_LENGTH_OFFSET,
            Message.Task::decode),
    /** {@code S}: the miner reports a nonce. */
    SUBMIT('S', Direction.CLIENT_TO_SERVER, Message.Submit.LENGTH,
            MessageType.NO_LENGTH_FIELD, Message.Submit::decode),
    /** {@code A}: the nonce won the block. */
    ACCEPTED('A', Direction.SERVER_TO_CLIENT, Message.JobAnswer.LENGTH,
            MessageType.NO_LENGTH_FIELD, Message.Accepted::decode),
    /** {@code I}: the block was already mined; stop and ask again. */
    INVALIDATED('I', Direction.SERVER_TO_CLIENT, Message.JobAnswer.LENGTH,
            MessageType.NO_LENGTH_FIELD, Message.Invalidated::decode),
    /** {@code R}: the nonce does not meet the zero bits, or the job is unknown. */
    REJECTED('R', Direction.SERVER_TO_CLIENT, Message.JobAnswer.LENGTH,
            MessageType.NO_LENGTH_FIELD, Message.Rejected::decode),
    /** {@code Q}: the server's goodbye, with a reason, before it closes the connection. */
    QUIT('Q', Direction.SERVER_TO_CLIENT, Message.Quit.LENGTH,
            MessageType.NO_LENGTH_FIELD, Message.Quit::decode);

    /** Decodes one whole frame, starting at its type byte, and advances past exactly that frame. */
    @FunctionalInterface
    interface FrameDecoder {
        Message decode(ByteBuffer frame) throws ProtocolException;
    }

    /** For a type with no length field: the fixed length is the whole frame. */
    static final int NO_LENGTH_FIELD = -1;

    private static final MessageType[] BY_BYTE = new MessageType[256];

    static {
        for (MessageType type : values()) {
            BY_BYTE[type.wireByte] = type;
        }
    }

    private final byte wireByte;
    private final Direction direction;
    private final int fixedLength;
    private final int lengthFieldOffset;
    private final FrameDecoder decoder;

    MessageType(char letter, Direction direction, int fixedLength, int lengthFieldOffset, FrameDecoder decoder) {
        this.wireByte = (byte) letter;
        this.direction = direction;
        this.fixedLength = fixedLength;
        this.lengthFieldOffset = lengthFieldOffset;
        this.decoder = decoder;
    }

    /**
     * How many bytes the frame of this type that starts at {@code buf}'s position needs: its fixed length, plus
     * the u16 of its length field once enough of the header has arrived to read it. Peeks, never consumes.
     */
    int requiredLength(ByteBuffer buf) {
        if (lengthFieldOffset == NO_LENGTH_FIELD || buf.remaining() < fixedLength) {
            return fixedLength;
        }
        return fixedLength + Short.toUnsignedInt(buf.getShort(buf.position() + lengthFieldOffset));
    }

    /** Decodes one whole frame of this type. */
    Message decode(ByteBuffer frame) throws ProtocolException {
        return decoder.decode(frame);
    }

    /** The type byte on the wire (an ASCII letter). */
    public byte wireByte() {
        return wireByte;
    }

    /** The letter, for logs and people. */
    public char letter() {
        return (char) wireByte;
    }

    public Direction direction() {
        return direction;
    }

    /**
     * The length of the message including its type byte; for {@link #TASK} the length of its header, to which
     * the data length is added.
     */
    public int fixedLength() {
        return fixedLength;
    }

    /** The type whose wire byte this is, or {@code null} if the byte is not a message type. */
    public static MessageType fromWireByte(byte b) {
        return BY_BYTE[b & 0xFF];
    }

    /** A byte for a log line: the letter if printable, and always its hex value. */
    static String describeByte(byte b) {
        int v = b & 0xFF;
        return v >= 0x21 && v <= 0x7E ? String.format("'%c' (0x%02x)", (char) v, v) : String.format("0x%02x", v);
    }
}
