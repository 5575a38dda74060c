package dev.minepool.server.chain;

import dev.minepool.protocol.chain.DifficultyRule;
import dev.minepool.protocol.chain.Difficulty;
import static dev.minepool.server.chain.ChainFile.*;

import dev.minepool.protocol.BlockHeader;
import dev.minepool.protocol.ProofOfWork;
import dev.minepool.server.chain.ChainFile.BlockVisitor;
import dev.minepool.server.chain.ChainFile.ReadResult;
import dev.minepool.server.chain.ChainFile.Tip;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Reads and verifies a chain file of version 1, 2, 3 or 4 (the layouts are drawn in {@link ChainFile}), without
 * changing it: every record, link and proof of work, in versions 3 and 4 every block's bits against the difficulty
 * rule the header records, and its timestamp ({@link Difficulty}), and every block's records and reward against
 * the ledger's rules ({@link ChainBalances}). Everything it finds wrong is a {@link
 * ChainCorruptException} naming the file header or the record and its byte offset, except a torn tail, which it
 * reports in the {@link ReadResult}:
 *
 * <ul>
 *   <li>a file header cut short, in a file shorter than the smallest header, whose bytes are the start of one this
 *       or an older pool writes (a crash while the file was being created);
 *   <li>a record header cut short by the end of the file;
 *   <li>a record whose header checks out but whose body runs past the end of the file.
 * </ul>
 *
 * A bit flip never changes a file's length, so it can only look like a torn tail if it can change where a record
 * seems to end: in version 2 the record header's own CRC rules that out. Version 1 has no such CRC; there a
 * record whose length runs past the end of the file is still taken for damage, not a torn tail, when its data
 * length field gives a body that fits and matches its CRC.
 */
final class ChainReader {
    private final FileChannel channel;
    private final Path path;
    private final long size;
    private final long nowMillis;
    private final boolean checkLedger;
    private long transactionsFrom;

    private ChainReader(FileChannel channel, Path path, long nowMillis, boolean checkLedger) throws IOException {
        this.channel = channel;
        this.path = path;
        this.size = channel.size();
        this.nowMillis = nowMillis;
        this.checkLedger = checkLedger;
    }

    /**
     * @param nowMillis   the reader's clock, which no block's timestamp may pass by more than 2 minutes
     * @param checkLedger whether to apply every block's records and reward to the accounts, checking every rule
     *                    and signature (the result's balances stay empty otherwise)
     */
    static ReadResult read(FileChannel channel, Path path, BlockVisitor visitor, long nowMillis, boolean checkLedger)
            throws IOException {
        return new ChainReader(channel, path, nowMillis, checkLedger).read(visitor);
    }

