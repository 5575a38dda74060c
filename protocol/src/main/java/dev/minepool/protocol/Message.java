package dev.minepool.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A message of the minepool wire protocol, version 1: one ASCII type byte followed by fixed-layout fields.
 * All integers are unsigned and big-endian ({@link ByteOrder#BIG_ENDIAN}, network order). Framing comes only
 * from the type byte and the layouts drawn on each record; PROTOCOL.md says the same for people.
 *
 * <p>Each record checks its fields in its constructor, so a message that exists can always be encoded, and a
 * decoded message is always one the protocol allows.
 */
public sealed interface Message
        permits Message.GetWork, Message.Task, Message.Submit, Message.JobAnswer, Message.Quit {

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
     * @throws IllegalArgumentException         if the buffer is not big-endian (network order)
     * @throws java.nio.BufferOverflowException if fewer than {@link #encodedLength()} bytes remain
     */
    void encode(ByteBuffer dst);

    /**
     * Every multi-byte field is big-endian. A buffer set to little-endian would write every u16 and u32 swapped
     * and still "work" against itself, so encoding refuses it instead of guessing.
     */
    static void requireNetworkOrder(ByteBuffer dst) {
        if (dst.order() != ByteOrder.BIG_ENDIAN) {
            throw new IllegalArgumentException("minepool messages are big-endian (network order); the buffer is "
                    + dst.order());
        }
    }

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
     * The record keeps the name field's bytes as they arrived, trailing 0x00 padding removed, so that the pool
     * can refuse a bad name with a reason (and log its bytes) rather than drop the connection as if the frame
     * were garbage. {@link #name()} applies the rules of {@link MinerName}.
     *
     * @param nameBytes 0 to 10 bytes; not checked against the name rules here
     */
    record GetWork(byte[] nameBytes) implements Message {
        public static final int NAME_OFFSET = TYPE_OFFSET + 1;
        public static final int NAME_LENGTH = MinerName.MAX_BYTES;
        public static final int LENGTH = NAME_OFFSET + NAME_LENGTH;

        public GetWork {
            if (nameBytes == null || nameBytes.length > NAME_LENGTH) {
                throw new IllegalArgumentException("a G's name field holds at most " + NAME_LENGTH + " bytes");
            }
            nameBytes = nameBytes.clone();
        }

        /** A G for a valid name. */
        public GetWork(MinerName name) {
            this(name.utf8());
        }

        /**
         * A G for a name given as text, which must already follow the rules of {@link MinerName}.
         *
         * @throws MinerName.InvalidNameException if it does not
         */
        public GetWork(String name) {
            this(MinerName.parse(name).utf8());
        }

        @Override
        public byte[] nameBytes() {
            return nameBytes.clone();
        }

        /**
         * The name, checked.
         *
         * @throws MinerName.InvalidNameException if the bytes break the name rules
         */
        public MinerName name() {
            return MinerName.parse(nameBytes);
        }

        /**
         * Whether this G carries exactly {@code name}'s bytes: a pool that has checked a connection's name once
         * compares the bytes of its later G's with it instead of decoding and checking them again.
         */
        public boolean isNamed(MinerName name) {
            return name.hasUtf8(nameBytes);
        }

        /** The name as text for tests and tools: the bytes decoded as UTF-8, unchecked (bad bytes become U+FFFD). */
        public String minerName() {
            return new String(nameBytes, StandardCharsets.UTF_8);
        }

        @Override
        public MessageType type() {
            return MessageType.GET_WORK;
        }

        @Override
        public void encode(ByteBuffer dst) {
            requireNetworkOrder(dst);
            dst.put(MessageType.GET_WORK.wireByte()).put(nameBytes);
            for (int i = nameBytes.length; i < NAME_LENGTH; i++) {
                dst.put((byte) 0);
            }
        }

        static GetWork decode(ByteBuffer src) {
            src.get(); // type byte, already checked
            byte[] field = new byte[NAME_LENGTH];
            src.get(field);
            int length = NAME_LENGTH;
            while (length > 0 && field[length - 1] == 0) {
                length--;
            }
            return new GetWork(Arrays.copyOf(field, length));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof GetWork g && Arrays.equals(nameBytes, g.nameBytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(nameBytes);
        }

        @Override
        public String toString() {
            return "GetWork[name=\"" + MinerName.escape(nameBytes) + "\"]";
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
        public static final int JOB_OFFSET = TYPE_OFFSET + 1;
        public static final int SLOT_OFFSET = JOB_OFFSET + 2;
        public static final int SLOT_SIZE_OFFSET = SLOT_OFFSET + 2;
        public static final int ZERO_BITS_OFFSET = SLOT_SIZE_OFFSET + 4;
        public static final int DATA_LENGTH_OFFSET = ZERO_BITS_OFFSET + 1;
        public static final int DATA_OFFSET = DATA_LENGTH_OFFSET + 2;
        public static final int HEADER_LENGTH = DATA_OFFSET;

        public Task {
            if (data == null) {
                throw new IllegalArgumentException("data must be 0..65535 bytes");
            }
            check(job, slot, slotSize, zeroBits, data.length);
            data = data.clone();
        }

        private static void check(int job, int slot, long slotSize, int zeroBits, int dataLength) {
            checkU16("job", job);
            checkU16("slot", slot);
            if (slotSize < 1 || slotSize > Protocol.NONCE_SPACE) {
                throw new IllegalArgumentException("slot size " + slotSize + " is not in 1..2^32");
            }
            if (zeroBits < 0 || zeroBits > 255) {
                throw new IllegalArgumentException("zero bits " + zeroBits + " is not a u8");
            }
            if (dataLength < 0 || dataLength > Protocol.MAX_DATA_LENGTH) {
                throw new IllegalArgumentException("data must be 0..65535 bytes");
            }
            if ((long) slot * slotSize + slotSize > Protocol.NONCE_SPACE) {
                throw new IllegalArgumentException("slot " + slot + " of size " + slotSize
                        + " reaches past nonce 2^32");
            }
        }

        /**
         * Writes a T's {@value #HEADER_LENGTH}-byte header alone, everything before {@link #DATA_OFFSET}: a pool
         * that sends one job's data to thousands of miners writes each header and then the same data bytes,
         * rather than building a whole {@code Task} (and a copy of the data) per miner.
         *
         * @throws IllegalArgumentException for values a T cannot carry, as the constructor does
         */
        public static void encodeHeader(ByteBuffer dst, int job, int slot, long slotSize, int zeroBits,
                                        int dataLength) {
            requireNetworkOrder(dst);
            check(job, slot, slotSize, zeroBits, dataLength);
            dst.put(MessageType.TASK.wireByte())
                    .putShort((short) job)
                    .putShort((short) slot)
                    .putInt((int) slotSize) // 2^32 wraps to 0, which is how the wire says it
                    .put((byte) zeroBits)
                    .putShort((short) dataLength);
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
            encodeHeader(dst, job, slot, slotSize, zeroBits, data.length);
            dst.put(data);
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
        public static final int JOB_OFFSET = TYPE_OFFSET + 1;
        public static final int NONCE_OFFSET = JOB_OFFSET + 2;
        public static final int LENGTH = NONCE_OFFSET + 4;

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
            requireNetworkOrder(dst);
            dst.put(MessageType.SUBMIT.wireByte()).putShort((short) job).putInt((int) nonce);
        }

        static Submit decode(ByteBuffer src) {
            src.get();
            int job = Short.toUnsignedInt(src.getShort());
            return new Submit(job, Integer.toUnsignedLong(src.getInt()));
        }
    }

    /**
     * The pool's answer about one job: {@code A}, {@code I} or {@code R}. The three share one layout and differ
     * only in the type byte.
     *
     * <pre>
     *  0      1        3
     *  +------+--------+
     *  | type | job    |
     *  |      | u16    |
     *  +------+--------+
     * </pre>
     */
    sealed interface JobAnswer extends Message permits Accepted, Invalidated, Rejected {
        int JOB_OFFSET = TYPE_OFFSET + 1;
        int LENGTH = JOB_OFFSET + 2;

        /** The job the answer is about. */
        int job();

        @Override
        default void encode(ByteBuffer dst) {
            requireNetworkOrder(dst);
            dst.put(type().wireByte()).putShort((short) job());
        }

        /** Reads the job field of an A, I or R frame and advances past it. */
        private static int decodeJob(ByteBuffer src) {
            src.get(); // type byte, already checked
            return Short.toUnsignedInt(src.getShort());
        }
    }

    /** {@code A}: the nonce is the first valid one for its block; the block is on the pool's disk. */
    record Accepted(int job) implements JobAnswer {
        public Accepted {
            checkU16("job", job);
        }

        @Override
        public MessageType type() {
            return MessageType.ACCEPTED;
        }

        static Accepted decode(ByteBuffer src) {
            return new Accepted(JobAnswer.decodeJob(src));
        }
    }

    /**
     * {@code I}: the block of this job was already mined (by anyone, the receiver included): stop, and ask
     * again with {@code G}. Sent unasked to every miner holding a slot of the block, and as the answer to a
     * late {@code S}.
     */
    record Invalidated(int job) implements JobAnswer {
        public Invalidated {
            checkU16("job", job);
        }

        @Override
        public MessageType type() {
            return MessageType.INVALIDATED;
        }

        static Invalidated decode(ByteBuffer src) {
            return new Invalidated(JobAnswer.decodeJob(src));
        }
    }

    /**
     * {@code R}: the nonce does not meet the zero bits, the job is unknown, or the connection never sent
     * {@code G}.
     */
    record Rejected(int job) implements JobAnswer {
        public Rejected {
            checkU16("job", job);
        }

        @Override
        public MessageType type() {
            return MessageType.REJECTED;
        }

        static Rejected decode(ByteBuffer src) {
            return new Rejected(JobAnswer.decodeJob(src));
        }
    }

    /**
     * {@code Q}: the pool's goodbye, with the reason; it closes the connection next.
     *
     * <pre>
     *  0      1        2
     *  +------+--------+
     *  | 'Q'  | reason |
     *  |      | u8     |
     *  +------+--------+
     * </pre>
     *
     * A miner that receives a reason code it does not know still stops; {@link #reason()} is then null and the
     * code is shown as a number.
     *
     * @param reasonCode the {@link Reason#code()}, 0..255
     */
    record Quit(int reasonCode) implements Message {
        public static final int REASON_OFFSET = TYPE_OFFSET + 1;
        public static final int LENGTH = REASON_OFFSET + 1;

        /** Why the pool says goodbye. The codes are part of the protocol: never renumber one. */
        public enum Reason {
            /** The pool is shutting down (a signal, or its --max-blocks limit). Nothing is wrong with the miner. */
            SHUTDOWN(0, "the pool is shutting down"),
            /** The pool has --max-clients connections already. */
            POOL_FULL(1, "the pool is full"),
            /** The pool has --max-clients-per-host connections from the miner's address already. */
            HOST_FULL(2, "the pool has too many connections from this address"),
            /** The name in G breaks the name rules. */
            BAD_NAME(3, "the pool refused the miner name"),
            /** A second G on the same connection named another miner. */
            NAME_CHANGED(4, "the miner name changed on the same connection"),
            /** Too many rejected submits or rule violations in a short time. */
            TOO_MANY_REJECTS(5, "too many rejected submits");

            private static final Reason[] BY_CODE = new Reason[256];

            static {
                for (Reason reason : values()) {
                    BY_CODE[reason.code] = reason;
                }
            }

            private final int code;
            private final String description;

            Reason(int code, String description) {
                this.code = code;
                this.description = description;
            }

            public int code() {
                return code;
            }

            /** A few words for a person: {@code the pool is full}. */
            public String description() {
                return description;
            }

            /** The reason with this code, or null if this version of the protocol does not know it. */
            public static Reason fromCode(int code) {
                return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
            }
        }

        public Quit {
            if (reasonCode < 0 || reasonCode > 0xFF) {
                throw new IllegalArgumentException("reason code " + reasonCode + " is not a u8");
            }
        }

        public Quit(Reason reason) {
            this(reason.code());
        }

        /** The reason, or null for a code this version does not know. */
        public Reason reason() {
            return Reason.fromCode(reasonCode);
        }

        /** The reason in words, or {@code reason code N} for an unknown one. */
        public String describe() {
            Reason reason = reason();
            return reason != null ? reason.description() : "reason code " + reasonCode;
        }

        @Override
        public MessageType type() {
            return MessageType.QUIT;
        }

        @Override
        public void encode(ByteBuffer dst) {
            requireNetworkOrder(dst);
            dst.put(MessageType.QUIT.wireByte()).put((byte) reasonCode);
        }

        static Quit decode(ByteBuffer src) {
            src.get();
            return new Quit(Byte.toUnsignedInt(src.get()));
        }
    }

    private static void checkU16(String field, int value) {
        if (value < 0 || value > 0xFFFF) {
            throw new IllegalArgumentException(field + " " + value + " is not a u16");
        }
    }
}
