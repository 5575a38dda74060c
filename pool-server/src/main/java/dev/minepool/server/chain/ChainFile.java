package dev.minepool.server.chain;

import dev.minepool.protocol.chain.ChainWork;
import dev.minepool.protocol.chain.DifficultyRule;
import dev.minepool.protocol.chain.Difficulty;
import dev.minepool.protocol.BlockHeader;
import dev.minepool.protocol.MinerName;
import dev.minepool.protocol.ProofOfWork;
import dev.minepool.protocol.Protocol;
import dev.minepool.server.PoolLog;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.zip.CRC32;

/**
 * The chain on disk: an append-only file of mined blocks, each forced to disk before its miner hears {@code A}.
 * PROTOCOL.md ("The chain file") is the contract; this drawing is the same one, with the names of the offsets.
 *
 * <pre>
 *  file header (versions 2, 3 and 4)
 *  0              4            6                8                      L-4               L
 *  +--------------+------------+----------------+---- ... ----------+------------------+
 *  | magic "MPCH" | version    | header length  | fields            | CRC32 of bytes   |
 *  |              | u16 = 4    | u16 = L (>=12) | (L-12 bytes)      | 0 .. L-4         |
 *  +--------------+------------+----------------+---- ... ----------+------------------+
 *
 *  header field (a field whose tag has bit 15 clear must be understood, else the file is refused)
 *  0         2          4
 *  +---------+----------+---------------
 *  | tag u16 | length n | value (n bytes)
 *  +---------+----------+---------------
 *
 *  version 4 holds exactly two fields: 0x0001, the difficulty rule (14 bytes, drawn in DifficultyRule), and
 *  0x0002, the transactions height (4 bytes: u32, the first height whose job data carries a transaction region),
 *  so L = 38; version 3 holds only the rule, so L = 30; version 2 defines no field, and its header is always the
 *  12 bytes 4d504348 0002 000c 1f1212ed
 *
 *  record (versions 2, 3 and 4), one per block in height order from 1, starting at byte L
 *  0                 4                 8                  12
 *  +-----------------+-----------------+------------------+-------------------------------
 *  | body length u32 | CRC32 of body   | CRC32 of bytes   | body (body length bytes)
 *  |                 |                 | 0..7 (the above) |
 *  +-----------------+-----------------+------------------+-------------------------------
 *
 *  body (the same in every version)
 *  0          4                 36         40     41              51             59             67       69
 *  +----------+-----------------+----------+------+---------------+--------------+--------------+--------+------
 *  | height   | previous hash   | nonce    | zero | winner name   | found at     | time to mine | data   | data
 *  | u32      | (32)            | u32      | bits | UTF-8, 0x00-  | u64, ms since| u64, ms      | length |
 *  |          |                 |          | u8   | padded (10)   | the epoch    |              | u16    |
 *  +----------+-----------------+----------+------+---------------+--------------+--------------+--------+------
 *
 *  version 1, still read: file header "MPCH", u16 = 1, u16 reserved = 0 (8 bytes);
 *  record header: body length u32, CRC32 of body u32 (8 bytes), nothing protecting the length
 * </pre>
 *
 * All integers big-endian, like the wire. The body length is always {@code 69 + data length}.
 *
 * <p>{@link ChainReader} reads and verifies; the only damage it takes for a crash rather than corruption is a
 * torn tail: a record header cut short by the end of the file, or a record whose header checks out but whose
 * body runs past it. Both CRCs together mean a flipped bit anywhere in a record is refused as corruption. {@link
 * #open} sets a torn tail aside in a side file ({@link TornTail}) and upgrades a version 1 or 2 file ({@link
 * VersionUpgrade}); a complete record that fails any check, the difficulty rule included ({@link Difficulty}),
 * stops the pool, naming the record and its offset.
 *
 * <p>Not thread-safe: the pool's event loop is its only user.
 */