    private ReadResult read(BlockVisitor visitor) throws IOException {
        byte[] start = bytes(0, (int) Math.min(size, FILE_HEADER_LENGTH));
        int magicLength = Math.min(start.length, MAGIC.length);
        if (!Arrays.equals(start, 0, magicLength, MAGIC, 0, magicLength)) {
            throw new ChainCorruptException("chain file " + path + " is not a minepool chain file (it does not"
                    + " start with \"MPCH\")");
        }
        if (start.length < HEADER_LENGTH_OFFSET) {
            return tornHeader(FILE_HEADER_LENGTH);
        }
        int version = Short.toUnsignedInt(ByteBuffer.wrap(start).getShort(VERSION_OFFSET));
        if (version == VERSION_1) {
            return readVersion1(start, visitor);
        }
        if (version != VERSION && version != VERSION_3 && version != VERSION_2) {
            throw new ChainCorruptException("chain file " + path + ": the file header is corrupt or from a newer"
                    + " pool: format version " + version + "; this pool reads versions 1, 2, 3 and 4");
        }
        if (size < FILE_HEADER_LENGTH) {
            // Pools of version 2 wrote their 12-byte header in place, so a crash could cut it; pools since write a
            // version 3 or 4 header beside the file and rename it into place, so a short one is never a torn write.
            byte[] fresh = ChainFile.version2FileHeader();
            if (version == VERSION_2 && Arrays.equals(start, 0, start.length, fresh, 0, start.length)) {
                return tornHeader(FILE_HEADER_LENGTH);
            }
            throw headerCorrupt("it is cut short after " + size + " bytes, and they are not the start of a"
                    + " header this pool writes");
        }
        long headerLength = Short.toUnsignedInt(ByteBuffer.wrap(start).getShort(HEADER_LENGTH_OFFSET));
        if (headerLength < FILE_HEADER_LENGTH || headerLength > size) {
            throw headerCorrupt("its header length " + headerLength + " is impossible (" + FILE_HEADER_LENGTH
                    + ".." + Math.min(size, 0xFFFF) + " in a file of " + size + " bytes)");
        }
        ByteBuffer header = ByteBuffer.wrap(bytes(0, (int) headerLength)).order(ByteOrder.BIG_ENDIAN);
        int crcAt = (int) headerLength - HEADER_CRC_LENGTH;
        int actual = ChainFile.crc(header.array(), 0, crcAt);
        if (actual != header.getInt(crcAt)) {
            throw headerCorrupt(String.format("its CRC32 is %08x, the header says %08x", actual,
                    header.getInt(crcAt)));
        }
        DifficultyRule rule = readFields(version, header, crcAt);
        return readRecords(version, headerLength, visitor,
                rule == null ? Difficulty.unrecorded() : new Difficulty(rule));
    }

    /**
     * Version 4 holds exactly one difficulty rule (tag 0x0001) and one transactions height (tag 0x0002); version 3
     * holds exactly the rule; version 2 defines no field. Any other required field is from a newer pool, and an
     * optional one is skipped. Sets {@link #transactionsFrom} (0 before version 4).
     *
     * @return the rule, or null for version 2
     */
    private DifficultyRule readFields(int version, ByteBuffer header, int end) throws ChainCorruptException {
        DifficultyRule rule = null;
        boolean rules = version == VERSION || version == VERSION_3;
        int at = HEADER_FIELDS_OFFSET;
        while (at < end) {
            if (end - at < FIELD_VALUE_OFFSET) {
                throw headerCorrupt((end - at) + " bytes at byte " + at + " are too short for a field");
            }
            int tag = Short.toUnsignedInt(header.getShort(at + FIELD_TAG_OFFSET));
            int length = Short.toUnsignedInt(header.getShort(at + FIELD_LENGTH_OFFSET));
            if (at + FIELD_VALUE_OFFSET + length > end) {
                throw headerCorrupt(String.format("field 0x%04x at byte %d runs past the header", tag, at));
            }
            if (version == VERSION && tag == TRANSACTIONS_FIELD_TAG) {
                if (transactionsFrom != 0) {
                    throw headerCorrupt("it holds two transactions heights");
                }
                if (length != TRANSACTIONS_VALUE_LENGTH) {
                    throw headerCorrupt("its transactions height is " + length + " bytes, not "
                            + TRANSACTIONS_VALUE_LENGTH);
                }
                transactionsFrom = Integer.toUnsignedLong(header.getInt(at + FIELD_VALUE_OFFSET));
                if (transactionsFrom == 0) {
                    throw headerCorrupt("its transactions height is 0 (the first is block 1)");
                }
            } else if (rules && tag == DifficultyRule.FIELD_TAG) {
                if (rule != null) {
                    throw headerCorrupt("it holds two difficulty rules");
                }
                byte[] value = Arrays.copyOfRange(header.array(), at + FIELD_VALUE_OFFSET,
                        at + FIELD_VALUE_OFFSET + length);
                try {
                    rule = DifficultyRule.decode(value);
                } catch (IllegalArgumentException e) {
                    throw headerCorrupt(e.getMessage());
                }
            } else if ((tag & OPTIONAL_FIELD_TAG_BIT) == 0) {
                throw new ChainCorruptException(String.format("chain file %s: the file header holds field 0x%04x,"
                        + " which this pool does not know (a newer pool wrote it)", path, tag));
            }
            at += FIELD_VALUE_OFFSET + length;
        }
        if (rules && rule == null) {
            throw headerCorrupt("format version " + version + ", but it records no difficulty rule (field 0x0001)");
        }
        if (version == VERSION && transactionsFrom == 0) {
            throw headerCorrupt("format version 4, but it records no transactions height (field 0x0002)");
        }
        return rule;
    }

