package dev.minepool.server.chain;

import dev.minepool.protocol.chain.DifficultyRule;
import dev.minepool.protocol.chain.Difficulty;
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
 * Upgrades a verified version 1 or 2 chain file to version 3 when a pool opens it for writing. Those versions
 * recorded no difficulty rule: their blocks keep the bits they were mined at, and the rule the pool was started
 * with governs from the block after the tip (the rule's first height). At every moment the chain file's name
 * holds a whole, verified chain, old or new:
 *
 * <ol>
 *   <li>write the version 3 file beside it ({@code <chain file>.v3-upgrade}, locked) and force it;
 *   <li>keep the old file as {@code <chain file>.v1} or {@code .v2} (a hard link, else a forced copy;
 *       {@code .v1-2}, ... when that name is taken);
 *   <li>rename the new file over the old one atomically, and force the directory.
 * </ol>
 *
 * The pool then appends through the new file's channel, whose lock it has held since step 1.
 */
final class VersionUpgrade {
    private VersionUpgrade() {
    }

    /**
     * Upgrades the file open on {@code old}, of format {@code version}, which this pool has locked and verified;
     * closes {@code old}.
     *
     * @param rule the rule the new file records, governing from the block after the old file's tip
     */
    static ChainFile upgrade(Path path, FileChannel old, FileLock oldLock, int version, DifficultyRule rule,
                             PoolLog log, long nowMillis) throws IOException {
        Path temporary = path.resolveSibling(path.getFileName() + ".v3-upgrade");
        FileChannel v3 = FileChannel.open(temporary, StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
        boolean done = false;
        try {
            FileLock v3Lock = ChainFile.tryLock(v3);
            if (v3Lock == null) {
                throw new IOException("chain file " + path + ": " + temporary + " is in use by another pool server");
            }
            ByteBuffer header = ByteBuffer.wrap(ChainFile.fileHeader(rule));
            long[] end = {0};
            while (header.hasRemaining()) {
                end[0] += v3.write(header, end[0]);
            }
            Difficulty difficulty = new Difficulty(rule);
            ReadResult read = ChainReader.read(old, path, block -> {
                difficulty.add(block.height(), block.zeroBits(), block.data(), block.foundAtMillis()); // before the rule's first height: only the work and the times count
                ByteBuffer record = ChainFile.encode(block);
                while (record.hasRemaining()) {
                    end[0] += v3.write(record, end[0]);
                }
            }, nowMillis);
            v3.force(true);
            Path backup = keepBackup(path, version);
            Files.move(temporary, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            ChainFile.forceDirectory(ChainFile.directoryOf(path));
            done = true;
            oldLock.release();
            old.close();
            log.info("chain file " + path + ": upgraded from format version " + version + " to "
                    + ChainFile.VERSION + " (" + read.blocks() + " blocks, which keep their bits; the rule \""
                    + rule.describe() + "\" governs the next); the version " + version + " file is kept as "
                    + backup);
            return new ChainFile(path, v3, v3Lock, read.tip(), end[0], difficulty);
        } finally {
            if (!done) {
                v3.close();
                Files.deleteIfExists(temporary);
            }
        }
    }

    private static Path keepBackup(Path path, int version) throws IOException {
        String base = path.getFileName() + ".v" + version;
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
