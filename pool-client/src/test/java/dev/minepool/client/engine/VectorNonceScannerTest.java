package dev.minepool.client.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minepool.protocol.Protocol;
import dev.minepool.protocol.ProofOfWork;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The vector engine against the worked vector of PROTOCOL.md and against the digest engine, which is the
 * reference: the same hits, in the same order, with the same hash counts, over whole ranges.
 */
class VectorNonceScannerTest {
    private static final int STOP = NonceScanner.STOP_CHECK_INTERVAL;

    /** {@code data[i] = i mod 256}, the worked vector's data. */
    private static byte[] workedVectorData() {
        byte[] data = new byte[Protocol.DEFAULT_DATA_SIZE];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i;
        }
        return data;
    }

    private static byte[] data(int length) {
        byte[] data = new byte[length];
        for (int i = 0; i < length; i++) {
            data[i] = (byte) (i * 131 + 7);
        }
        return data;
    }

    /** Every hit of {@code range} in order, scanning on from each one, with the hash count after each scan. */
    private static List<Long> allHits(NonceScanner scanner, NonceRange range, int zeroBits, List<Long> hashCounts) {
        List<Long> hits = new ArrayList<>();
        long first = range.first();
        while (true) {
            long hit = scanner.scan(new NonceRange(first, range.end()), zeroBits, () -> false);
            hashCounts.add(scanner.hashes());
            if (hit < 0) {
                assertThat(hit).as("a scan without stop ends in a hit or NOT_FOUND").isEqualTo(NonceScanner.NOT_FOUND);
                return hits;
            }
            hits.add(hit);
            first = hit + 1;
        }
    }

    /** The vector engine and the digest engine over the same range: the same hits and the same hash counts. */
    private static List<Long> assertSameHitsAsDigest(byte[] data, NonceRange range, int zeroBits) {
        List<Long> vectorCounts = new ArrayList<>();
        List<Long> digestCounts = new ArrayList<>();
        List<Long> vectorHits = allHits(VectorNonceScanner.of(data), range, zeroBits, vectorCounts);
        List<Long> digestHits = allHits(new DigestNonceScanner(data), range, zeroBits, digestCounts);
        assertThat(vectorHits).as("hits of the vector engine in %s at %d bits, %d data bytes", range, zeroBits,
                data.length).isEqualTo(digestHits);
        assertThat(vectorCounts).as("hashes() after each scan").isEqualTo(digestCounts);
        return vectorHits;
    }

    @Test
    void usesAllTheLanesOfAVectorRegister() {
        assertThat(VectorNonceScanner.lanes()).as("32-bit lanes per vector").isGreaterThanOrEqualTo(4);
        assertThat(NonceScanner.STOP_CHECK_INTERVAL % (2 * VectorNonceScanner.lanes()))
                .as("a batch between two looks at stop is a whole number of steps").isZero();
    }

    @ParameterizedTest(name = "{0} zero bits: nonce {1}")
    @CsvSource({
        "16, 5713,   0000cd28fcc9dbc8c07e061507d162cc628714a8262b0a1f269f84f293f1297d",
        "20, 675764, 00000cec028aa425cbb5111bfc2e2e81e1ff18c6d37906d4e884f1f4b9dc0992",
    })
    void findsTheWorkedVectorNonces(int zeroBits, long expected, String hash) {
        NonceScanner scanner = VectorNonceScanner.ENGINE.scanner(workedVectorData());
        long found = scanner.scan(new NonceRange(0, Protocol.NONCE_SPACE), zeroBits, () -> false);
        assertThat(found).as("first nonce with %d zero bits", zeroBits).isEqualTo(expected);
        assertThat(HexFormat.of().formatHex(ProofOfWork.hash(workedVectorData(), found))).isEqualTo(hash);
        assertThat(scanner.hashes()).as("nonces 0..%d hashed, no more counted", expected).isEqualTo(expected + 1);
    }

    @Test
    void findsTheSameHitsAsTheDigestEngineOverAWholeRange() {
        byte[] data = workedVectorData();
        List<Long> hits = assertSameHitsAsDigest(data, new NonceRange(0, 1 << 20), 12);
        assertThat(hits).as("about 2^20 / 2^12 = 256 hits").hasSizeBetween(150, 400);
        assertThat(hits).allSatisfy(nonce -> assertThat(ProofOfWork.verify(data, nonce, 12)).isTrue());
    }

    /**
     * Every layout of the last block: the nonce at word 0 (1024 bytes), at other words, straddling two words
     * (lengths that are not a multiple of 4), the longest one-block tail (51), and tails that need two blocks
     * (52, 55, 63), which go to the digest scanner.
     */
    @ParameterizedTest(name = "{0} data bytes")
    @ValueSource(ints = {0, 1, 3, 4, 20, 51, 52, 55, 63, 64, 1000, 1001, 1022, 1023, 1025, 1075})
    void findsTheSameHitsAsTheDigestEngineForEveryDataLength(int length) {
        List<Long> hits = assertSameHitsAsDigest(data(length), new NonceRange(12_345, 12_345 + 60_001), 8);
        assertThat(hits).as("about 60001 / 256 hits").hasSizeBetween(150, 350);
        boolean oneBlock = length % 64 <= VectorNonceScanner.MAX_ONE_BLOCK_TAIL;
        assertThat(VectorNonceScanner.of(data(length))).as("scanner for a tail of %d bytes", length % 64)
                .isInstanceOf(oneBlock ? VectorNonceScanner.class : DigestNonceScanner.class);
    }

    /**
     * Every kernel the calibration may pick gives the reference's answers, for every layout. The lengths put the
     * nonce at word 0 (1024, 0: rounds 1 to 63, nine whole blocks of the register kernel), at word 1 (4: six
     * rounds after the last whole block), at word 5 (20: two rounds after), straddling words 10 and 11 (1001:
     * four rounds after) and at the last one-block place, straddling words 12 and 13 (51: two rounds after).
     */
    @ParameterizedTest(name = "{0}, {1} data bytes")
    @CsvSource({
        "ONE_STREAM, 1024", "ONE_STREAM, 1001", "ONE_STREAM, 20", "ONE_STREAM, 0",
        "TWO_STREAMS, 1024", "TWO_STREAMS, 1001", "TWO_STREAMS, 20", "TWO_STREAMS, 0",
        "REGISTERS, 1024", "REGISTERS, 1001", "REGISTERS, 20", "REGISTERS, 0", "REGISTERS, 4", "REGISTERS, 51",
        "REGISTERS, 64",
    })
    void eachKernelFindsTheSameHitsAsTheDigestEngine(VectorNonceScanner.Kernel kernel, int length) {
        VectorNonceScanner.Kernel before = VectorNonceScanner.kernel();
        VectorNonceScanner.useKernel(kernel);
        try {
            List<Long> hits = assertSameHitsAsDigest(data(length), new NonceRange(777, 777 + 60_001), 8);
            assertThat(hits).hasSizeBetween(150, 350);
        } finally {
            VectorNonceScanner.useKernel(before);
        }
    }

    /** The register kernel on the worked vector of PROTOCOL.md, whose hashes are known. */
    @Test
    void theRegisterKernelFindsTheWorkedVectorNonce() {
        VectorNonceScanner.Kernel before = VectorNonceScanner.kernel();
        VectorNonceScanner.useKernel(VectorNonceScanner.Kernel.REGISTERS);
        try {
            NonceScanner scanner = VectorNonceScanner.of(workedVectorData());
            assertThat(scanner.scan(new NonceRange(0, Protocol.NONCE_SPACE), 20, () -> false)).isEqualTo(675764);
            assertThat(scanner.hashes()).isEqualTo(675765);
        } finally {
            VectorNonceScanner.useKernel(before);
        }
    }

    @Test
    void theCalibrationPicksAnInterleavingAndSaysWhatItMeasured() {
        VectorNonceScanner.Kernel before = VectorNonceScanner.kernel();
        try {
            String line = VectorNonceScanner.calibrate(java.time.Duration.ofMillis(100));
            // either what it measured, or, on a machine too busy for the JIT to have compiled the engine, why it
            // kept the default
            assertThat(line).matches("vector engine: \\d+-bit, (1 stream|2 streams|registers) \\((calibrated on one "
                    + "thread: |the calibration saw only )1 stream [0-9.]+ MH/s, 2 streams [0-9.]+ MH/s, registers "
                    + "[0-9.]+ MH/s(\\)|, the JIT had not compiled the engine yet; kept the default\\)).*");
            assertThat(line).startsWith("vector engine: " + (VectorNonceScanner.lanes() * 32) + "-bit, "
                    + VectorNonceScanner.kernel().label + " (");
        } finally {
            VectorNonceScanner.useKernel(before);
        }
    }

    @ParameterizedTest(name = "[{0}, {1})")
    @CsvSource({
        "0, 1", "7, 40", "5, 37", "31, 64", "100, 100", "4294967259, 4294967296", "4294967295, 4294967296",
    })
    void atZeroBitsEveryNonceOfAnUnalignedRangeIsAHitAndNoneBeyondIt(long first, long end) {
        NonceScanner scanner = VectorNonceScanner.of(workedVectorData());
        List<Long> hits = allHits(scanner, new NonceRange(first, end), 0, new ArrayList<>());
        List<Long> expected = new ArrayList<>();
        for (long n = first; n < end; n++) {
            expected.add(n);
        }
        assertThat(hits).as("every nonce of [%d, %d), in order", first, end).isEqualTo(expected);
        assertThat(scanner.hashes()).isEqualTo(end - first);
    }

    @ParameterizedTest(name = "[{0}, 5713)")
    @ValueSource(longs = {0, 5000, 5700, 5712})
    void aHitJustPastTheEndOfTheRangeIsNotReported(long first) {
        // 5713 is the first 16-bit hit; the vector that holds it also holds nonces below it, and lanes past the
        // end of the range are hashed too but must not count
        NonceScanner scanner = VectorNonceScanner.of(workedVectorData());
        assertThat(scanner.scan(new NonceRange(first, 5713), 16, () -> false)).isEqualTo(NonceScanner.NOT_FOUND);
        assertThat(scanner.hashes()).isEqualTo(5713 - first);
        assertThat(scanner.scan(new NonceRange(5713, 5714), 16, () -> false)).isEqualTo(5713);
    }

    @ParameterizedTest(name = "[{0}, {1}) at {2} bits")
    @CsvSource({
        "1, 9000, 6", "4294900000, 4294967296, 9", "33, 4129, 5",
    })
    void findsTheSameHitsAsTheDigestEngineOnUnalignedBoundaries(long first, long end, int zeroBits) {
        assertThat(assertSameHitsAsDigest(workedVectorData(), new NonceRange(first, end), zeroBits)).isNotEmpty();
    }

    /**
     * Past 32 zero bits a zero first hash word only makes a candidate, which the full count decides. The nonce
     * of NonceScannerTest whose hash has exactly 37 zero bits is a hit at 33 to 37 bits, and not at 38 or more.
     * Its data is 64 bytes, so the nonce is in the last block's word 0 and this is the vector scanner itself.
     */
    @ParameterizedTest(name = "{0} zero bits: found = {1}")
    @CsvSource({"32, true", "33, true", "37, true", "38, false", "40, false", "255, false"})
    void beyondThirtyTwoZeroBitsTheWholeHashDecides(int zeroBits, boolean found) {
        NonceScanner scanner = VectorNonceScanner.of(NonceScannerTest.dataOfTheNonceWith37ZeroBits());
        assertThat(scanner).isInstanceOf(VectorNonceScanner.class);
        long nonce = NonceScannerTest.NONCE_WITH_37_ZERO_BITS;
        // unaligned on both sides, so the hit sits in the middle of a vector and lanes past the end are hashed
        NonceRange range = new NonceRange(nonce - 50_003, nonce + 50_001);
        long result = scanner.scan(range, zeroBits, () -> false);
        if (found) {
            assertThat(result).as("the nonce with 37 zero bits, asked for %d", zeroBits).isEqualTo(nonce);
            assertThat(scanner.hashes()).as("nonces up to and including the hit").isEqualTo(50_004);
        } else {
            assertThat(result).as("37 zero bits do not make a hit at %d", zeroBits).isEqualTo(NonceScanner.NOT_FOUND);
            assertThat(scanner.hashes()).as("every nonce of the range").isEqualTo(100_004);
        }
    }

    @Test
    void stopsAtTheNextLookAtStopWithinTwoIntervals() {
        NonceScanner scanner = VectorNonceScanner.of(workedVectorData());
        AtomicInteger looks = new AtomicInteger();
        long result = scanner.scan(new NonceRange(0, Protocol.NONCE_SPACE), 255, () -> looks.incrementAndGet() > 1);
        assertThat(result).isEqualTo(NonceScanner.STOPPED);
        assertThat(looks.get()).as("stop asked for at the second look").isEqualTo(2);
        assertThat(scanner.hashes()).as("one batch hashed between the two looks").isEqualTo(STOP);
    }

    @Test
    void stopsWhenAnotherThreadSaysSo() throws Exception {
        NonceScanner scanner = VectorNonceScanner.of(workedVectorData());
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch looked = new CountDownLatch(3);
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            Future<Long> result = executor.submit(() -> scanner.scan(new NonceRange(0, Protocol.NONCE_SPACE), 255,
                    () -> {
                        looked.countDown();
                        return stop.get();
                    }));
            assertThat(looked.await(10, TimeUnit.SECONDS)).as("the scanner looks at stop").isTrue();
            stop.set(true);
            long hashesAtStop = scanner.hashes();
            assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo(NonceScanner.STOPPED);
            assertThat(scanner.hashes() - hashesAtStop).as("nonces hashed after stop was set")
                    .isLessThanOrEqualTo(2L * STOP);
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void countsHashesAcrossScans() {
        NonceScanner scanner = VectorNonceScanner.of(workedVectorData());
        assertThat(scanner.scan(new NonceRange(0, 5714), 16, () -> false)).isEqualTo(5713);
        assertThat(scanner.scan(new NonceRange(10, 10 + 777), 30, () -> false)).isEqualTo(NonceScanner.NOT_FOUND);
        assertThat(scanner.hashes()).isEqualTo(5714 + 777);
    }
}
