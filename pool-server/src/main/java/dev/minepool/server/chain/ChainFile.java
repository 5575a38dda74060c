package dev.minepool.server.chain;

import dev.minepool.server.PoolLog;
import dev.minepool.protocol.BlockHeader;
import dev.minepool.protocol.Message;
import dev.minepool.protocol.ProofOfWork;
import dev.minepool.protocol.Protocol;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.zip.CRC32;

/**
 * The chain on disk: an append-only file of mined blocks, each forced to disk before its miner hears {@code A}.
 *
 * <p>The file starts with an 8-byte header, then one record per block, in height order from 1:
 *
 * <pre>
 *  file header
 *  0                 4           6           8
 *  +-----------------+-----------+-----------+
 *  | magic "MPCH"    | version   | reserved  |
 *  |                 | u16 = 1   | u16 = 0   |
 *  +-----------------+-----------+-----------+
 *
 *  record
 *  0                 4                 8
 *  +-----------------+-----------------+--------------------------------------
 *  | body length u32 | CRC32 of body   | body (body length bytes)
 *  +-----------------+-----------------+--------------------------------------
 *
 *  body
 *  0          4                 36         40     41              51             59             67       69
 *  +----------+-----------------+----------+------+---------------+--------------+--------------+--------+------
 *  | height   | previous hash   | nonce    | zero | winner name   | found at     | time to mine | data   | data
 *  | u32      | (32)            | u32      | bits | UTF-8, 0x00-  | u64, ms since| u64, ms      | length |
 *  |          |                 |          | u8   | padded (10)   | the epoch    |              | u16    |
 *  +----------+-----------------+----------+------+---------------+--------------+--------------+--------+------
 * </pre>
 *
 * All integers big-endian, like the wire. The body length is always {@code 69 + data length}.
 *
 * <p>Reading checks, record by record: the CRC32, the height (one more than the record before), the previous
 * hash (the hash of the block before, the {@link Genesis} hash for block 1), that the data's block header names
 * the same previous hash and height, and the proof of work. A record cut short at the end of the file is what a
 * crash in the middle of an append leaves; {@link #open} truncates it with a warning (it was never
 * acknowledged, because {@code A} is sent only after the append is forced). A complete record that fails any
 * check is corruption: the pool refuses to start and names the record.
 *
 * <p>Not thread-safe: the pool's event loop is its only user.
 */
public final class ChainFile implements Closeable {
    public static final byte[] MAGIC = "MPCH".getBytes(StandardCharsets.US_ASCII);
    public static final int VERSION = 1;
    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 4;
    public static final int FILE_HEADER_LENGTH = 8;

    public static final int BODY_LENGTH_OFFSET = 0;
    public static final int CRC_OFFSET = 4;
    public static final int RECORD_HEADER_LENGTH = 8;

    public static final int HEIGHT_OFFSET = 0;
    public static final int PREVIOUS_HASH_OFFSET = 4;
    public static final int NONCE_OFFSET = 36;
    public static final int ZERO_BITS_OFFSET = 40;
    public static final int WINNER_OFFSET = 41;
    public static final int WINNER_LENGTH = Message.GetWork.NAME_LENGTH;
    public static final int FOUND_AT_OFFSET = 51;
    public static final int TIME_TO_MINE_OFFSET = 59;
    public static final int DATA_LENGTH_OFFSET = 67;
    public static final int DATA_OFFSET = 69;
    public static final int MAX_BODY_LENGTH = DATA_OFFSET + Protocol.MAX_DATA_LENGTH;

    /** The last block of a chain: what the next job links to. */
    public record Tip(long height, byte[] hash) {
        public static Tip genesis() {
            return new Tip(Genesis.HEIGHT, Genesis.hash());
        }

        public String hashHex() {
            return HexFormat.of().formatHex(hash);
        }
    }

    /** Receives each verified block while a chain is read. */
    @FunctionalInterface
    public interface BlockVisitor {
        void visit(Block block) throws IOException;
    }

    /** What reading a chain found: the verified blocks end at {@code validEnd}; anything after is a torn tail. */
    public record ReadResult(Tip tip, long blocks, long validEnd, long fileSize, String tornTail) {
        public boolean torn() {
            return tornTail != null;
        }
    }

