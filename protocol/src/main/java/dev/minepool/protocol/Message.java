package dev.minepool.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A message of the minepool wire protocol, version 1: one ASCII type byte followed by fixed-layout fields.
 * All integers are unsigned and big-endian ({@link ByteOrder#BIG_ENDIAN}, network order). Framing comes only
 * from the type byte and the layouts drawn on each record; PROTOCOL.md says the same for people.
 *
 * <p>Each record checks its fields in its constructor, so a message that exists can always be encoded, and a
 * decoded message is always one the protocol allows.
 */
public sealed interface Message
        permits Message.GetWork, Message.Task, Message.Submit, Message.Accepted, Message.Invalidated,
        Message.Rejected, Message.Quit {

    /** The offset of the type byte, common to every message. */
    int TYPE_OFFSET = 0;

    MessageType type();

    /** The number of bytes this message takes on the wire, type byte included. */
    default int encodedLength() {
        return type().fixedLength();
    }

    /**
     * Writes the message at the buffer's position and advances it.
     *
     * @throws java.nio.BufferOverflowException if fewer than {@link #encodedLength()} bytes remain
     */
    void encode(ByteBuffer dst);

    /** The message's bytes in a fresh array. */
    default byte[] toBytes() {
        ByteBuffer buffer = ByteBuffer.allocate(encodedLength());
        encode(buffer);
        return buffer.array();
    }

    /**
     * {@code G}: the miner asks for work and names itself for credit.
     *
     * <pre>
     *  0        1                                      11
     *  +--------+--------------------------------------+
     *  |  'G'   | miner name, UTF-8, 0x00-padded (10)   |
     *  +--------+--------------------------------------+
     * </pre>
     *
     * A name is 1 to 10 bytes of UTF-8 and contains no 0x00 (trailing 0x00 are padding, not part of the name).
     */
    record GetWork(String minerName) implements Message {
        public static final int NAME_OFFSET = 1;
        public static final int NAME_LENGTH = 10;
        public static final int LENGTH = NAME_OFFSET + NAME_LENGTH;

        public GetWork {
            byte[] bytes = nameBytes(minerName);
            if (bytes.length == 0) {
                throw new IllegalArgumentException("the miner name is empty");
            }
        }

        /**
         * The UTF-8 bytes of a miner name, checked against the protocol's rules.
         *
         * @throws IllegalArgumentException with a sentence a person can act on
         */
        public static byte[] nameBytes(String name) {
            if (name == null) {
                throw new IllegalArgumentException("the miner name is missing");
            }
            if (name.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("the miner name contains a NUL character");
            }
            byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
            if (bytes.length > NAME_LENGTH) {
                throw new IllegalArgumentException("the miner name '" + name + "' is " + bytes.length
                        + " bytes in UTF-8; the protocol allows at most " + NAME_LENGTH);
            }
            return bytes;
        }

        @Override
        public MessageType type() {
            return MessageType.GET_WORK;
        }

        @Override
        public void encode(ByteBuffer dst) {
            byte[] name = nameBytes(minerName);
            dst.put(MessageType.GET_WORK.wireByte()).put(name);
            for (int i = name.length; i < NAME_LENGTH; i++) {
                dst.put((byte) 0);
            }
        }

        static GetWork decode(ByteBuffer src) throws ProtocolException {
            src.get(); // type byte, already checked
            byte[] field = new byte[NAME_LENGTH];
            src.get(field);
            int length = NAME_LENGTH;
            while (length > 0 && field[length - 1] == 0) {
                length--;
            }
            if (length == 0) {
                throw new ProtocolException("G carries an empty miner name");
            }
            for (int i = 0; i < length; i++) {
                if (field[i] == 0) {
                    throw new ProtocolException("G carries a miner name with a 0x00 byte inside it");
                }
            }
            try {
                CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(field, 0, length));
                return new GetWork(chars.toString());
            } catch (CharacterCodingException e) {
                throw new ProtocolException("G carries a miner name that is not valid UTF-8: "
                        + HexFormat.of().formatHex(field, 0, length));
            }
        }
    }

    /**
     * {@code T}: one slot of one job. The job's data is mined as a whole; the slot says which nonces this miner
     * should try: {@code [slot * slotSize, slot * slotSize + slotSize)}, never past 2^32.
     *
     * <pre>
     *  0      1        3        5                9       10          12
     *  +------+--------+--------+----------------+-------+-----------+------------------------+
     *  | 'T'  | job    | slot   | slot size      | zero  | data      | data (data length)     |
     *  |      | u16    | u16    | u32            | bits  | length    |                        |
     *  |      |        |        |                | u8    | u16       |                        |
     *  +------+--------+--------+----------------+-------+-----------+------------------------+
     * </pre>
     *
     * A slot size of 0 stands for 2^32 (the whole nonce space, in slot 0), the one value a u32 cannot hold.
     */
    record Task(int job, int slot, long slotSize, int zeroBits, byte[] data) implements Message {
        public static final int JOB_OFFSET = 1;
        public static final int SLOT_OFFSET = 3;
        public static final int SLOT_SIZE_OFFSET = 5;
        public static final int ZERO_BITS_OFFSET = 9;
        public static final int DATA_LENGTH_OFFSET = 10;
        public static final int DATA_OFFSET = 12;
        public static final int HEADER_LENGTH = DATA_OFFSET;

        public Task {
            checkU16("job", job);
            checkU16("slot", slot);
            if (slotSize < 1 || slotSize > Protocol.NONCE_SPACE) {
                throw new IllegalArgumentException("slot size " + slotSize + " is not in 1..2^32");
            }
            if (zeroBits < 0 || zeroBits > 255) {
                throw new IllegalArgumentException("zero bits " + zeroBits + " is not a u8");
            }
            if (data == null || data.length > Protocol.MAX_DATA_LENGTH) {
                throw new IllegalArgumentException("data must be 0..65535 bytes");
            }
            if ((long) slot * slotSize + slotSize > Protocol.NONCE_SPACE) {
                throw new IllegalArgumentException("slot " + slot + " of size " + slotSize
                        + " reaches past nonce 2^32");
            }
            data = data.clone();
        }

        /** A copy of the job data; see {@link #dataLength()} and {@link #writeData} to avoid the copy. */
        @Override
        public byte[] data() {
            return data.clone();
        }

        public int dataLength() {
            return data.length;
        }

        /** The first nonce of the slot. */
        public long firstNonce() {
            return slot * slotSize;
        }

        /** One past the last nonce of the slot (at most 2^32). */
        public long endNonce() {
            return firstNonce() + slotSize;
        }

        @Override
        public MessageType type() {
            return MessageType.TASK;
        }

        @Override
        public int encodedLength() {
            return HEADER_LENGTH + data.length;
        }

        @Override
        public void encode(ByteBuffer dst) {
            dst.put(MessageType.TASK.wireByte())
                    .putShort((short) job)
                    .putShort((short) slot)
                    .putInt((int) slotSize) // 2^32 wraps to 0, which is how the wire says it
                    .put((byte) zeroBits)
                    .putShort((short) data.length)
                    .put(data);
        }

        static Task decode(ByteBuffer src) throws ProtocolException {
            src.get();
            int job = Short.toUnsignedInt(src.getShort());
            int slot = Short.toUnsignedInt(src.getShort());
            long slotSize = Integer.toUnsignedLong(src.getInt());
            if (slotSize == 0) {
                slotSize = Protocol.NONCE_SPACE;
            }
            int zeroBits = Byte.toUnsignedInt(src.get());
            byte[] data = new byte[Short.toUnsignedInt(src.getShort())];
            src.get(data);
            if ((long) slot * slotSize + slotSize > Protocol.NONCE_SPACE) {
                throw new ProtocolException("T for job " + job + " gives slot " + slot + " of " + slotSize
                        + " nonces, which reaches past nonce 2^32");
            }
            return new Task(job, slot, slotSize, zeroBits, data);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Task t && job == t.job && slot == t.slot && slotSize == t.slotSize
                    && zeroBits == t.zeroBits && Arrays.equals(data, t.data);
        }

        @Override
        public int hashCode() {
            return ((job * 31 + slot) * 31 + Long.hashCode(slotSize)) * 31 + zeroBits + 17 * Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "Task[job=" + job + ", slot=" + slot + ", slotSize=" + slotSize + ", zeroBits=" + zeroBits
                    + ", dataLength=" + data.length + "]";
        }
    }

    /**
     * {@code S}: the miner reports a nonce for a job.
     *
     * <pre>
     *  0      1        3                7
     *  +------+--------+----------------+
     *  | 'S'  | job    | nonce u32      |
     *  |      | u16    |                |
     *  +------+--------+----------------+
     * </pre>
     */
    record Submit(int job, long nonce) implements Message {
        public static final int JOB_OFFSET = 1;
        public static final int NONCE_OFFSET = 3;
        public static final int LENGTH = 7;

        public Submit {
            checkU16("job", job);
            if (nonce < 0 || nonce >= Protocol.NONCE_SPACE) {
                throw new IllegalArgumentException("nonce " + nonce + " is not a u32");
            }
        }

        @Override
        public MessageType type() {
            return MessageType.SUBMIT;
        }

        @Override
        public void encode(ByteBuffer dst) {
            dst.put(MessageType.SUBMIT.wireByte()).putShort((short) job).putInt((int) nonce);
        }

        static Submit decode(ByteBuffer src) {
            src.get();
            int job = Short.toUnsignedInt(src.getShort());
            return new Submit(job, Integer.toUnsignedLong(src.getInt()));
        }
    }

    /**
     * {@code A}: the nonce is the first valid one for its block; the block is on the pool's disk.
     *
     * <pre>
     *  0      1        3
     *  +------+--------+
     *  | 'A'  | job u16|
     *  +------+--------+
     * </pre>
     */
    record Accepted(int job) implements Message {
        public static final int JOB_OFFSET = 1;
        public static final int LENGTH = 3;

        public Accepted {
            checkU16("job", job);
        }

        @Override
        public MessageType type() {
            return MessageType.ACCEPTED;
        }

        @Override
        public void encode(ByteBuffer dst) {
            dst.put(MessageType.ACCEPTED.wireByte()).putShort((short) job);
        }
    }

    /**
     * {@code I}: the block of this job was already mined (by anyone, the receiver included): stop, and ask
     * again with {@code G}. Sent unasked to every miner holding a slot of the block, and as the answer to a
     * late {@code S}. Same layout as {@link Accepted}, type byte {@code 'I'}.
     */
    record Invalidated(int job) implements Message {
        public static final int JOB_OFFSET = 1;
        public static final int LENGTH = 3;

        public Invalidated {
            checkU16("job", job);
        }

        @Override
        public MessageType type() {
            return MessageType.INVALIDATED;
        }

        @Override
        public void encode(ByteBuffer dst) {
            dst.put(MessageType.INVALIDATED.wireByte()).putShort((short) job);
        }
    }

    /**
     * {@code R}: the nonce does not meet the zero bits, the job is unknown, or the connection never sent
     * {@code G}. Same layout as {@link Accepted}, type byte {@code 'R'}.
     */
    record Rejected(int job) implements Message {
        public static final int JOB_OFFSET = 1;
        public static final int LENGTH = 3;

        public Rejected {
            checkU16("job", job);
        }

        @Override
        public MessageType type() {
            return MessageType.REJECTED;
        }

        @Override
        public void encode(ByteBuffer dst) {
            dst.put(MessageType.REJECTED.wireByte()).putShort((short) job);
        }
    }

    /**
     * {@code Q}: the server's courtesy goodbye; it closes the connection next.
     *
     * <pre>
     *  0      1
     *  +------+
     *  | 'Q'  |
     *  +------+
     * </pre>
     */
    record Quit() implements Message {
        public static final int LENGTH = 1;

        @Override
        public MessageType type() {
            return MessageType.QUIT;
        }

        @Override
        public void encode(ByteBuffer dst) {
            dst.put(MessageType.QUIT.wireByte());
        }
    }

    private static void checkU16(String field, int value) {
        if (value < 0 || value > 0xFFFF) {
            throw new IllegalArgumentException(field + " " + value + " is not a u16");
        }
    }
}
