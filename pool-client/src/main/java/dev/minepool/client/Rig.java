package dev.minepool.client;

import dev.minepool.client.engine.NonceRange;
import dev.minepool.client.engine.NonceScanner;
import dev.minepool.client.engine.ScanEngine;
import dev.minepool.protocol.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The miner's hashing threads, and the slots they search, in the order they were started.
 *
 * <p>Every thread works on the oldest slot whose cursor has not run out, claiming a chunk at a time (see
 * {@link SlotSearch}); when it finds nothing left to claim there it moves on to the next slot, and only waits
 * when no slot has anything left. So a slot that was started before the current one runs out (the miner's
 * prefetch) is where each thread goes as soon as it is free, and no thread waits for the others or for the
 * network. Each thread makes its own scanner for each slot from the {@link ScanEngine} (the midstate of the
 * job data, microseconds), and counts what it hashed, so the per-thread rates are true ones.
 */
final class Rig implements AutoCloseable {
    /**
     * Nonces a thread claims at a time: about half a millisecond of the vector engine, a millisecond of the
     * digest one, so a claim (one atomic add) costs nothing next to it, and a slot's end is reached by every
     * thread within that much of each other. It is also how early the cursor runs out, per thread: the next
     * {@code G} goes out when at most {@code threads * CHUNK} nonces of the slot are left to search.
     */
    static final int DEFAULT_CHUNK = 1 << 14;

    private final ScanEngine engine;
    private final int chunk;
    private final Lane[] lanes;
    /** Started searches that may still have chunks to hand out, oldest first; guarded by {@code this}. */
    private final List<SlotSearch> searches = new ArrayList<>();
    private boolean closed;

    Rig(ScanEngine engine, int threads) {
        this(engine, threads, DEFAULT_CHUNK);
    }

    Rig(ScanEngine engine, int threads, int chunk) {
        if (threads < 1) {
            throw new IllegalArgumentException("a rig needs at least one thread, not " + threads);
        }
        this.engine = engine;
        this.chunk = chunk;
        this.lanes = new Lane[threads];
        for (int i = 0; i < threads; i++) {
            lanes[i] = new Lane(i);
            lanes[i].thread.start();
        }
    }

    int threads() {
        return lanes.length;
    }

    ScanEngine engine() {
        return engine;
    }

    /**
     * Starts searching the slot of {@code task}, after the slots started before it have handed out their last
     * chunk. The listener hears, on a hashing thread, when its cursor runs out and when it ends (a lambda
     * hears only the end).
     */
    SlotSearch start(Message.Task task, SlotSearch.Listener listener) {
        SlotSearch search = new SlotSearch(task, chunk, listener);
        synchronized (this) {
            searches.add(search);
            notifyAll();
        }
        return search;
    }

    /** The nonces each thread has hashed since the rig started; readable from any thread at any time. */
    long[] hashesPerThread() {
        long[] hashes = new long[lanes.length];
        for (int i = 0; i < lanes.length; i++) {
            hashes[i] = lanes[i].hashes();
        }
        return hashes;
    }

    long totalHashes() {
        long total = 0;
        for (Lane lane : lanes) {
            total += lane.hashes();
        }
        return total;
    }

    /** The oldest search with chunks left, waiting for one to be started; the rig's lock is held only here. */
    private synchronized SlotSearch nextSearch() throws InterruptedException {
        while (true) {
            if (closed) {
                throw new InterruptedException("the rig is closed");
            }
            searches.removeIf(SlotSearch::claimedOut);
            if (!searches.isEmpty()) {
                return searches.get(0);
            }
            wait();
        }
    }

    /** Stops every search and ends the threads, waiting briefly for them. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            for (SlotSearch search : searches) {
                search.stop();
            }
            notifyAll();
        }
        for (Lane lane : lanes) {
            lane.thread.interrupt();
        }
        for (Lane lane : lanes) {
            try {
                lane.thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * What a thread has hashed: the total of its finished scanners plus the live one, swapped as one object so
     * that a reader never counts a finished scanner twice or misses it.
     */
    private record Progress(long finished, NonceScanner scanning) {
        long hashes() {
            return finished + (scanning == null ? 0 : scanning.hashes());
        }

        Progress done() {
            return new Progress(hashes(), null);
        }
    }

    private final class Lane implements Runnable {
        final Thread thread;
        volatile Progress progress = new Progress(0, null);

        Lane(int index) {
            this.thread = new Thread(this, "miner-hash-" + index);
            // Ctrl-C must not wait for a hashing thread; the session stops them anyway.
            thread.setDaemon(true);
        }

        long hashes() {
            return progress.hashes();
        }

        @Override
        public void run() {
            try {
                while (true) {
                    search(nextSearch());
                }
            } catch (InterruptedException e) {
                // the rig is closing
            }
        }

        /** Claims chunks of {@code search} until it has none left; one scanner for all of them. */
        private void search(SlotSearch search) {
            Message.Task task = search.task();
            NonceScanner scanner = null;
            try {
                NonceRange range;
                while ((range = search.claim()) != null) {
                    try {
                        if (scanner == null) {
                            scanner = engine.scanner(task.data());
                            progress = new Progress(progress.finished(), scanner);
                        }
                        search.chunkEnded(scanner.scan(range, task.zeroBits(), search::stopRequested));
                    } catch (RuntimeException e) {
                        search.chunkFailed(e);
                        return;
                    }
                }
            } finally {
                progress = progress.done();
            }
        }
    }
}
