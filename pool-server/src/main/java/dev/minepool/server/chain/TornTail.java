package dev.minepool.server.chain;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Sets a torn tail aside instead of deleting it: the bytes go, byte for byte, to a side file next to the chain,
 * {@code <chain file>.torn-20261202T031500Z} (UTC), or {@code ...Z-2}, {@code -3} when that name is taken; an
 * existing file is never overwritten. The side file is forced before the chain file is cut, so a crash in between
 * leaves the bytes in both places, never in neither.
 */
final class TornTail {
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private TornTail() {
    }

    /** Copies the bytes from {@code from} to the end of {@code chain} into a new side file; returns its path. */
    static Path setAside(FileChannel chain, Path path, long from, Clock clock) throws IOException {
        long length = chain.size() - from;
        if (length > Integer.MAX_VALUE) {
            throw new IOException("chain file " + path + ": a torn tail of " + length + " bytes is too long to be"
                    + " one record");
        }
        ByteBuffer tail = ByteBuffer.allocate((int) length);
        while (tail.hasRemaining()) {
            if (chain.read(tail, from + tail.position()) < 0) {
                throw new IOException("chain file " + path + " shrank while its torn tail was read");
            }
        }
        String base = path.getFileName() + ".torn-" + STAMP.format(clock.instant());
        for (int n = 1; ; n++) {
            Path side = path.resolveSibling(n == 1 ? base : base + "-" + n);
            try (FileChannel out = FileChannel.open(side, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW)) {
                tail.flip();
                while (tail.hasRemaining()) {
                    out.write(tail);
                }
                out.force(true);
            } catch (FileAlreadyExistsException e) {
                continue;
            }
            ChainFile.forceDirectory(ChainFile.directoryOf(path));
            return side;
        }
    }
}
