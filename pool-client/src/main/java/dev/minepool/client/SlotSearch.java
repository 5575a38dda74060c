package dev.minepool.client;

import dev.minepool.protocol.Message;
import dev.minepool.client.engine.NonceRange;
import dev.minepool.client.engine.NonceScanner;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The search of one slot of one job by every hashing thread of a {@link Rig}: the slot is split into one
 * disjoint, contiguous part per thread, and the search ends when every part has ended.
 *
 * <p>A part ends with a hit, with nothing found, or because the search was told to stop. The first hit stops
 * the other parts, because one valid nonce is all the pool wants for the slot. The last part to end reports
 * the {@link Outcome} once, on its own thread, to the listener given at the start.
 */
final class SlotSearch {
    /** How a search ended. */
    sealed interface Outcome permits Found, Exhausted, Stopped, Failed {
    }

    /** A thread found {@code nonce}, {@code elapsed} after the search started. */
    record Found(long nonce, Duration elapsed) implements Outcome {
    }

    /** Every part was searched to its end without a hit. */
    record Exhausted() implements Outcome {
    }

    /** {@link #stop()} was called before a hit or the end of the slot. */
    record Stopped() implements Outcome {
    }

    /** A scanner threw: a bug in a hash engine, reported rather than left to kill a hashing thread. */
    record Failed(String reason) implements Outcome {
    }

    private final Message.Task task;
    private final List<NonceRange> parts;
    private final Consumer<SlotSearch> onEnd;
    private final long startNanos = System.nanoTime();
    /** Polled by every scanner of this search every {@link NonceScanner#STOP_CHECK_INTERVAL} nonces. */
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicInteger running;
    private final AtomicLong hit = new AtomicLong(NonceScanner.NOT_FOUND);
    private volatile long hitNanos;
    private volatile String failure;
    private volatile Outcome outcome;

    SlotSearch(Message.Task task, int threads, Consumer<SlotSearch> onEnd) {
        this.task = task;
        this.parts = NonceRange.of(task).split(threads);
        this.running = new AtomicInteger(threads);
        this.onEnd = onEnd;
    }

    Message.Task task() {
        return task;
    }

    /** The part of the slot that thread {@code index} searches. */
    NonceRange part(int index) {
        return parts.get(index);
    }

    /** Asks every thread to stop; they notice within {@link NonceScanner#STOP_CHECK_INTERVAL} nonces. */
    void stop() {
        stop.set(true);
    }

    boolean stopRequested() {
        return stop.get();
    }

    /** How the search ended, or {@code null} while a thread is still searching. */
    Outcome outcome() {
        return outcome;
    }

    /** Called by each thread with what its scanner returned for its part. */
    void partEnded(long result) {
        if (result >= 0 && hit.compareAndSet(NonceScanner.NOT_FOUND, result)) {
            hitNanos = System.nanoTime();
            stop.set(true);
        }
        end();
    }

    /** Called by a thread whose scanner threw. */
    void partFailed(RuntimeException e) {
        failure = e.toString();
        stop.set(true);
        end();
    }

    private void end() {
        if (running.decrementAndGet() > 0) {
            return;
        }
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
        onEnd.accept(this);
    }
}
