package dev.minepool.server.ledger;

import dev.minepool.protocol.ledger.TxRecord;
import dev.minepool.server.PoolLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Appends accepted records to the {@link MempoolFile} on its own thread, so the event loop never waits for a disk:
 * the loop hands over each record it accepted, and this thread writes every record waiting in one write and forces
 * them with one force (group commit), then completes each record's future. Only then may its sender hear {@code
 * 202}. On a failed write or force, every record of the group fails with a {@link NotStoredException}, the operator
 * reads one line, and the bytes written past the last good end are cut off again, so a record whose sender was
 * told it failed does not come back after a restart.
 *
 * <p>Compaction: a record confirmed in a block or dropped stays in the append-only file. The loop hands over an
 * immutable list of its pending records now and then ({@link #compact}); the request joins the same queue as the
 * appends, so every record accepted before it is in the file or in the list, and every one after goes to the new
 * file. Records whose group failed between the list and the rewrite are left out of it.
 */
public final class MempoolWriter implements AutoCloseable {
    /** The most records in one write: a group is never larger than the mempool anyway. */
    static final int MAX_GROUP = Mempool.MAX_RECORDS;

    /** Thrown (as a future's cause) when a record could not be made durable. */
    public static final class NotStoredException extends IOException {
        private static final long serialVersionUID = 1L;

        NotStoredException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private sealed interface Item permits Append, Compact, Stop {
    }

    private record Append(TxRecord record, CompletableFuture<Void> durable) implements Item {
    }

    private record Compact(List<TxRecord> pending) implements Item {
    }

    private record Stop() implements Item {
    }

    /**
     * Made, and the failure's class loaded, when this class is: a pool stops cleanly even when the jar it runs from
     * was overwritten under it (see PoolProcessTest), so the way out must not load a class from it.
     */
    private static final Stop STOP = new Stop();
    private static final List<Class<?>> LOADED = List.of(Append.class, Compact.class, NotStoredException.class);

    private final Path path;
    private final PoolLog log;
    private final Consumer<List<TxRecord>> stored;
    private final Consumer<List<TxRecord>> notStored;
    private volatile boolean closed;
    private final BlockingQueue<Item> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    /** Volatile for {@link #channel()} (tests); written by the writer thread only, as everything below. */
    private volatile FileChannel channel;
    private long end;
    private long frames;
    private boolean cutNeeded;
    private final Set<String> failedSinceCompaction = new HashSet<>();
    private volatile long groups;
    private volatile long written;

    /**
     * @param channel   the file, freshly rewritten (its size is where appends go)
     * @param frames    how many records it holds
     * @param stored    told, on the writer's thread, which records were forced (before their futures complete)
     * @param notStored told, on the writer's thread, which records of a failed group were not stored (before their
     *                  futures complete)
     */
    public MempoolWriter(Path path, FileChannel channel, long frames, PoolLog log, Consumer<List<TxRecord>> stored,
                         Consumer<List<TxRecord>> notStored) throws IOException {
        this.path = path;
        this.channel = channel;
        this.end = channel.size();
        this.frames = frames;
        this.log = log;
        this.stored = stored;
        this.notStored = notStored;
        this.thread = new Thread(this::runAndSayWhy, "mempool-writer");
        thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** Queues a record; the future completes once it is forced, or fails with a {@link NotStoredException}. */
    public CompletableFuture<Void> append(TxRecord record) {
        CompletableFuture<Void> durable = new CompletableFuture<>();
        if (closed) {
            // Stopping, or the writer broke: the loop withdraws it as for a failed group, so no record waits
            // forever unstored at the head of the mempool, where it would keep every later one out of the jobs.
            notStored.accept(List.of(record));
            durable.completeExceptionally(stopping());
        } else {
            queue.add(new Append(record, durable));
        }
        return durable;
    }

    /** Queues a rewrite of the file with just {@code pending} (an immutable list, in order). */
    public void compact(List<TxRecord> pending) {
        queue.add(new Compact(pending));
    }

    /** Groups written and records written since the start: records per group is what group commit saves. */
    public long groups() {
        return groups;
    }

    public long written() {
        return written;
    }

    /** The open file; for tests that need to make the disk fail (close it, as a dead disk would). */
    public FileChannel channel() {
        return channel;
    }

    /** One line, no stack trace, if the writer breaks (a class it cannot load once its jar was overwritten). */
    private void runAndSayWhy() {
        try {
            run();
        } catch (Throwable e) {
            log.warn("mempool file " + path + ": the writer failed: " + e + "; records posted from now on are"
                    + " not stored and their senders are told so");
            closed = true;
            closeChannel();
        }
    }

    private void run() {
        List<Item> items = new ArrayList<>();
        List<Append> group = new ArrayList<>();
        while (true) {
            items.clear();
            try {
                items.add(queue.take());
            } catch (InterruptedException e) {
                return; // only close() interrupts, after its wait
            }
            queue.drainTo(items, MAX_GROUP);
            for (Item item : items) {
                if (item instanceof Append a) {
                    group.add(a);
                    continue;
                }
                writeGroup(group);
                if (item instanceof Compact c) {
                    rewrite(c.pending());
                } else {
                    closeChannel();
                    failQueued(items.subList(items.indexOf(item) + 1, items.size()));
                    failQueued(new ArrayList<>(queue));
                    return;
                }
            }
            writeGroup(group);
        }
    }

    /** One write and one force for the whole group, then the futures. */
    private void writeGroup(List<Append> group) {
        if (group.isEmpty()) {
            return;
        }
        ByteBuffer bytes = ByteBuffer.allocate(group.size() * (dev.minepool.protocol.ledger.NameRegistration.LENGTH
                + MempoolFile.FRAME_CRC_LENGTH));
        for (Append a : group) {
            bytes.put(MempoolFile.frame(a.record()));
        }
        bytes.flip();
        try {
            if (cutNeeded) {
                channel.truncate(end);
                cutNeeded = false;
            }
            long at = end;
            while (bytes.hasRemaining()) {
                at += channel.write(bytes, at);
            }
            // force(true): the file's length is metadata, and frames past the old length are lost without it.
            channel.force(true);
            end = at;
            frames += group.size();
            groups++;
            written += group.size();
            List<TxRecord> records = new ArrayList<>(group.size());
            for (Append a : group) {
                records.add(a.record());
            }
            stored.accept(records);
            for (Append a : group) {
                a.durable().complete(null);
            }
        } catch (IOException e) {
            cutNeeded = true;
            try {
                channel.truncate(end); // so a crash now does not bring back what its senders were told failed
                cutNeeded = false;
            } catch (IOException again) {
                // retried before the next group
            }
            List<TxRecord> records = new ArrayList<>(group.size());
            for (Append a : group) {
                records.add(a.record());
                failedSinceCompaction.add(a.record().txidHex());
            }
            log.warn("mempool file " + path + ": cannot store " + PoolLog.count(group.size(), "transaction") + " ("
                    + PoolLog.reason(e) + "); their senders are told so and they are not pending");
            notStored.accept(records);
            NotStoredException failure = new NotStoredException("the pool could not store the record on its disk ("
                    + PoolLog.reason(e) + ")", e);
            for (Append a : group) {
                a.durable().completeExceptionally(failure);
            }
        } finally {
            group.clear();
        }
    }

    /** Appends that came after the stop: the pool is stopping, and they are not stored. */
    private static void failQueued(List<Item> items) {
        for (Item item : items) {
            if (item instanceof Append a) {
                a.durable().completeExceptionally(stopping());
            }
        }
    }

    private static NotStoredException stopping() {
        return new NotStoredException("the pool's mempool file is closed (the pool is stopping, or its"
                + " writer failed), so it did not store the record", null);
    }

    private void rewrite(List<TxRecord> pending) {
        List<TxRecord> keep = new ArrayList<>(pending.size());
        for (TxRecord record : pending) {
            if (!failedSinceCompaction.contains(record.txidHex())) {
                keep.add(record);
            }
        }
        try {
            FileChannel fresh = MempoolFile.rewrite(path, keep);
            long before = frames;
            closeChannel();
            channel = fresh;
            end = fresh.size();
            frames = keep.size();
            cutNeeded = false;
            failedSinceCompaction.clear();
            log.info("mempool file " + path + " compacted: " + PoolLog.count(before, "record") + " down to "
                    + keep.size() + " pending");
        } catch (IOException e) {
            // The old file still holds every pending record, and appends go on to it.
            log.warn("mempool file " + path + ": compaction failed, appending to the old file (" + PoolLog.reason(e)
                    + ")");
        }
    }

    private void closeChannel() {
        try {
            channel.close();
        } catch (IOException e) {
            // everything in it was forced, or its senders were told it failed
        }
    }

    /**
     * Writes what is queued (its senders are waiting for it), then closes the file; waits up to {@code waitMillis}.
     */
    @Override
    public void close() {
        closeWithin(5_000);
    }

    public void closeWithin(long waitMillis) {
        closed = true;
        if (thread.getState() == Thread.State.NEW) {
            closeChannel(); // never started: nothing was queued
            return;
        }
        if (!thread.isAlive()) {
            return;
        }
        queue.add(STOP);
        try {
            thread.join(waitMillis);
            if (thread.isAlive()) {
                log.warn("mempool file " + path + ": the writer did not finish within " + waitMillis + " ms");
                thread.interrupt();
                thread.join(TimeUnit.SECONDS.toMillis(1));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
