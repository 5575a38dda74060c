package dev.minepool.client;

import dev.minepool.protocol.Message;
import dev.minepool.client.engine.NonceScanner;
import dev.minepool.client.engine.ScanEngine;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The miner's hashing threads. Thread {@code i} always searches part {@code i} of the current slot, so its
 * hash count is a true per-thread rate; each thread gets a fresh scanner per job from the {@link ScanEngine}
 * (the engine is pluggable, the digest one by default), which hashes the job data once into its midstate.
 *
 * <p>Threads wait on their own queue for the next part; a search that is stopped while a new one starts
 * simply finishes its current batch of {@link NonceScanner#STOP_CHECK_INTERVAL} nonces first.
 */
final class Rig implements AutoCloseable {
    private final ScanEngine engine;
    private final Lane[] lanes;
    private volatile SlotSearch current;

    Rig(ScanEngine engine, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("a rig needs at least one thread, not " + threads);
        }
        this.engine = engine;
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
     * Starts searching the slot of {@code task} on every thread. {@code onEnd} is called once, on a hashing
     * thread, when every thread has finished its part.
     */
    SlotSearch start(Message.Task task, Consumer<SlotSearch> onEnd) {
        SlotSearch search = new SlotSearch(task, lanes.length, onEnd);
        current = search;
        for (Lane lane : lanes) {
            lane.queue.add(search);
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

    /** Stops the current search and ends the threads, waiting briefly for them. */
    @Override
    public void close() {
        SlotSearch search = current;
        if (search != null) {
            search.stop();
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
     * What a thread has hashed: the total of its finished scans plus the live scanner, swapped as one
     * object so that a reader never counts a finished scan twice or misses it.
     */
    private record Progress(long finished, NonceScanner scanning) {
        long hashes() {
            return finished + (scanning == null ? 0 : scanning.hashes());
        }
    }

    private final class Lane implements Runnable {
        final int index;
        final Thread thread;
        final BlockingQueue<SlotSearch> queue = new LinkedBlockingQueue<>();
        volatile Progress progress = new Progress(0, null);

        Lane(int index) {
            this.index = index;
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
                    search(queue.take());
                }
            } catch (InterruptedException e) {
                // the rig is closing
            }
        }

        private void search(SlotSearch search) {
            Message.Task task = search.task();
            long finished = progress.finished();
            NonceScanner scanner = null;
            try {
                if (search.stopRequested()) {
                    // stopped before this thread got to it: no midstate to compute, nothing to hash
                    search.partEnded(NonceScanner.STOPPED);
                    return;
                }
                scanner = engine.scanner(task.data());
                progress = new Progress(finished, scanner);
                long result = scanner.scan(search.part(index), task.zeroBits(), search::stopRequested);
                progress = new Progress(finished + scanner.hashes(), null);
                search.partEnded(result);
            } catch (RuntimeException e) {
                progress = new Progress(finished + (scanner == null ? 0 : scanner.hashes()), null);
                search.partFailed(e);
            }
        }
    }
}