public final class ChainFile implements Closeable {
    public static final byte[] MAGIC = "MPCH".getBytes(StandardCharsets.US_ASCII);
    /** The version this pool writes: a file header that records the difficulty rule and the transactions height. */
    public static final int VERSION = 4;
    /** The version before transactions: the rule, no region in any block. Read, and upgraded on open. */
    public static final int VERSION_3 = 3;
    /** The version before the difficulty rule: its blocks keep the bits they say. Read, and upgraded on open. */
    public static final int VERSION_2 = 2;
    /** The first version, read and upgraded on open. */
    public static final int VERSION_1 = 1;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = MAGIC_OFFSET + 4;
    public static final int HEADER_LENGTH_OFFSET = VERSION_OFFSET + 2;
    public static final int HEADER_FIELDS_OFFSET = HEADER_LENGTH_OFFSET + 2;
    public static final int HEADER_CRC_LENGTH = 4;
    /** A file header with no fields, the shortest: version 2's, always. */
    public static final int FILE_HEADER_LENGTH = HEADER_FIELDS_OFFSET + HEADER_CRC_LENGTH;

    public static final int FIELD_TAG_OFFSET = 0;
    public static final int FIELD_LENGTH_OFFSET = FIELD_TAG_OFFSET + 2;
    public static final int FIELD_VALUE_OFFSET = FIELD_LENGTH_OFFSET + 2;
    /** A field whose tag has this bit set may be skipped by a reader that does not know it. */
    public static final int OPTIONAL_FIELD_TAG_BIT = 0x8000;
    /** The version 3 file header: one field, the difficulty rule. */
    public static final int RULE_HEADER_LENGTH = FILE_HEADER_LENGTH + FIELD_VALUE_OFFSET + DifficultyRule.VALUE_LENGTH;
    /** Tag of the version 4 field that says from which height blocks carry a transaction region (required). */
    public static final int TRANSACTIONS_FIELD_TAG = 0x0002;
    /** Its value: the first height, u32. */
    public static final int TRANSACTIONS_VALUE_LENGTH = 4;
    /** The version 4 file header: the difficulty rule, then the transactions height. */
    public static final int HEADER_LENGTH = RULE_HEADER_LENGTH + FIELD_VALUE_OFFSET + TRANSACTIONS_VALUE_LENGTH;

    public static final int V1_RESERVED_OFFSET = VERSION_OFFSET + 2;
    public static final int V1_FILE_HEADER_LENGTH = V1_RESERVED_OFFSET + 2;

    public static final int BODY_LENGTH_OFFSET = 0;
    public static final int BODY_CRC_OFFSET = BODY_LENGTH_OFFSET + 4;
    public static final int RECORD_HEADER_CRC_OFFSET = BODY_CRC_OFFSET + 4;
    public static final int RECORD_HEADER_LENGTH = RECORD_HEADER_CRC_OFFSET + 4;
    public static final int V1_CRC_OFFSET = BODY_LENGTH_OFFSET + 4;
    public static final int V1_RECORD_HEADER_LENGTH = V1_CRC_OFFSET + 4;

    public static final int HEIGHT_OFFSET = 0;
    public static final int PREVIOUS_HASH_OFFSET = HEIGHT_OFFSET + 4;
    public static final int NONCE_OFFSET = PREVIOUS_HASH_OFFSET + ProofOfWork.HASH_LENGTH;
    public static final int ZERO_BITS_OFFSET = NONCE_OFFSET + 4;
    public static final int WINNER_OFFSET = ZERO_BITS_OFFSET + 1;
    public static final int WINNER_LENGTH = MinerName.MAX_BYTES;
    public static final int FOUND_AT_OFFSET = WINNER_OFFSET + WINNER_LENGTH;
    public static final int TIME_TO_MINE_OFFSET = FOUND_AT_OFFSET + 8;
    public static final int DATA_LENGTH_OFFSET = TIME_TO_MINE_OFFSET + 8;
    public static final int DATA_OFFSET = DATA_LENGTH_OFFSET + 2;
    /** The data of a block carries at least a {@link BlockHeader}. */
    public static final int MIN_BODY_LENGTH = DATA_OFFSET + BlockHeader.LENGTH;
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