    private ReadResult readVersion1(byte[] start, BlockVisitor visitor) throws IOException {
        if (size < V1_FILE_HEADER_LENGTH) {
            if (allZero(start, V1_RESERVED_OFFSET, start.length)) {
                return tornHeader(V1_FILE_HEADER_LENGTH);
            }
            throw headerCorrupt("its reserved field is not 0");
        }
        if (!allZero(start, V1_RESERVED_OFFSET, V1_FILE_HEADER_LENGTH)) {
            throw headerCorrupt("version 1, but its reserved field is not 0");
        }
        return readRecords(VERSION_1, V1_FILE_HEADER_LENGTH, visitor, Difficulty.unrecorded());
    }

    private ReadResult readRecords(int version, long position, BlockVisitor visitor, Difficulty difficulty)
            throws IOException {
        int headerLength = version == VERSION_1 ? V1_RECORD_HEADER_LENGTH : RECORD_HEADER_LENGTH;
        Tip tip = Tip.genesis();
        ChainBalances balances = new ChainBalances();
        long record = 0;
        while (position < size) {
            record++;
            String where = "chain file " + path + ": record " + record + " (at byte " + position + ")";
            if (size - position < headerLength) {
                return torn(version, tip, record, position, "record " + record + " at byte " + position
                        + " is incomplete (" + (size - position) + " bytes of its " + headerLength
                        + "-byte record header)", difficulty, balances);
            }
            ByteBuffer recordHeader = ByteBuffer.wrap(bytes(position, headerLength)).order(ByteOrder.BIG_ENDIAN);
            if (version != VERSION_1) {
                int actual = ChainFile.crc(recordHeader.array(), 0, RECORD_HEADER_CRC_OFFSET);
                if (actual != recordHeader.getInt(RECORD_HEADER_CRC_OFFSET)) {
                    throw new ChainCorruptException(where + " is corrupt: its record header's CRC32 is "
                            + String.format("%08x, the record says %08x", actual,
                            recordHeader.getInt(RECORD_HEADER_CRC_OFFSET)));
                }
            }
            long bodyLength = Integer.toUnsignedLong(recordHeader.getInt(BODY_LENGTH_OFFSET));
            if (bodyLength < MIN_BODY_LENGTH || bodyLength > MAX_BODY_LENGTH) {
                // A length no writer produces is damage, not a torn append: truncating on its word could
                // throw away every good block after it.
                throw new ChainCorruptException(where + " is corrupt: body length " + bodyLength
                        + " is impossible (" + MIN_BODY_LENGTH + ".." + MAX_BODY_LENGTH + ")");
            }
            int expectedCrc = recordHeader.getInt(version == VERSION_1 ? V1_CRC_OFFSET : BODY_CRC_OFFSET);
            long available = size - position - headerLength;
            if (available < bodyLength) {
                if (version == VERSION_1) {
                    checkVersion1Length(position + headerLength, available, bodyLength, expectedCrc, where);
                }
                return torn(version, tip, record, position, "record " + record + " at byte " + position
                        + " is incomplete (" + available + " of " + bodyLength + " body bytes)", difficulty, balances);
            }
            ByteBuffer body = ByteBuffer.wrap(bytes(position + headerLength, (int) bodyLength))
                    .order(ByteOrder.BIG_ENDIAN);
            int actual = ChainFile.crc(body.array(), 0, body.capacity());
            if (actual != expectedCrc) {
                throw new ChainCorruptException(where + " is corrupt: its body's CRC32 is "
                        + String.format("%08x, the record says %08x", actual, expectedCrc));
            }
            Block block = decodeBody(body, where);
            verify(block, tip, where);
            String broken = difficulty.violation(block.height(), block.zeroBits(), block.data(), nowMillis);
            if (broken != null) {
                throw new ChainCorruptException(where + " (height " + block.height() + ") breaks the difficulty"
                        + " rule: " + broken);
            }
            if (checkLedger) {
                applyLedger(balances, block, where);
            }
            difficulty.add(block.height(), block.zeroBits(), block.data(), block.foundAtMillis());
            visitor.visit(block);
            tip = new Tip(block.height(), block.hash());
            position += headerLength + bodyLength;
        }
        return new ReadResult(version, tip, record, position, size, null, difficulty, transactionsFrom, balances);
    }

