package dev.minepool.server.chain;

import dev.minepool.server.PoolLog;
import dev.minepool.server.chain.ChainFile.ReadResult;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Upgrades a verified version 1 chain file to version 2 when a pool opens it for writing. At every moment the
 * chain file's name holds a whole, verified chain, old or new:
 *
 * <ol>
 *   <li>write the version 2 file beside it ({@code <chain file>.v2-upgrade}, locked) and force it;
 *   <li>keep the old file as {@code <chain file>.v1} (a hard link, else a forced copy; {@code .v1-2}, ... when
 *       that name is taken);
 *   <li>rename the new file over the old one atomically, and force the directory.
 * </ol>
 *
 * The pool then appends through the new file's channel, whose lock it has held since step 1.
 */
final class VersionUpgrade {
    private VersionUpgrade() {
    }

    /** Upgrades the file open on {@code v1}, which this pool has locked and verified; closes {@code v1}. */
    static ChainFile upgrade(Path path, FileChannel v1, FileLock v1Lock, PoolLog log) throws IOException {
        Path temporary = path.resolveSibling(path.getFileName() + ".v2-upgrade");
        FileChannel v2 = FileChannel.open(temporary, StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
        boolean done = false;
        try {
            FileLock v2Lock = ChainFile.tryLock(v2);
            if (v2Lock == null) {
                throw new IOException("chain file " + path + ": " + temporary + " is in use by another pool server");
            }
            ChainFile.writeFileHeader(v2);
            long[] end = {ChainFile.FILE_HEADER_LENGTH};
            ReadResult read = ChainReader.read(v1, path, block -> {
                ByteBuffer record = ChainFile.encode(block);
                while (record.hasRemaining()) {
                    end[0] += v2.write(record, end[0]);
                }
            });
            v2.force(true);
            Path backup = keepBackup(path);
            Files.move(temporary, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            ChainFile.forceDirectory(ChainFile.directoryOf(path));
            done = true;
            v1Lock.release();
            v1.close();
            log.info("chain file " + path + ": upgraded from format version 1 to 2 (" + read.blocks()
                    + " blocks); the version 1 file is kept as " + backup);
            return new ChainFile(path, v2, v2Lock, read.tip(), end[0]);
        } finally {
            if (!done) {
                v2.close();
                Files.deleteIfExists(temporary);
            }
        }
    }

    private static Path keepBackup(Path path) throws IOException {
        String base = path.getFileName() + ".v1";
        for (int n = 1; ; n++) {
            Path backup = path.resolveSibling(n == 1 ? base : base + "-" + n);
            if (ChainFile.exists(backup)) {
                continue;
            }
            try {
                Files.createLink(backup, path);
            } catch (FileAlreadyExistsException e) {
                continue;
            } catch (UnsupportedOperationException | IOException e) {
                try {
                    Files.copy(path, backup, StandardCopyOption.COPY_ATTRIBUTES);
                } catch (FileAlreadyExistsException taken) {
                    continue;
                }
                try (FileChannel copy = FileChannel.open(backup, StandardOpenOption.WRITE)) {
                    copy.force(true);
                }
            }
            return backup;
        }
    }
}