    /**
     * What reading a chain found: the verified blocks end at {@code validEnd}; the bytes from there to {@code
     * fileSize} are a torn tail, described by {@code tornTail} (null when there is none).
     */
    public record ReadResult(int version, Tip tip, long blocks, long validEnd, long fileSize, String tornTail,
                             Difficulty difficulty, long transactionsFrom, ChainBalances balances) {
        public boolean torn() {
            return tornTail != null;
        }

        /** The file's difficulty rule; null for versions 1 and 2, which recorded none. */
        public DifficultyRule rule() {
            return difficulty.rule();
        }

        /** Σ 2^bits over the verified blocks. */
        public ChainWork chainWork() {
            return difficulty.work();
        }

        /** Whether the block at {@code height} carries a transaction region (version 4, from its height on). */
        public boolean carriesTransactions(long height) {
            return ChainFile.carriesTransactions(transactionsFrom, height);
        }
    }

    /** {@code transactionsFrom} is 0 for a file of a version before 4: none of its blocks carries a region. */
    static boolean carriesTransactions(long transactionsFrom, long height) {
        return transactionsFrom > 0 && height >= transactionsFrom;
    }

    private final Path path;
    private final FileChannel channel;
    private final FileLock lock;
    private final Difficulty difficulty;
    private final long transactionsFrom;
    private final ChainBalances balances;
    private Tip tip;
    private long end;

    ChainFile(Path path, FileChannel channel, FileLock lock, Tip tip, long end, Difficulty difficulty,
              long transactionsFrom, ChainBalances balances) {
        this.path = path;
        this.channel = channel;
        this.lock = lock;
        this.tip = tip;
        this.end = end;
        this.difficulty = difficulty;
        this.transactionsFrom = transactionsFrom;
        this.balances = balances;
    }

    /**
     * Opens (creating if missing) and verifies a chain file for appending, and locks it so that a second pool
     * cannot append to it too. A new file records {@code rule}, and transactions from block 1. A torn tail is moved
     * to a side file with a warning; a version 1, 2 or 3 file is upgraded to version 4 with transactions from the
     * block after its tip (and for 1 and 2, which recorded no rule, {@code rule} governing from there too), keeping
     * the old file as a {@code .v1}, {@code .v2} or {@code .v3} backup. Every record of every block is checked
     * against the ledger's rules ({@link ChainBalances}): a block whose records break one is damage, named.
     *
     * @throws RuleMismatchException  if the file records a rule that {@code rule} cannot extend (another kind, target
     *                               block time, or fixed bits); the file is then left as it was
     * @throws ChainCorruptException naming the file header or the record and its offset, if anything but a torn
     *                               tail is wrong; the file is then left as it was
     * @throws IOException           if the file cannot be read, written or locked
     */
    public static ChainFile open(Path path, DifficultyRule rule, PoolLog log) throws IOException {
        return open(path, rule, log, Clock.systemUTC());
    }