    /** The block's records and reward, every rule and signature checked; a block that breaks one is damage. */
    private void applyLedger(ChainBalances balances, Block block, String where) throws ChainCorruptException {
        String named = where + " (height " + block.height() + ")";
        try {
            balances.apply(block, ChainFile.carriesTransactions(transactionsFrom, block.height()));
        } catch (dev.minepool.protocol.ledger.MalformedTxException e) {
            throw new ChainCorruptException(named + " has a transaction region that does not parse: "
                    + e.getMessage());
        } catch (dev.minepool.protocol.ledger.Accounts.RejectedException e) {
            throw new ChainCorruptException(named + " holds a record that breaks the ledger's rules ("
                    + e.reason().text() + "): " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new ChainCorruptException(named + " is corrupt: " + e.getMessage());
        }
    }

    /**
     * In version 1 nothing protects the length: a flipped bit can make a complete record look torn. If the body's
     * own data length gives a body that fits in the file and matches the CRC, the length field is damaged.
     */
    private void checkVersion1Length(long bodyAt, long available, long claimed, int expectedCrc, String where)
            throws IOException {
        if (available < DATA_OFFSET) {
            return;
        }
        int dataLength = Short.toUnsignedInt(ByteBuffer.wrap(bytes(bodyAt + DATA_LENGTH_OFFSET, 2)).getShort());
        int implied = DATA_OFFSET + dataLength;
        if (implied <= available && ChainFile.crc(bytes(bodyAt, implied), 0, implied) == expectedCrc) {
            throw new ChainCorruptException(where + " is corrupt: its body length field says " + claimed
                    + " bytes, but the record is complete with " + implied + " (its data length and CRC32 agree):"
                    + " the length field is damaged");
        }
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

    private ReadResult torn(int version, Tip tip, long record, long position, String what, Difficulty difficulty,
                            ChainBalances balances) {
        return new ReadResult(version, tip, record - 1, position, size, what, difficulty, transactionsFrom, balances);
    }

    private ReadResult tornHeader(int headerLength) {
        return new ReadResult(0, Tip.genesis(), 0, 0, size, "the file header is incomplete (" + size + " of "
                + headerLength + " bytes)", Difficulty.unrecorded(), 0, new ChainBalances());
    }

    private ChainCorruptException headerCorrupt(String why) {
        return new ChainCorruptException("chain file " + path + ": the file header is corrupt: " + why);
    }

    private static boolean allZero(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private byte[] bytes(long position, int length) throws IOException {
        ByteBuffer dst = ByteBuffer.allocate(length);
        while (dst.hasRemaining()) {
            if (channel.read(dst, position + dst.position()) < 0) {
                throw new IOException("chain file " + path + ": unexpected end of file at byte "
                        + (position + dst.position()));
            }
        }
        return dst.array();
    }
}
