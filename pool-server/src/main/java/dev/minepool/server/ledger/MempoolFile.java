package dev.minepool.server.ledger;

import dev.minepool.protocol.ledger.MalformedTxException;
import dev.minepool.protocol.ledger.NameRegistration;
import dev.minepool.protocol.ledger.Transfer;
import dev.minepool.protocol.ledger.TxRecord;
import dev.minepool.server.PoolLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;

/**
 * The mempool file: every record the mempool accepted, appended in arrival order and forced before its sender
 * hears {@code 202}, so a restart (or a crash) loses no record the pool acknowledged. PROTOCOL.md ("The mempool
 * file") is the contract; this drawing is the same one.
 *
 * <pre>
 *  file header, 12 bytes
 *  0              4            6                8                  12
 *  +--------------+------------+----------------+------------------+
 *  | magic "MPTX" | version    | header length  | CRC32 of bytes   |
 *  |              | u16 = 1    | u16 = 12       | 0 .. 8           |
 *  +--------------+------------+----------------+------------------+
 *
 *  frame, one per record, from byte 12 to the end of the file
 *  0                                  n                  n+4
 *  +---- ... -------------------------+------------------+
 *  | the record as carried in a block | CRC32 of the n   |
 *  | (n = 107 for N, 101 for X: its   | bytes before     |
 *  |  first byte, the kind, says)     |                  |
 *  +---- ... -------------------------+------------------+
 * </pre>
 *
 * All integers big-endian. The file is append-only between rewrites; a record confirmed in a block or dropped stays
 * in it until the next rewrite ({@link MempoolWriter} compacts it), and on start every record is checked again as
 * a fresh POST would be, so a stale one costs bytes, never correctness.
 *
 * <p>A bad frame that the end of the file cuts short, that ends exactly at the end of the file, or from which on
 * the file holds only zeros is a <em>torn tail</em>: the write of a group that was never forced, so none of its
 * records was acknowledged. It is dropped with one warning. Any other bad frame is <em>damage</em>: the file is
 * copied aside, byte for byte, to {@code <file>.damaged-<UTC time>}, and reading goes on after the frame when its
 * kind byte says how long it is, else stops there.
 */
public final class MempoolFile {
    public static final byte[] MAGIC = "MPTX".getBytes(StandardCharsets.US_ASCII);
    public static final int VERSION = 1;
    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = MAGIC_OFFSET + 4;
    public static final int HEADER_LENGTH_OFFSET = VERSION_OFFSET + 2;
    public static final int HEADER_CRC_OFFSET = HEADER_LENGTH_OFFSET + 2;
    public static final int HEADER_LENGTH = HEADER_CRC_OFFSET + 4;
    /** After the record's bytes. */
    public static final int FRAME_CRC_LENGTH = 4;
    /** The suffix after the chain file's name. */
    public static final String SUFFIX = ".mempool";

    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private MempoolFile() {
    }

    /** {@code <chain file>.mempool}, next to the chain. */
    public static Path beside(Path chainFile) {
        return chainFile.resolveSibling(chainFile.getFileName() + SUFFIX);
    }

    /** The 12 bytes every mempool file starts with. */
    public static byte[] header() {
        ByteBuffer header = ByteBuffer.allocate(HEADER_LENGTH).order(ByteOrder.BIG_ENDIAN);
        header.put(MAGIC).putShort((short) VERSION).putShort((short) HEADER_LENGTH);
        header.putInt(crc(header.array(), 0, HEADER_CRC_OFFSET));
        return header.array();
    }

    /** One record's frame: its bytes, then their CRC32. */
    public static byte[] frame(TxRecord record) {
        byte[] bytes = record.toBytes();
        byte[] frame = Arrays.copyOf(bytes, bytes.length + FRAME_CRC_LENGTH);
        ByteBuffer.wrap(frame).order(ByteOrder.BIG_ENDIAN).putInt(bytes.length, crc(bytes, 0, bytes.length));
        return frame;
    }