    /** {@link #open(Path, DifficultyRule, PoolLog)} with the clock that names side files and bounds timestamps. */
    static ChainFile open(Path path, DifficultyRule rule, PoolLog log, Clock clock) throws IOException {
        while (true) {
            if (!exists(path) || Files.size(path) == 0) {
                create(path, rule);
            }
            Object identity = identity(path);
            FileChannel channel = openForWriting(path);
            try {
                FileLock lock = tryLock(channel);
                if (lock == null) {
                    throw new IOException("chain file " + path + " is in use by another pool server");
                }
                // Another pool may have upgraded the file (renamed a new one into place) between our look at the
                // path and our lock: then this channel holds the old file, which nobody should append to.
                if (identity != null && !identity.equals(identity(path))) {
                    throw new IOException("chain file " + path + " is in use by another pool server (it was"
                            + " replaced while this one opened it)");
                }
                ReadResult result = ChainReader.read(channel, path, block -> { }, clock.millis(), true);
                if (result.rule() != null && !rule.compatibleWith(result.rule())) {
                    throw new RuleMismatchException(path, result.rule(), rule, result.blocks());
                }
                if (result.torn()) {
                    Path side = TornTail.setAside(channel, path, result.validEnd(), clock);
                    log.warn("chain file " + path + ": " + result.tornTail() + ", a torn append (a crash during an"
                            + " append leaves this; that block was never acknowledged); moved its "
                            + (result.fileSize() - result.validEnd()) + " bytes to " + side);
                    channel.truncate(result.validEnd());
                    channel.force(true);
                    if (result.validEnd() == 0) {
                        // The header itself was cut short: nothing was in the file. Start it afresh, whole.
                        channel.close();
                        continue;
                    }
                }
                if (result.version() == VERSION_1 || result.version() == VERSION_2) {
                    return VersionUpgrade.upgrade(path, channel, lock, result.version(),
                            rule.from(result.tip().height() + 1), result.tip().height() + 1, log, clock.millis());
                }
                if (result.version() == VERSION_3) {
                    return VersionUpgrade.upgrade(path, channel, lock, result.version(), result.rule(),
                            result.tip().height() + 1, log, clock.millis());
                }
                return new ChainFile(path, channel, lock, result.tip(), result.validEnd(), result.difficulty(),
                        result.transactionsFrom(), result.balances());
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        }
    }

    /**
     * Writes a new, empty chain that records {@code rule}: in full beside its final name, forced, then renamed
     * into place, so that no reader ever sees a header cut short (a version 3 header has no torn state).
     */
    private static void create(Path path, DifficultyRule rule) throws IOException {
        Path temporary = path.resolveSibling(path.getFileName() + ".new-" + ProcessHandle.current().pid());
        try (FileChannel fresh = openNew(temporary, path)) {
            ByteBuffer header = ByteBuffer.wrap(fileHeader(rule, FIRST_HEIGHT));
            while (header.hasRemaining()) {
                fresh.write(header);
            }
            fresh.force(true);
        }
        try {
            Files.move(temporary, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Files.deleteIfExists(temporary);
            throw new IOException("cannot create chain file " + path + ": " + PoolLog.reason(e), e);
        }
        forceDirectory(directoryOf(path));
    }

    private static FileChannel openNew(Path temporary, Path path) throws IOException {
        try {
            return FileChannel.open(temporary, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING);
        } catch (NoSuchFileException e) {
            throw new IOException("cannot create chain file " + path + ": its directory does not exist", e);
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IOException("cannot create chain file " + path + ": permission denied", e);
        } catch (java.nio.file.FileSystemException e) {
            throw new IOException("cannot create chain file " + path + ": " + e.getReason(), e);
        }
    }

    private static FileChannel openForWriting(Path path) throws IOException {
        try {
            return FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
                    StandardOpenOption.CREATE);
        } catch (NoSuchFileException e) {
            throw new IOException("cannot create chain file " + path + ": its directory does not exist", e);
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IOException("cannot open chain file " + path + " for writing: permission denied", e);
        } catch (java.nio.file.FileSystemException e) {
            throw new IOException("cannot open chain file " + path + ": " + e.getReason(), e);
        }
    }

    static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException e) {
            return null;
        }
    }

    /** The file's identity (inode), or null if there is no file yet. */
    private static Object identity(Path path) throws IOException {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class).fileKey(); // null where unsupported
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** A new chain's blocks carry transactions from the first one. */
    public static final long FIRST_HEIGHT = 1;

    /**
     * The version 4 file header this pool writes: the difficulty rule, then the transactions height.
     *
     * @param transactionsFrom the first height whose job data carries a transaction region, 1..2^32-1
     */
    public static byte[] fileHeader(DifficultyRule rule, long transactionsFrom) {
        if (transactionsFrom < 1 || transactionsFrom > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("transactions height " + transactionsFrom + " is not 1..2^32-1");
        }
        ByteBuffer header = ByteBuffer.allocate(HEADER_LENGTH).order(ByteOrder.BIG_ENDIAN);
        header.put(MAGIC).putShort((short) VERSION).putShort((short) HEADER_LENGTH)
                .putShort((short) DifficultyRule.FIELD_TAG).putShort((short) DifficultyRule.VALUE_LENGTH)
                .put(rule.encode())
                .putShort((short) TRANSACTIONS_FIELD_TAG).putShort((short) TRANSACTIONS_VALUE_LENGTH)
                .putInt((int) transactionsFrom);
        header.putInt(HEADER_LENGTH - HEADER_CRC_LENGTH, crc(header.array(), 0, HEADER_LENGTH - HEADER_CRC_LENGTH));
        return header.array();
    }

    /** The version 3 file header, which pools before transactions wrote: one field, the difficulty rule. */
    public static byte[] version3FileHeader(DifficultyRule rule) {
        ByteBuffer header = ByteBuffer.allocate(RULE_HEADER_LENGTH).order(ByteOrder.BIG_ENDIAN);
        header.put(MAGIC).putShort((short) VERSION_3).putShort((short) RULE_HEADER_LENGTH)
                .putShort((short) DifficultyRule.FIELD_TAG).putShort((short) DifficultyRule.VALUE_LENGTH)
                .put(rule.encode());
        header.putInt(RULE_HEADER_LENGTH - HEADER_CRC_LENGTH, crc(header.array(), 0,
                RULE_HEADER_LENGTH - HEADER_CRC_LENGTH));
        return header.array();
    }

    /** The version 2 file header, which pools before the difficulty rule wrote: no fields. */
    public static byte[] version2FileHeader() {
        ByteBuffer header = ByteBuffer.allocate(FILE_HEADER_LENGTH).order(ByteOrder.BIG_ENDIAN);
        header.put(MAGIC).putShort((short) VERSION_2).putShort((short) FILE_HEADER_LENGTH);
        header.putInt(FILE_HEADER_LENGTH - HEADER_CRC_LENGTH, crc(header.array(), 0,
                FILE_HEADER_LENGTH - HEADER_CRC_LENGTH));
        return header.array();
    }

    /**
     * Reads and verifies a chain file without changing it, handing every block to {@code visitor} in order: what
     * {@code pool-server chain} does. A torn tail is reported in the result, not repaired.
     *
     * @throws ChainCorruptException for anything but a torn tail, naming the file header or the record
     */
    public static ReadResult scan(Path path, BlockVisitor visitor) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            if (channel.size() == 0) {
                throw new ChainCorruptException("chain file " + path + " is empty: it has no file header");
            }
            return ChainReader.read(channel, path, visitor, System.currentTimeMillis(), true);
        }
    }

    /**
     * Reads a chain file this process has already verified (its pool holds it open), checking every record,
     * link, proof and rule again but not the ledger's signatures: for finding an old block's data.
     */
    public static ReadResult rescan(Path path, BlockVisitor visitor) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            return ChainReader.read(channel, path, visitor, Long.MAX_VALUE / 2, false);
        }
    }

    /** The record (version 2 and 3) for a block, file bytes exactly. */
    public static ByteBuffer encode(Block block) {
        byte[] data = block.data();
        byte[] name = block.winner().getBytes(StandardCharsets.UTF_8);
        if (name.length > WINNER_LENGTH) {
            throw new IllegalArgumentException("winner name of " + name.length + " bytes does not fit the record");
        }
        ByteBuffer record = ByteBuffer.allocate(RECORD_HEADER_LENGTH + DATA_OFFSET + data.length)
                .order(ByteOrder.BIG_ENDIAN);
        record.position(RECORD_HEADER_LENGTH); // the record header goes in once the body's CRC is known
        record.putInt((int) block.height())
                .put(block.previousHash())
                .putInt((int) block.nonce())
                .put((byte) block.zeroBits())
                .put(name).put(new byte[WINNER_LENGTH - name.length])
                .putLong(block.foundAtMillis())
                .putLong(block.millisToMine())
                .putShort((short) data.length)
                .put(data);
        record.putInt(BODY_LENGTH_OFFSET, DATA_OFFSET + data.length);
        record.putInt(BODY_CRC_OFFSET, crc(record.array(), RECORD_HEADER_LENGTH,
                record.capacity() - RECORD_HEADER_LENGTH));
        record.putInt(RECORD_HEADER_CRC_OFFSET, crc(record.array(), 0, RECORD_HEADER_CRC_OFFSET));
        record.flip();
        return record;
    }

    static int crc(byte[] bytes, int offset, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, offset, length);
        return (int) crc.getValue();
    }

    /** Forces a directory, so that a rename or a new file in it survives a crash; best effort. */
    static void forceDirectory(Path directory) {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // not every platform can open or force a directory (Windows); the data itself is already forced
        }
    }

    static Path directoryOf(Path path) {
        Path parent = path.toAbsolutePath().getParent();
        return parent == null ? path.toAbsolutePath() : parent;
    }

    static boolean exists(Path path) {
        return Files.exists(path, LinkOption.NOFOLLOW_LINKS);
    }

    public Path path() {
        return path;
    }

    /** The last block, or genesis for an empty chain. */
    public Tip tip() {
        return tip;
    }

    /** The chain's rule as it stands after the tip: the next block's bits, the work, the measured block time. */
    public Difficulty difficulty() {
        return difficulty;
    }

    /** The first height whose blocks carry a transaction region. */
    public long transactionsFrom() {
        return transactionsFrom;
    }

    /** Whether the block at {@code height} carries a transaction region. */
    public boolean carriesTransactions(long height) {
        return carriesTransactions(transactionsFrom, height);
    }

    /**
     * The ledger after the tip: the accounts every record and reward of the chain made. The owner's (the loop's)
     * to read; it changes with every {@link #append}.
     */
    public ChainBalances balances() {
        return balances;
    }

    /** Σ 2^bits over the chain's blocks: what the best chain has most of. */
    public ChainWork chainWork() {
        return difficulty.work();
    }

    /**
     * Appends the block and forces it to disk; when this returns, the block survives a crash or power loss.
     *
     * @return the block's transaction records, in order, now confirmed
     *
     * @throws IllegalArgumentException if the block does not extend the tip, breaks the difficulty rule or holds a
     *                                  record that breaks the ledger's rules (a bug in the caller); then nothing
     *                                  was written and nothing changed
     * @throws IOException              if the write or the force fails; the file may then hold a torn record,
     *                                  which the next {@link #open} sets aside
     */
    public java.util.List<dev.minepool.protocol.ledger.TxRecord> append(Block block) throws IOException {
        if (block.height() != tip.height() + 1 || !Arrays.equals(block.previousHash(), tip.hash())) {
            throw new IllegalArgumentException("block " + block.height() + " does not extend the chain tip "
                    + tip.height());
        }
        // The bits are the caller's to get right; how far ahead a timestamp is, is for readers to judge by their
        // clocks (this pool never stamps a job earlier than the block before, even if its clock stepped back).
        String broken = difficulty.violation(block.height(), block.zeroBits(), block.data(), Long.MAX_VALUE / 2);
        if (broken != null) {
            throw new IllegalArgumentException("block " + block.height() + " breaks the chain's rule: " + broken);
        }
        java.util.List<dev.minepool.protocol.ledger.TxRecord> records;
        try {
            // Atomic: a refused block changes nothing. Applied before the write, since a block the ledger refuses
            // must never reach the file; a failed write stops the pool, which never acknowledges the block.
            records = balances.apply(block, carriesTransactions(block.height()));
        } catch (dev.minepool.protocol.ledger.MalformedTxException
                 | dev.minepool.protocol.ledger.Accounts.RejectedException e) {
            throw new IllegalArgumentException("block " + block.height() + " breaks the ledger's rules: "
                    + e.getMessage(), e);
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
        difficulty.add(block.height(), block.zeroBits(), block.data(), block.foundAtMillis());
        return records;
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
