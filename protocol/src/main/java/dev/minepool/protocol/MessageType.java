package dev.minepool.protocol;

/**
 * The one-letter message types of the wire protocol, with the fixed part of each layout.
 *
 * <p>Like Netty's {@code RedisMessageType}, this enum is the one place that maps a wire byte to a type, its
 * direction and its length. Every message is its type byte followed by fixed-layout fields; only {@link #TASK}
 * has a variable part, whose length is in its header.
 */
public enum MessageType {
    /** {@code G}: the miner asks for a slot of work. */
    GET_WORK('G', Direction.CLIENT_TO_SERVER, 11),
    /** {@code T}: one slot of one job. 12 header bytes, then the data. */
    TASK('T', Direction.SERVER_TO_CLIENT, 12),
    /** {@code S}: the miner reports a nonce. */
    SUBMIT('S', Direction.CLIENT_TO_SERVER, 7),
    /** {@code A}: the nonce won the block. */
    ACCEPTED('A', Direction.SERVER_TO_CLIENT, 3),
    /** {@code I}: the block was already mined; stop and ask again. */
    INVALIDATED('I', Direction.SERVER_TO_CLIENT, 3),
    /** {@code R}: the nonce does not meet the zero bits, or the job is unknown. */
    REJECTED('R', Direction.SERVER_TO_CLIENT, 3),
    /** {@code Q}: the server's goodbye before it closes the connection. */
    QUIT('Q', Direction.SERVER_TO_CLIENT, 1);

    private static final MessageType[] BY_BYTE = new MessageType[256];

    static {
        for (MessageType type : values()) {
            BY_BYTE[type.wireByte] = type;
        }
    }

    private final byte wireByte;
    private final Direction direction;
    private final int fixedLength;

    MessageType(char letter, Direction direction, int fixedLength) {
        this.wireByte = (byte) letter;
        this.direction = direction;
        this.fixedLength = fixedLength;
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