    private final Path path;
    private final FileChannel channel;
    private final FileLock lock;
    private Tip tip;
    private long end;

    private ChainFile(Path path, FileChannel channel, FileLock lock, Tip tip, long end) {
        this.path = path;
        this.channel = channel;
        this.lock = lock;
        this.tip = tip;
        this.end = end;
    }

    /**
     * Opens (creating if missing) and verifies a chain file for appending: truncates a torn last record with a
     * warning, and locks the file so that a second pool cannot append to it too.
     *
     * @throws ChainCorruptException naming the record, if a complete record is corrupt or does not link
     * @throws IOException           if the file cannot be read, written or locked
     */
    public static ChainFile open(Path path, PoolLog log) throws IOException {
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
                    StandardOpenOption.CREATE);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException("cannot create chain file " + path + ": its directory does not exist", e);
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IOException("cannot open chain file " + path + " for writing: permission denied", e);
        } catch (java.nio.file.FileSystemException e) {
            throw new IOException("cannot open chain file " + path + ": " + e.getReason(), e);
        }
        try {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new IOException("chain file " + path + " is in use by another pool server");
            }
            if (channel.size() < FILE_HEADER_LENGTH) {
                startFile(channel, path, log);
            }
            ReadResult result = read(channel, path, block -> { });
            if (result.torn()) {
                log.warn("chain file " + path + ": " + result.tornTail() + "; truncating it (a crash during an"
                        + " append leaves this; that block was never acknowledged)");
                channel.truncate(result.validEnd());
                channel.force(true);
            }
            return new ChainFile(path, channel, lock, result.tip(), result.validEnd());
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** A new file, or one whose header was cut short by a crash while it was being created. */
    private static void startFile(FileChannel channel, Path path, PoolLog log) throws IOException {
        long size = channel.size();
        ByteBuffer header = fileHeader();
        if (size > 0) {
            ByteBuffer existing = ByteBuffer.allocate((int) size);
            channel.read(existing, 0);
            if (!Arrays.equals(existing.array(), 0, (int) size, header.array(), 0, (int) size)) {
                throw new ChainCorruptException("chain file " + path + " is not a minepool chain file (it does not"
                        + " start with \"MPCH\")");
            }
            log.warn("chain file " + path + ": the file header is incomplete (" + size + " of "
                    + FILE_HEADER_LENGTH + " bytes); rewriting it");
        }
        channel.truncate(0);
        channel.write(header, 0);
        channel.force(true);
    }

    private static ByteBuffer fileHeader() {
        ByteBuffer header = ByteBuffer.allocate(FILE_HEADER_LENGTH).order(ByteOrder.BIG_ENDIAN);
        header.put(MAGIC).putShort((short) VERSION).putShort((short) 0).flip();
        return header;
    }

    /**
     * Reads and verifies a chain file without changing it, handing every block to {@code visitor} in order: what
     * {@code pool-server chain} does. A torn tail is reported in the result, not repaired.
     */
    public static ReadResult scan(Path path, BlockVisitor visitor) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            if (channel.size() < FILE_HEADER_LENGTH) {
                throw new ChainCorruptException("chain file " + path + " is " + channel.size()
                        + " bytes long, shorter than the " + FILE_HEADER_LENGTH + "-byte file header");
            }
            return read(channel, path, visitor);
        }
    }

    private static ReadResult read(FileChannel channel, Path path, BlockVisitor visitor) throws IOException {
        long size = channel.size();
        ByteBuffer header = ByteBuffer.allocate(FILE_HEADER_LENGTH).order(ByteOrder.BIG_ENDIAN);
        readFully(channel, header, 0);
        if (!Arrays.equals(header.array(), MAGIC_OFFSET, MAGIC_OFFSET + MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new ChainCorruptException("chain file " + path + " is not a minepool chain file (it does not"
                    + " start with \"MPCH\")");
        }
        int version = Short.toUnsignedInt(header.getShort(VERSION_OFFSET));
        if (version != VERSION) {
            throw new ChainCorruptException("chain file " + path + " has format version " + version
                    + "; this pool reads version " + VERSION);
        }
        Tip tip = Tip.genesis();
        long position = FILE_HEADER_LENGTH;
        long record = 0;
        ByteBuffer recordHeader = ByteBuffer.allocate(RECORD_HEADER_LENGTH).order(ByteOrder.BIG_ENDIAN);
        while (position < size) {
            record++;
            String where = "chain file " + path + ": record " + record + " (at byte " + position + ")";
            if (size - position < RECORD_HEADER_LENGTH) {
                return new ReadResult(tip, record - 1, position, size, "record " + record + " at byte " + position
                        + " is incomplete (" + (size - position) + " bytes of its 8-byte record header)");
            }
            recordHeader.clear();
            readFully(channel, recordHeader, position);
            long bodyLength = Integer.toUnsignedLong(recordHeader.getInt(BODY_LENGTH_OFFSET));
            if (bodyLength < DATA_OFFSET + BlockHeader.LENGTH || bodyLength > MAX_BODY_LENGTH) {
                // A length no writer produces is damage, not a torn append: truncating on its word could
                // throw away every good block after it.
                throw new ChainCorruptException(where + " is corrupt: body length " + bodyLength
                        + " is impossible (" + (DATA_OFFSET + BlockHeader.LENGTH) + ".." + MAX_BODY_LENGTH + ")");
            }
            long available = size - position - RECORD_HEADER_LENGTH;
            if (available < bodyLength) {
                return new ReadResult(tip, record - 1, position, size, "record " + record + " at byte " + position
                        + " is incomplete (" + available + " of " + bodyLength + " body bytes)");
            }
            ByteBuffer body = ByteBuffer.allocate((int) bodyLength).order(ByteOrder.BIG_ENDIAN);
            readFully(channel, body, position + RECORD_HEADER_LENGTH);
            CRC32 crc = new CRC32();
            crc.update(body.array());
            long expectedCrc = Integer.toUnsignedLong(recordHeader.getInt(CRC_OFFSET));
            if (crc.getValue() != expectedCrc) {
                throw new ChainCorruptException(where + " is corrupt: its CRC32 is "
                        + String.format("%08x, the record says %08x", crc.getValue(), expectedCrc));
            }
            Block block = decodeBody(body, where);
            verify(block, tip, where);
            visitor.visit(block);
            tip = new Tip(block.height(), block.hash());
            position += RECORD_HEADER_LENGTH + bodyLength;
        }
        return new ReadResult(tip, record, position, size, null);
    }

    private static Block decodeBody(ByteBuffer body, String where) throws ChainCorruptException {
        long height = Integer.toUnsignedLong(body.getInt(HEIGHT_OFFSET));
        byte[] previousHash = Arrays.copyOfRange(body.array(), PREVIOUS_HASH_OFFSET,
                PREVIOUS_HASH_OFFSET + ProofOfWork.HASH_LENGTH);
        long nonce = Integer.toUnsignedLong(body.getInt(NONCE_OFFSET));
        int zeroBits = Byte.toUnsignedInt(body.get(ZERO_BITS_OFFSET));
        int nameLength = WINNER_LENGTH;
        while (nameLength > 0 && body.get(WINNER_OFFSET + nameLength - 1) == 0) {
            nameLength--;
        }
        String winner = new String(body.array(), WINNER_OFFSET, nameLength, StandardCharsets.UTF_8);
        long foundAt = body.getLong(FOUND_AT_OFFSET);
        long timeToMine = body.getLong(TIME_TO_MINE_OFFSET);
        int dataLength = Short.toUnsignedInt(body.getShort(DATA_LENGTH_OFFSET));
        if (DATA_OFFSET + dataLength != body.capacity()) {
            throw new ChainCorruptException(where + " is corrupt: " + dataLength + " data bytes do not fill a body"
                    + " of " + body.capacity());
        }
        byte[] data = Arrays.copyOfRange(body.array(), DATA_OFFSET, DATA_OFFSET + dataLength);
        return new Block(height, previousHash, data, nonce, zeroBits, winner, foundAt, timeToMine);
    }

    private static void verify(Block block, Tip before, String where) throws ChainCorruptException {
        HexFormat hex = HexFormat.of();
        if (block.height() != before.height() + 1) {
            throw new ChainCorruptException(where + " has height " + block.height() + " but follows block "
                    + before.height());
        }
        String named = where + " (height " + block.height() + ")";
        if (!Arrays.equals(block.previousHash(), before.hash())) {
            throw new ChainCorruptException(named + " does not link: its previous hash is "
                    + hex.formatHex(block.previousHash()) + ", the hash of " + describe(before) + " is "
                    + before.hashHex());
        }
        BlockHeader header = BlockHeader.readFrom(block.data());
        if (!Arrays.equals(header.previousHash(), before.hash()) || header.height() != block.height()) {
            throw new ChainCorruptException(named + " is corrupt: its data's block header (height "
                    + header.height() + ", previous hash " + hex.formatHex(header.previousHash())
                    + ") disagrees with the record");
        }
        if (block.zeroBits() < 1) {
            throw new ChainCorruptException(named + " is corrupt: it claims 0 zero bits");
        }
        byte[] hash = block.hash();
        if (!ProofOfWork.meets(hash, block.zeroBits())) {
            throw new ChainCorruptException(named + " fails its proof of work: nonce "
                    + String.format("0x%08x", block.nonce()) + " gives hash " + hex.formatHex(hash) + " with "
                    + ProofOfWork.leadingZeroBits(hash) + " zero bits, not " + block.zeroBits());
        }
    }

    private static String describe(Tip tip) {
        return tip.height() == Genesis.HEIGHT ? "the genesis block" : "block " + tip.height();
    }

    private static void readFully(FileChannel channel, ByteBuffer dst, long position) throws IOException {
        while (dst.hasRemaining()) {
            int n = channel.read(dst, position + dst.position());
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    /** The record for a block, file bytes exactly. */
    public static ByteBuffer encode(Block block) {
        byte[] data = block.data();
        ByteBuffer record = ByteBuffer.allocate(RECORD_HEADER_LENGTH + DATA_OFFSET + data.length)
                .order(ByteOrder.BIG_ENDIAN);
        record.putInt(DATA_OFFSET + data.length).putInt(0); // the CRC goes in once the body is written
        byte[] name = block.winner().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        record.putInt((int) block.height())
                .put(block.previousHash())
                .putInt((int) block.nonce())
                .put((byte) block.zeroBits())
                .put(name).put(new byte[WINNER_LENGTH - name.length])
                .putLong(block.foundAtMillis())
                .putLong(block.millisToMine())
                .putShort((short) data.length)
                .put(data);
        CRC32 crc = new CRC32();
        crc.update(record.array(), RECORD_HEADER_LENGTH, record.capacity() - RECORD_HEADER_LENGTH);
        record.putInt(CRC_OFFSET, (int) crc.getValue());
        record.flip();
        return record;
    }

    public Path path() {
        return path;
    }

    /** The last block, or genesis for an empty chain. */
    public Tip tip() {
        return tip;
    }

    /**
     * Appends the block and forces it to disk; when this returns, the block survives a crash or power loss.
     *
     * @throws IllegalArgumentException if the block does not extend the tip (a bug in the caller)
     * @throws IOException              if the write or the force fails; the file may then hold a torn record,
     *                                  which the next {@link #open} truncates
     */
    public void append(Block block) throws IOException {
        if (block.height() != tip.height() + 1 || !Arrays.equals(block.previousHash(), tip.hash())) {
            throw new IllegalArgumentException("block " + block.height() + " does not extend the chain tip "
                    + tip.height());
        }
        ByteBuffer record = encode(block);
        long position = end;
        while (record.hasRemaining()) {
            position += channel.write(record, position);
        }
        // force(true): the file's length is metadata, and a record past the old length is lost without it.
        channel.force(true);
        end = position;
        tip = new Tip(block.height(), block.hash());
    }

    @Override
    public void close() throws IOException {
        if (channel.isOpen()) {
            try {
                lock.release();
            } finally {
                channel.close();
            }
        }
    }
}
