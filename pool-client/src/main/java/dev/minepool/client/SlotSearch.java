package dev.minepool.client;

import dev.minepool.client.engine.NonceRange;
import dev.minepool.client.engine.NonceScanner;
import dev.minepool.protocol.Message;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The search of one slot of one job by the hashing threads of a {@link Rig}. The threads share one cursor over
 * the slot and each claims the next {@code chunk} nonces when it is free (work stealing), so a thread that is
 * slower, descheduled or late to start never leaves the others idle at the end of the slot: the last nonces
 * are searched by whoever is free, and the slot ends at most one chunk after the slowest thread's last claim.
 *
 * <p>Two moments matter to the miner. The cursor <em>runs out</em> when it hands out the slot's last chunk:
 * every nonce of the slot is now in some thread's hands, so the miner may ask for its next slot, and a thread
 * that finds nothing left to claim moves on to that one. The search <em>ends</em> when every claimed chunk
 * has ended (or the search was stopped and every thread has noticed): the {@link Outcome} is reported once,
 * on the thread that ended last.
 *
 * <p>The first hit stops the search, because one valid nonce is all the pool wants for the slot; so do {@link
 * #stop()} (an {@code I}, a new connection) and a scanner that throws. Every thread notices within {@link
 * NonceScanner#STOP_CHECK_INTERVAL} nonces, as before, and claims nothing more.
 */
final class SlotSearch {
    /** How a search ended. */
    sealed interface Outcome permits Found, Exhausted, Stopped, Failed {
    }

    /** A thread found {@code nonce}, {@code elapsed} after the search started. */
    record Found(long nonce, Duration elapsed) implements Outcome {
    }

    /** Every nonce of the slot was searched without a hit. */
    record Exhausted() implements Outcome {
    }

    /** {@link #stop()} was called before a hit or the end of the slot. */
    record Stopped() implements Outcome {
    }

    /** A scanner threw: a bug in a hash engine, reported rather than left to kill a hashing thread. */
    record Failed(String reason) implements Outcome {
    }

    /** What the search tells whoever started it; both are called on a hashing thread. */
    interface Listener {
        /** The cursor handed out the slot's last chunk: a good moment to ask for the next slot. Once at most. */
        default void ranOut(SlotSearch search) {
        }

        /** The search ended; {@link #outcome()} says how. Exactly once. */
        void ended(SlotSearch search);
    }

    private final Message.Task task;
    private final long end;
    private final int chunk;
    private final Listener listener;
    private final long startNanos = System.nanoTime();
    /** The first nonce not yet handed out; it only grows. */
    private final AtomicLong cursor;
    /** Claims that have not ended yet, counting a claim from before it looks at the cursor. */
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicBoolean ranOut = new AtomicBoolean();
    private final AtomicBoolean ended = new AtomicBoolean();
    /** Polled by every scanner of this search every {@link NonceScanner#STOP_CHECK_INTERVAL} nonces. */
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong hit = new AtomicLong(NonceScanner.NOT_FOUND);
    private volatile long hitNanos;
    private volatile String failure;
    private volatile Outcome outcome;

    /** @param chunk how many nonces a thread claims at a time */
    SlotSearch(Message.Task task, int chunk, Listener listener) {
        if (chunk < 1) {
            throw new IllegalArgumentException("a chunk holds at least one nonce, not " + chunk);
        }
        this.task = task;
        this.end = task.endNonce();
        this.cursor = new AtomicLong(task.firstNonce());
        this.chunk = chunk;
        this.listener = listener;
    }

    Message.Task task() {
        return task;
    }

    /**
     * The next chunk for the calling thread, or null when there is nothing left to claim (the cursor ran out or
     * the search was stopped). Every chunk returned must be given back with {@link #chunkEnded} or {@link
     * #chunkFailed}.
     */
    NonceRange claim() {
        // Counted before looking, so that the search cannot be declared over between the look and the claim.
        inFlight.incrementAndGet();
        if (!stop.get()) {
            long first = cursor.getAndAdd(chunk);
            if (first < end) {
                long last = Math.min(end, first + chunk);
                if (last == end && ranOut.compareAndSet(false, true)) {
                    listener.ranOut(this);
                }
                return new NonceRange(first, last);
            }
        }
        release();
        return null;
    }

    /** Whether the cursor has handed out the slot's last chunk (not merely been stopped). */
    boolean ranOut() {
        return ranOut.get();
    }

    /** Whether a claim now would get nothing: the cursor ran out, or the search was stopped. */
    boolean claimedOut() {
        return stop.get() || cursor.get() >= end;
    }

    /** Asks every thread to stop; they notice within {@link NonceScanner#STOP_CHECK_INTERVAL} nonces. */
    void stop() {
        stop.set(true);
        // Nobody may be searching at all (every thread is on another slot): then this is the end.
        inFlight.incrementAndGet();
        release();
    }

    boolean stopRequested() {
        return stop.get();
    }

    /** How the search ended, or {@code null} while a thread is still searching. */
    Outcome outcome() {
        return outcome;
    }

    /** Called by each thread with what its scanner returned for a chunk it claimed. */
    void chunkEnded(long result) {
        if (result >= 0 && hit.compareAndSet(NonceScanner.NOT_FOUND, result)) {
            hitNanos = System.nanoTime();
            stop.set(true);
        }
        release();
    }

    /** Called by a thread whose scanner threw on a chunk it claimed. */
    void chunkFailed(RuntimeException e) {
        failure = e.toString();
        stop.set(true);
        release();
    }

    private void release() {
        // Once no claim is in flight and none can succeed, nothing can change the outcome any more.
        if (inFlight.decrementAndGet() == 0 && claimedOut() && ended.compareAndSet(false, true)) {
            long nonce = hit.get();
            if (nonce >= 0) {
                outcome = new Found(nonce, Duration.ofNanos(hitNanos - startNanos));
            } else if (failure != null) {
                outcome = new Failed(failure);
            } else if (stop.get()) {
                outcome = new Stopped();
            } else {
                outcome = new Exhausted();
            }
            listener.ended(this);
        }
    }
}
