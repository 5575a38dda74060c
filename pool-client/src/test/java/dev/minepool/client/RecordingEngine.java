package dev.minepool.client;

import dev.minepool.client.engine.DigestNonceScanner;
import dev.minepool.client.engine.NonceRange;
import dev.minepool.client.engine.NonceScanner;
import dev.minepool.client.engine.ScanEngine;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/** The digest engine, with a record of every range a scanner was given and of what each scan returned. */
final class RecordingEngine implements ScanEngine {
    final BlockingQueue<NonceRange> started = new LinkedBlockingQueue<>();
    final BlockingQueue<Long> ended = new LinkedBlockingQueue<>();
    private final AtomicReference<CountDownLatch> holdFirst = new AtomicReference<>();

    /** The first scan, on whichever thread makes it, waits for {@code release} before it hashes anything. */
    void holdFirstScan(CountDownLatch release) {
        holdFirst.set(release);
    }

    @Override
    public String name() {
        return "recording";
    }

    @Override
    public NonceScanner scanner(byte[] data) {
        NonceScanner real = DigestNonceScanner.ENGINE.scanner(data);
        return new NonceScanner() {
            @Override
            public long scan(NonceRange range, int zeroBits, BooleanSupplier stop) {
                started.add(range);
                CountDownLatch hold = holdFirst.getAndSet(null);
                if (hold != null) {
                    try {
                        hold.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return STOPPED;
                    }
                }
                long result = real.scan(range, zeroBits, stop);
                ended.add(result);
                return result;
            }

            @Override
            public long hashes() {
                return real.hashes();
            }
        };
    }

    /** The next range a scan started on; fails (returns null) after the hang-guard timeout. */
    NonceRange nextStarted() throws InterruptedException {
        return started.poll(10, TimeUnit.SECONDS);
    }

    /** What the next scan to end returned; null after the hang-guard timeout. */
    Long nextEnded() throws InterruptedException {
        return ended.poll(10, TimeUnit.SECONDS);
    }
}
