package dev.minepool.client.engine;

import dev.minepool.protocol.Protocol;
import dev.minepool.protocol.ProofOfWork;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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

    /**
     * A nonce whose hash has exactly 37 leading zero bits, found once by a brute-force search (about 2^33 hashes,
     * too many for a test): {@code SHA-256(data || nonce) = 00000000 062a586a ...}, where the data is 64 bytes
     * with {@code data[i] = (i + 1) mod 256}. Its first hash word is zero, so past 32 zero bits only the full
     * count of the bits after it tells a hit at 37 from a candidate at 38.
     */
    static final long NONCE_WITH_37_ZERO_BITS = 0x2db8ba9bL;

    static byte[] dataOfTheNonceWith37ZeroBits() {
        byte[] data = new byte[64];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i + 1);
        }
        return data;
    }

    @Test
    void theNonceWith37ZeroBitsHasThem() {
        byte[] hash = ProofOfWork.hash(dataOfTheNonceWith37ZeroBits(), NONCE_WITH_37_ZERO_BITS);
        assertThat(HexFormat.of().formatHex(hash))
                .isEqualTo("00000000062a586ae388d1abfd9f2f527373fef0983a30c0f48243a309c5a1db");
        assertThat(ProofOfWork.verify(dataOfTheNonceWith37ZeroBits(), NONCE_WITH_37_ZERO_BITS, 37)).isTrue();
        assertThat(ProofOfWork.verify(dataOfTheNonceWith37ZeroBits(), NONCE_WITH_37_ZERO_BITS, 38)).isFalse();
    }

    @ParameterizedTest(name = "{0} zero bits")
    @ValueSource(ints = {32, 33, 36, 37})
    void findsAHitWithMoreThan32ZeroBits(int zeroBits) {
        NonceScanner scanner = ENGINE.scanner(dataOfTheNonceWith37ZeroBits());
        long first = NONCE_WITH_37_ZERO_BITS - 5_000;
        long found = scanner.scan(new NonceRange(first, NONCE_WITH_37_ZERO_BITS + 5_000), zeroBits, () -> false);
        assertThat(found).as("the nonce with 37 zero bits, asked for %d", zeroBits).isEqualTo(NONCE_WITH_37_ZERO_BITS);
        assertThat(scanner.hashes()).as("nonces hashed up to and including the hit").isEqualTo(5_001);
    }

    @ParameterizedTest(name = "{0} zero bits")
    @ValueSource(ints = {38, 40, 64, 255})
    void aZeroFirstWordIsNotAHitPastTheZeroBitsItHas(int zeroBits) {
        NonceScanner scanner = ENGINE.scanner(dataOfTheNonceWith37ZeroBits());
        NonceRange around = new NonceRange(NONCE_WITH_37_ZERO_BITS - 5_000, NONCE_WITH_37_ZERO_BITS + 5_000);
        assertThat(scanner.scan(around, zeroBits, () -> false))
                .as("37 zero bits do not make a hit at %d", zeroBits).isEqualTo(NonceScanner.NOT_FOUND);
        assertThat(scanner.hashes()).as("every nonce of the range hashed").isEqualTo(10_000);
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
    @Timeout(60) // a hang guard only: a scanner that never looks at stop would otherwise hash 2^32 nonces
    void stopsOnRequestWithinOneCheckInterval() throws Exception {
        NonceScanner scanner = ENGINE.scanner(DATA);
        AtomicBoolean stop = new AtomicBoolean();
        // three looks at stop: the scan has hashed two whole batches, so real hashing is under way
        CountDownLatch underWay = new CountDownLatch(3);
        ExecutorService executor = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "scanner");
            thread.setDaemon(true); // if the scanner ignores stop, the failed test must not keep the JVM up
            return thread;
        });
        try {
            Future<Long> result = executor.submit(() -> scanner.scan(new NonceRange(0, Protocol.NONCE_SPACE), 200,
                    () -> {
                        underWay.countDown();
                        return stop.get();
                    }));
            assertThat(underWay.await(30, TimeUnit.SECONDS)).as("the scanner looks at stop between batches").isTrue();
            stop.set(true);
            long hashesAtStop = scanner.hashes();
            assertThat(result.get(30, TimeUnit.SECONDS)).as("what scan returns once stopped")
                    .isEqualTo(NonceScanner.STOPPED);
            // the promise behind "stops within a few milliseconds": at most one more batch after the flag is seen
            assertThat(scanner.hashes() - hashesAtStop).as("nonces hashed after stop was set")
                    .isLessThanOrEqualTo(2L * NonceScanner.STOP_CHECK_INTERVAL);
        } finally {
            executor.shutdownNow();
        }
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
