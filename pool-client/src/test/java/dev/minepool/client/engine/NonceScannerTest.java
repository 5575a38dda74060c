package dev.minepool.client.engine;

import dev.minepool.protocol.Protocol;
import dev.minepool.protocol.ProofOfWork;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class NonceScannerTest {
    /** PROTOCOL.md's worked vector: 1024 bytes with data[i] = i mod 256. */
    private static final byte[] DATA = vectorData();
    private static final ScanEngine ENGINE = DigestNonceScanner.ENGINE;

    @Test
    void findsTheWorkedVectorNonces() {
        NonceScanner scanner = ENGINE.scanner(DATA);
        assertThat(scanner.scan(new NonceRange(0, 1 << 20), 16, () -> false)).isEqualTo(5713);
        assertThat(scanner.scan(new NonceRange(0, 1 << 20), 20, () -> false)).isEqualTo(675764);
        assertThat(scanner.hashes()).isEqualTo(5714 + 675765);
    }

    @Test
    void startsWhereTheRangeStarts() {
        NonceScanner scanner = ENGINE.scanner(DATA);
        long found = scanner.scan(new NonceRange(5714, 1 << 20), 16, () -> false);
        assertThat(found).isGreaterThan(5713);
        assertThat(ProofOfWork.verify(DATA, found, 16)).isTrue();
        assertThat(scanner.hashes()).isEqualTo(found - 5714 + 1);
    }

    @Test
    void reportsNotFoundWhenTheRangeHasNoHit() {
        NonceScanner scanner = ENGINE.scanner(DATA);
        assertThat(scanner.scan(new NonceRange(0, 5713), 16, () -> false)).isEqualTo(NonceScanner.NOT_FOUND);
        assertThat(scanner.hashes()).isEqualTo(5713);
    }

    @Test
    void zeroBitsAcceptsTheFirstNonce() {
        assertThat(ENGINE.scanner(DATA).scan(new NonceRange(42, 100), 0, () -> false)).isEqualTo(42);
    }

    @Test
    void supportsMoreThan32ZeroBits() {
        // nothing in 10k nonces has 40 zero bits; the point is the path past the first word runs and says so
        assertThat(ENGINE.scanner(DATA).scan(new NonceRange(0, 10_000), 40, () -> false))
                .isEqualTo(NonceScanner.NOT_FOUND);
    }

    @Test
    void multithreadedSearchFindsExactlyTheSingleThreadedHits() throws Exception {
        NonceRange whole = new NonceRange(0, 1 << 20);
        TreeSet<Long> single = allHits(ENGINE.scanner(DATA), whole, 14);
        assertThat(single).contains(5713L, 675764L).hasSizeGreaterThan(20);

        int threads = 4;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<TreeSet<Long>>> parts = new ArrayList<>();
            for (NonceRange part : whole.split(threads)) {
                parts.add(pool.submit(() -> allHits(ENGINE.scanner(DATA), part, 14)));
            }
            TreeSet<Long> multi = new TreeSet<>();
            for (Future<TreeSet<Long>> part : parts) {
                multi.addAll(part.get(60, TimeUnit.SECONDS));
            }
            assertThat(multi).isEqualTo(single);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void splitCoversTheRangeWithoutGapsOrOverlap() {
        NonceRange slot = new NonceRange(3L * 16_777_216, 4L * 16_777_216);
        for (int parts = 1; parts <= 7; parts++) {
            List<NonceRange> split = slot.split(parts);
            assertThat(split).hasSize(parts);
            assertThat(split.get(0).first()).isEqualTo(slot.first());
            assertThat(split.get(parts - 1).end()).isEqualTo(slot.end());
            for (int i = 1; i < parts; i++) {
                assertThat(split.get(i).first()).as("part %d starts where %d ends", i, i - 1)
                        .isEqualTo(split.get(i - 1).end());
            }
        }
        assertThat(new NonceRange(0, 5).split(8)).extracting(NonceRange::size).containsExactly(1L, 1L, 1L, 1L, 1L, 0L, 0L, 0L);
    }

    @Test
    void stopsOnRequestWithinOneCheckInterval() throws Exception {
        NonceScanner scanner = ENGINE.scanner(DATA);
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch started = new CountDownLatch(1);
        long[] stoppedAt = new long[1];
        Thread miner = new Thread(() -> {
            long result = scanner.scan(new NonceRange(0, Protocol.NONCE_SPACE), 200, () -> {
                started.countDown();
                return stop.get();
            });
            stoppedAt[0] = result;
        });
        miner.start();
        assertThat(started.await(10, TimeUnit.SECONDS)).as("the scan started").isTrue();
        // wait until real hashing is under way, then stop and note how far it had got
        while (scanner.hashes() < 3L * NonceScanner.STOP_CHECK_INTERVAL) {
            Thread.onSpinWait();
        }
        stop.set(true);
        long hashesAtStop = scanner.hashes();
        miner.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(miner.isAlive()).as("the scanner thread returned after stop").isFalse();
        assertThat(stoppedAt[0]).isEqualTo(NonceScanner.STOPPED);
        // the promise behind "stops within a few milliseconds": at most one more batch after the flag is seen
        assertThat(scanner.hashes() - hashesAtStop).isLessThanOrEqualTo(2L * NonceScanner.STOP_CHECK_INTERVAL);
    }

    private static TreeSet<Long> allHits(NonceScanner scanner, NonceRange range, int zeroBits) {
        TreeSet<Long> hits = new TreeSet<>();
        long from = range.first();
        while (from < range.end()) {
            long hit = scanner.scan(new NonceRange(from, range.end()), zeroBits, () -> false);
            if (hit < 0) {
                break;
            }
            assertThat(ProofOfWork.verify(DATA, hit, zeroBits)).isTrue();
            hits.add(hit);
            from = hit + 1;
        }
        return hits;
    }

    private static byte[] vectorData() {
        byte[] data = new byte[1024];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i;
        }
        return data;
    }
}