    static int crc(byte[] bytes, int offset, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, offset, length);
        return (int) crc.getValue();
    }

    /** A record's length from its kind byte, or -1 for a byte that is no kind. */
    private static int lengthOf(byte kind) {
        return kind == NameRegistration.KIND ? NameRegistration.LENGTH : kind == Transfer.KIND ? Transfer.LENGTH : -1;
    }

    /**
     * What a file holds.
     *
     * @param records   the records of the good frames, in order
     * @param torn      a sentence on a torn tail dropped, or null
     * @param damage    a sentence on damage (where, how many frames lost), or null
     * @param damagedCopy where the damaged file was copied, or null
     * @param unreadable frames whose bytes pass their CRC but are no record (written by a later pool?), dropped
     */
    public record Contents(List<TxRecord> records, String torn, String damage, Path damagedCopy,
                           List<String> unreadable) {
    }

    /**
     * Reads the file, or nothing if there is none; copies a damaged one aside first.
     *
     * @throws IOException if the file cannot be read, or is no mempool file at all (wrong magic or version), which
     *                     the operator must look at: such a file is left as it was
     */
    public static Contents read(Path path, Clock clock) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            return new Contents(List.of(), null, null, null, List.of());
        } catch (IOException e) {
            throw new IOException("cannot read the mempool file " + path + ": " + PoolLog.reason(e), e);
        }
        byte[] expected = header();
        if (bytes.length < HEADER_LENGTH) {
            if (Arrays.equals(bytes, 0, bytes.length, expected, 0, bytes.length)) {
                // A header cut short: written in place only by a rewrite, which renames a whole file into place,
                // so this is a file created by hand or cut by a crash of the file system; it holds no record.
                return new Contents(List.of(), bytes.length == 0 ? null : "a header cut short at "
                        + bytes.length + " bytes", null, null, List.of());
            }
            throw new IOException("mempool file " + path + " is not a minepool mempool file (" + bytes.length
                    + " bytes that are not the start of its header); move it away to start without it");
        }
        if (!Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new IOException("mempool file " + path + " is not a minepool mempool file (it does not start"
                    + " with \"MPTX\"); move it away to start without it");
        }
        if (!Arrays.equals(bytes, 0, HEADER_LENGTH, expected, 0, HEADER_LENGTH)) {
            int version = Short.toUnsignedInt(ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN)
                    .getShort(VERSION_OFFSET));
            throw new IOException("mempool file " + path + ": " + (version != VERSION ? "format version " + version
                    + ", this pool reads version " + VERSION : "its header is damaged (it fails its CRC32)")
                    + "; move it away to start without it (only its pending transactions are lost)");
        }
        List<TxRecord> records = new ArrayList<>();
        List<String> unreadable = new ArrayList<>();
        String torn = null;
        StringBuilder damage = new StringBuilder();
        int damagedFrames = 0;
        int position = HEADER_LENGTH;
        ByteBuffer view = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
        while (position < bytes.length) {
            int length = lengthOf(bytes[position]);
            int end = length < 0 ? -1 : position + length + FRAME_CRC_LENGTH;
            boolean good = end > 0 && end <= bytes.length
                    && view.getInt(position + length) == crc(bytes, position, length);
            if (good) {
                try {
                    records.add(TxRecord.decode(Arrays.copyOfRange(bytes, position, position + length)));
                } catch (MalformedTxException e) {
                    unreadable.add("byte " + position + ": " + e.getMessage());
                }
                position = end;
                continue;
            }
            if (end > bytes.length || end == bytes.length || zerosFrom(bytes, position)) {
                torn = "a torn tail of " + (bytes.length - position) + " bytes at byte " + position;
                break;
            }
            damagedFrames++;
            if (damage.length() > 0) {
                damage.append("; ");
            }
            if (length < 0) {
                damage.append(String.format("byte %d: 0x%02x is no record kind, so the %d bytes from there on"
                        + " could not be read", position, bytes[position] & 0xFF, bytes.length - position));
                break;
            }
            damage.append("the ").append((char) bytes[position]).append(" record at byte ").append(position)
                    .append(" fails its CRC32");
            position = end;
        }
        Path copy = null;
        if (damagedFrames > 0) {
            copy = copyAside(path, bytes, clock);
        }
        return new Contents(records, torn, damagedFrames > 0 ? damage.toString() : null, copy, unreadable);
    }

    private static boolean zerosFrom(byte[] bytes, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** A byte-for-byte copy of a damaged file, {@code <file>.damaged-<UTC time>} ({@code -2}, ... if taken). */
    private static Path copyAside(Path path, byte[] bytes, Clock clock) throws IOException {
        String base = path.getFileName() + ".damaged-" + STAMP.format(clock.instant());
        for (int n = 1; ; n++) {
            Path side = path.resolveSibling(n == 1 ? base : base + "-" + n);
            try (FileChannel out = FileChannel.open(side, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW)) {
                ByteBuffer all = ByteBuffer.wrap(bytes);
                while (all.hasRemaining()) {
                    out.write(all);
                }
                out.force(true);
            } catch (FileAlreadyExistsException e) {
                continue;
            }
            forceDirectory(path);
            return side;
        }
    }

    /**
     * Replaces the file with one holding exactly {@code records}: written beside it ({@code <file>.new}), forced,
     * renamed over it and the directory forced, so the name always holds a whole file, the old or the new.
     *
     * @return a channel on the new file, positioned for appending (its size is the end)
     */
    public static FileChannel rewrite(Path path, List<TxRecord> records) throws IOException {
        Path temporary = path.resolveSibling(path.getFileName() + ".new");
        FileChannel fresh = null;
        try {
            fresh = FileChannel.open(temporary, StandardOpenOption.READ, StandardOpenOption.WRITE,
                    StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
            ByteBuffer all = ByteBuffer.allocate(HEADER_LENGTH + records.size() * (NameRegistration.LENGTH
                    + FRAME_CRC_LENGTH));
            all.put(header());
            for (TxRecord record : records) {
                all.put(frame(record));
            }
            all.flip();
            long at = 0;
            while (all.hasRemaining()) {
                at += fresh.write(all, at);
            }
            fresh.force(true);
            Files.move(temporary, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            forceDirectory(path);
            return fresh;
        } catch (IOException e) {
            if (fresh != null) {
                fresh.close();
            }
            try {
                Files.deleteIfExists(temporary);
            } catch (IOException ignored) {
                // the rewrite failed already; a leftover .new is overwritten by the next one
            }
            throw new IOException("cannot rewrite the mempool file " + path + ": " + PoolLog.reason(e), e);
        }
    }

    /** Forces the file's directory, so a rename or a new file survives a crash; best effort, as for the chain. */
    static void forceDirectory(Path file) {
        Path parent = file.toAbsolutePath().getParent();
        try (FileChannel dir = FileChannel.open(parent, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // not every platform can open or force a directory; the data itself is already forced
        }
    }
}
