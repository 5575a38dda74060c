package dev.minepool.client.verify;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * The verifier's local copy of a pool's chain: a file of blocks, appended to as they are downloaded, so that the
 * next run fetches only new ones. It is a cache the verifier does not trust: every block in it is checked again
 * on every run, and a record whose checksum fails is reported, never used. Big-endian throughout.
 *
 * <pre>
 * header, 12 bytes
 *  0        4         6         8              12
 *  +--------+---------+---------+--------------+
 *  | "MPCC" | version | 0 (u16) | CRC-32C of   |
 *  | ASCII  | u16 = 1 |         | bytes 0..7   |
 *  +--------+---------+---------+--------------+
 *
 * then per block, one record
 *  0             4              8
 *  +-------------+--------------+----------------------------------------------------------+
 *  | body length | CRC-32C of   | body                                                     |
 *  | u32         | the body     |                                                          |
 *  +-------------+--------------+----------------------------------------------------------+
 *
 * body
 *  0        4           36       40     41            49           50           50+n
 *  +--------+-----------+--------+------+-------------+------------+------------+--------------+
 *  | height | hash (32) | nonce  | zero | found at    | winner     | winner     | job data     |
 *  | u32    | as served | u32    | bits | ms, i64     | length u8  | UTF-8 (n)  | (the rest)   |
 *  +--------+-----------+--------+------+-------------+------------+------------+--------------+
 * </pre>
 *
 * A record cut short at the end of the file is what a crash in the middle of an append leaves: it is cut off
 * (the block is downloaded again). Anything else that does not check out makes the copy {@link Damaged}.
 */
public final class ChainCopy implements AutoCloseable {
    static final byte[] MAGIC = "MPCC".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    static final int HEADER_LENGTH = 12;
    static final int RECORD_HEADER_LENGTH = 8;
    static final int HEIGHT_OFFSET = 0;
    static final int HASH_OFFSET = HEIGHT_OFFSET + 4;
    static final int NONCE_OFFSET = HASH_OFFSET + 32;
    static final int ZERO_BITS_OFFSET = NONCE_OFFSET + 4;
    static final int FOUND_AT_OFFSET = ZERO_BITS_OFFSET + 1;
    static final int WINNER_LENGTH_OFFSET = FOUND_AT_OFFSET + 8;
    static final int WINNER_OFFSET = WINNER_LENGTH_OFFSET + 1;
    /** The pool's job data is at most 65,535 bytes: a longer body is damage, not a block. */
    static final int MAX_BODY = WINNER_OFFSET + 255 + 0xFFFF;

    /** Receives the blocks of the copy, in file order. */
    @FunctionalInterface
    public interface Reader {
        void block(CopiedBlock block) throws VerifyException;
    }

    /** A copy that cannot be trusted: where and why. */
    public static final class Damaged extends Exception {
        private static final long serialVersionUID = 1L;

        Damaged(String message) {
            super(message);
        }
    }

    private final Path file;
    private final FileChannel channel;

    private ChainCopy(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    public Path file() {
        return file;
    }

    /**
     * Opens the copy, creating it (and its directory) when missing, and reads every block in it into {@code
     * reader}; a torn last record is cut off.
     *
     * @return the open copy, positioned for appending
     * @throws Damaged a header or record that does not check out (the message names the block and the byte)
     * @throws VerifyException what the reader threw for a block
     */
    public static ChainCopy open(Path file, Reader reader, StringBuilder notes) throws IOException, Damaged,
            VerifyException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        boolean ok = false;
        try {
            long size = channel.size();
            if (size == 0) {
                channel.write(ByteBuffer.wrap(header()));
                channel.force(true);
            } else {
                readAll(file, channel, size, reader, notes);
            }
            channel.position(channel.size());
            ok = true;
            return new ChainCopy(file, channel);
        } finally {
            if (!ok) {
                channel.close();
            }
        }
    }

    /** Empties the copy, for a pool whose chain was reset or replaced. */
    public void clear() throws IOException {
        channel.truncate(HEADER_LENGTH);
        channel.position(HEADER_LENGTH);
        channel.force(true);
    }

    public void append(CopiedBlock block) throws IOException {
        byte[] winner = block.winner().getBytes(StandardCharsets.UTF_8);
        if (winner.length > 255) {
            throw new IllegalArgumentException("a winner name of " + winner.length + " bytes"); // checked before
        }
        byte[] data = block.dataView();
        ByteBuffer body = ByteBuffer.allocate(WINNER_OFFSET + winner.length + data.length).order(ByteOrder.BIG_ENDIAN);
        body.putInt((int) block.height()).put(block.hash()).putInt((int) block.nonce()).put((byte) block.zeroBits())
                .putLong(block.foundAtMillis()).put((byte) winner.length).put(winner).put(data);
        CRC32C crc = new CRC32C();
        crc.update(body.array());
        ByteBuffer record = ByteBuffer.allocate(RECORD_HEADER_LENGTH + body.capacity()).order(ByteOrder.BIG_ENDIAN);
        record.putInt(body.capacity()).putInt((int) crc.getValue()).put(body.array()).flip();
        while (record.hasRemaining()) {
            channel.write(record);
        }
    }

