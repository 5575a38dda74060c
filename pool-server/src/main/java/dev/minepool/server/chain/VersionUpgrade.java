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
 * Upgrades a verified version 1, 2 or 3 chain file to version 4 when a pool opens it for writing. None of those
 * versions' blocks carries a transaction region (their data after the block header is filler), so transactions
 * start at the block after the tip. Versions 1 and 2 recorded no difficulty rule either: their blocks keep the bits
 * they were mined at, and the rule the pool was started with governs from the block after the tip (the rule's first
 * height); a version 3 file keeps the rule it records. At every moment the chain file's name holds a whole,
 * verified chain, old or new:
 *
 * <ol>
 *   <li>write the version 4 file beside it ({@code <chain file>.v4-upgrade}, locked) and force it;
 *   <li>keep the old file as {@code <chain file>.v1}, {@code .v2} or {@code .v3} (a hard link, else a forced copy;
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
     * @param rule the rule the new file records: the one a version 3 file records, or for versions 1 and 2 the
     *             pool's, governing from the block after the old file's tip
     * @param transactionsFrom the block after the old file's tip
     */
    static ChainFile upgrade(Path path, FileChannel old, FileLock oldLock, int version, DifficultyRule rule,
                             long transactionsFrom, PoolLog log, long nowMillis) throws IOException {
        Path temporary = path.resolveSibling(path.getFileName() + ".v4-upgrade");
        FileChannel fresh = FileChannel.open(temporary, StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
        boolean done = false;
        try {
            FileLock freshLock = ChainFile.tryLock(fresh);
            if (freshLock == null) {
                throw new IOException("chain file " + path + ": " + temporary + " is in use by another pool server");
            }
            ByteBuffer header = ByteBuffer.wrap(ChainFile.fileHeader(rule, transactionsFrom));
            long[] end = {0};
            while (header.hasRemaining()) {
                end[0] += fresh.write(header, end[0]);
            }
            Difficulty difficulty = new Difficulty(rule);
            ReadResult read = ChainReader.read(old, path, block -> {
                difficulty.add(block.height(), block.zeroBits(), block.data(), block.foundAtMillis()); // before the rule's first height: only the work and the times count
                ByteBuffer record = ChainFile.encode(block);
                while (record.hasRemaining()) {
                    end[0] += fresh.write(record, end[0]);
                }
            }, nowMillis, true);
            fresh.force(true);
            Path backup = keepBackup(path, version);
            Files.move(temporary, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            ChainFile.forceDirectory(ChainFile.directoryOf(path));
            done = true;
            oldLock.release();
            old.close();
            log.info("chain file " + path + ": upgraded from format version " + version + " to "
                    + ChainFile.VERSION + " (" + read.blocks() + " blocks" + (version == ChainFile.VERSION_3
                    ? ", under the rule \"" + rule.describe() + "\" it records"
                    : ", which keep their bits; the rule \"" + rule.describe() + "\" governs the next")
                    + "; transactions from block " + transactionsFrom + "); the version " + version
                    + " file is kept as " + backup);
            return new ChainFile(path, fresh, freshLock, read.tip(), end[0], difficulty, transactionsFrom,
                    read.balances());
        } finally {
            if (!done) {
                fresh.close();
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