    /** Forces what was appended to disk: after a batch, not after every block (it is a cache). */
    public void flush() throws IOException {
        channel.force(false);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    static byte[] header() {
        ByteBuffer b = ByteBuffer.allocate(HEADER_LENGTH).order(ByteOrder.BIG_ENDIAN);
        b.put(MAGIC).putShort((short) VERSION).putShort((short) 0);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, 8);
        return b.putInt((int) crc.getValue()).array();
    }

    private static void readAll(Path file, FileChannel channel, long size, Reader reader, StringBuilder notes)
            throws IOException, Damaged, VerifyException {
        ByteBuffer head = ByteBuffer.allocate(HEADER_LENGTH);
        if (size < HEADER_LENGTH || readFully(channel, head, 0) < HEADER_LENGTH
                || !java.util.Arrays.equals(head.array(), header())) {
            throw new Damaged("the copy " + file + " does not start with a chain copy header (MPCC, version "
                    + VERSION + ", its CRC): it is not a copy this verifier wrote, or it is damaged");
        }
        long at = HEADER_LENGTH;
        long previousHeight = 0;
        while (at < size) {
            if (size - at < RECORD_HEADER_LENGTH) {
                cut(channel, at, size, notes, file);
                return;
            }
            ByteBuffer recordHead = ByteBuffer.allocate(RECORD_HEADER_LENGTH).order(ByteOrder.BIG_ENDIAN);
            readFully(channel, recordHead, at);
            long length = Integer.toUnsignedLong(recordHead.getInt(0));
            int expectedCrc = recordHead.getInt(4);
            String which = "the record after block " + previousHeight + " (at byte " + at + ")";
            if (length < WINNER_OFFSET || length > MAX_BODY) {
                throw new Damaged("the copy " + file + " is damaged: " + which + " says its body is " + length
                        + " bytes, which no block is; it is not trusted (delete it to download the chain again)");
            }
            if (size - at - RECORD_HEADER_LENGTH < length) {
                cut(channel, at, size, notes, file);
                return;
            }
            ByteBuffer body = ByteBuffer.allocate((int) length).order(ByteOrder.BIG_ENDIAN);
            readFully(channel, body, at + RECORD_HEADER_LENGTH);
            CRC32C crc = new CRC32C();
            crc.update(body.array());
            long height = Integer.toUnsignedLong(body.getInt(HEIGHT_OFFSET));
            if ((int) crc.getValue() != expectedCrc) {
                throw new Damaged("the copy " + file + " is damaged: the record of block " + height + " (at byte "
                        + at + ", if its height is right; the block after " + previousHeight + ") fails its CRC;"
                        + " it is not trusted (delete it to download the chain again)");
            }
            int winnerLength = Byte.toUnsignedInt(body.get(WINNER_LENGTH_OFFSET));
            if (WINNER_OFFSET + winnerLength > length) {
                throw new Damaged("the copy " + file + " is damaged: the record of block " + height + " (at byte "
                        + at + ") is shorter than its winner's name");
            }
            byte[] hash = new byte[32];
            body.get(HASH_OFFSET, hash);
            byte[] winner = new byte[winnerLength];
            body.get(WINNER_OFFSET, winner);
            byte[] data = new byte[(int) length - WINNER_OFFSET - winnerLength];
            body.get(WINNER_OFFSET + winnerLength, data);
            reader.block(new CopiedBlock(height, hash, Integer.toUnsignedLong(body.getInt(NONCE_OFFSET)),
                    Byte.toUnsignedInt(body.get(ZERO_BITS_OFFSET)), new String(winner, StandardCharsets.UTF_8),
                    body.getLong(FOUND_AT_OFFSET), data));
            previousHeight = height;
            at += RECORD_HEADER_LENGTH + length;
        }
    }

    private static void cut(FileChannel channel, long at, long size, StringBuilder notes, Path file)
            throws IOException {
        channel.truncate(at);
        notes.append("the copy ").append(file).append(" ended in ").append(size - at)
                .append(" bytes of an unfinished record (an interrupted run); cut them off\n");
    }

    private static int readFully(FileChannel channel, ByteBuffer into, long position) throws IOException {
        int total = 0;
        while (into.hasRemaining()) {
            int n = channel.read(into, position + total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }
}
