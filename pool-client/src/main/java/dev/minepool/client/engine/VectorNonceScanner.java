package dev.minepool.client.engine;

import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.ROR;
import static jdk.incubator.vector.VectorOperators.XOR;

import dev.minepool.protocol.ProofOfWork;
import java.util.function.BooleanSupplier;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The nonce scanner on the JDK's Vector API ({@code jdk.incubator.vector}): one nonce per 32-bit lane, the
 * last SHA-256 compression of {@code data || nonce} done for a whole vector of nonces at once, two vectors
 * interleaved so that the CPU always has an independent instruction to run.
 *
 * <p>Only the block that holds the nonce changes from one nonce to the next; everything before it is a
 * constant of the job, worked out once in plain Java ({@link Sha256}):
 * <pre>
 *  data = full blocks (the midstate) | tail: t = data.length mod 64 bytes
 *
 *  last block, when t &lt;= 51 (one block is enough for tail, nonce, 0x80 and the length):
 *   0             t        t+4    t+5                  56                       64
 *   +-------------+--------+------+--------------------+------------------------+
 *   | tail bytes  | nonce  | 0x80 | 0x00 ...           | bit length, u64 BE     |
 *   +-------------+--------+------+--------------------+------------------------+
 *   word k = t / 4 holds the nonce's first byte; when t is not a multiple of 4 the nonce straddles words
 *   k and k+1. With 1024 bytes of data (t = 0) word 0 is the nonce, word 1 is 0x80000000, words 2..13
 *   are 0 and words 14..15 the length.
 * </pre>
 * So per job: the midstate, the message words that do not depend on the nonce (most of W[16..63] in the
 * 1024-byte case is not constant, but W[17], W[19] and W[21] are), and the state after rounds 0..k, whose
 * inputs are all constant except W[k], which round k merely adds. Per vector of nonces: the schedule words that
 * depend on the nonce and rounds k+1..63. Only the first word of the hash is computed, because it decides any
 * target up to 32 zero bits; a lane that passes is re-checked with {@link ProofOfWork} beyond 32 bits.
 *
 * <p>A tail of 52 to 63 bytes needs two blocks per nonce; that rare layout (never the pool's 1024 bytes) is
 * handed to the {@link DigestNonceScanner}, which gives the same answers.
 *
 * <p>Loops, not unrolled rounds: a fully unrolled kernel is too big for the JIT and collapses to a small
 * fraction of this speed.
 */
public final class VectorNonceScanner implements NonceScanner {
    /** The engine that makes these scanners. Touching this class needs the jdk.incubator.vector module. */
    public static final ScanEngine ENGINE = new ScanEngine() {
        @Override
        public String name() {
            return "vector";
        }

        @Override
        public NonceScanner scanner(byte[] data) {
            return VectorNonceScanner.of(data);
        }

        @Override
        public String calibrate() {
            return VectorNonceScanner.calibrate(CALIBRATION);
        }

        @Override
        public String toString() {
            return name();
        }
    };

    /**
     * The widest the CPU does well: 16 lanes with AVX-512, 8 with AVX2. At most 16, so that the hit bits of
     * both vectors fit in one long (wider vectors exist only on some ARM SVE machines).
     */
    static final VectorSpecies<Integer> SPECIES = species(Integer.getInteger(EngineChoice.VECTOR_BITS_PROPERTY, 0));
    private static final int LANES = SPECIES.length();
    /**
     * The ways of hashing the vectors of nonces that {@link #calibrate} chooses from. {@link #STOP_CHECK_INTERVAL}
     * is a multiple of each one's step.
     */
    enum Kernel {
        /** One vector at a time, the working variables in arrays, one round per loop iteration. */
        ONE_STREAM("1 stream", "one-stream"),
        /**
         * Two vectors side by side, working variables in arrays: one vector's instructions fill the other's
         * latencies, among them the store-to-load forwarding of every a and e through memory.
         */
        TWO_STREAMS("2 streams", "two-streams"),
        /**
         * One vector, the working variables in registers for {@link #BLOCK_ROUNDS} rounds at a time: no store
         * and reload per round, Maj in three operations, and W + K of the constant words added once per job. Meant
         * for AVX2, whose 16 registers hold one vector's state but not two, and whose rotates cost three
         * instructions each, so that every instruction saved counts.
         */
        REGISTERS("registers", "registers");

        final String label;
        /** The value of {@link #KERNEL_PROPERTY} that picks it. */
        final String id;

        Kernel(String label, String id) {
            this.label = label;
            this.id = id;
        }
    }

    /** The kernel in use: {@link Kernel#TWO_STREAMS} until {@link #calibrate} has measured them all. */
    private static volatile Kernel kernel = Kernel.TWO_STREAMS;
    /** Rounds per iteration of {@link Kernel#REGISTERS}: 7, because 63 rounds (1 to 63) is 9 of them. */
    static final int BLOCK_ROUNDS = 7;
    /** K[t] in every lane of word t: the constant added to W[t] of the words that depend on the nonce. */
    private static final int[] K_LANES = new int[Sha256.ROUNDS * LANES];

    static {
        for (int t = 0; t < Sha256.ROUNDS; t++) {
            java.util.Arrays.fill(K_LANES, t * LANES, (t + 1) * LANES, Sha256.K[t]);
        }
    }
    /**
     * Whether the schedule leaves out the terms that do not depend on the nonce; {@code
     * -Dminepool.vector.specialise=false} computes every term, as the engine did before, so that a bench can set
     * the two side by side on one machine.
     */
    private static final boolean SPECIALISE = !"false".equals(System.getProperty("minepool.vector.specialise"));
    /** Which terms of {@code W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16]} depend on the nonce. */
    private static final int TERM_S1 = 1;
    private static final int TERM_W7 = 2;
    private static final int TERM_S0 = 4;
    private static final int TERM_W16 = 8;
    private static final int TERMS_ALL = TERM_S1 | TERM_W7 | TERM_S0 | TERM_W16;
    private static final int TERMS_S1_W7 = TERM_S1 | TERM_W7;
    private static final int TERMS_S1_W7_S0 = TERM_S1 | TERM_W7 | TERM_S0;
    private static final int TERMS_S1_W7_W16 = TERM_S1 | TERM_W7 | TERM_W16;
    /** The longest tail that still fits with nonce, 0x80 and the length into one block. */
    static final int MAX_ONE_BLOCK_TAIL = Sha256.BLOCK_BYTES - ProofOfWork.NONCE_LENGTH - 1 - Sha256.LENGTH_BYTES;

    /** Kept for the rare full check of a candidate beyond 32 zero bits. */
    private final byte[] data;
    private final int h0;
    /** Word k of the last block holds the nonce's first byte, shifted right by {@code 8 * shift} bits. */
    private final int k;
    private final int shift;
    private final int wordK;
    private final int wordK1;
    /** The a and e after round k without W[k], which round k merely adds to both. */
    private final int aBase;
    private final int eBase;
    /**
     * The working variables, a and e of each round: b, c, d of round t are the a of rounds t-1, t-2, t-3,
     * and f, g, h likewise the e. They live in arrays rather than in local vectors, because C2 (JDK 17) boxes
     * a vector that is carried around a loop, which allocated on every round and ran at a tenth of the speed.
     * The b, c, d, f, g, h of round k+1 are constants of the job, written once.
     */
    private final int[] aA = new int[(Sha256.ROUNDS + 4) * LANES];
    private final int[] aB = new int[(Sha256.ROUNDS + 4) * LANES];
    private final int[] eA = new int[(Sha256.ROUNDS + 4) * LANES];
    private final int[] eB = new int[(Sha256.ROUNDS + 4) * LANES];
    /** Schedule words 16..63 that depend on the nonce, in increasing order. */
    private final int[] variableWords;
    /**
     * For each of {@link #variableWords}, which of its four terms depend on the nonce ({@link #TERM_S1} and so on),
     * and the sum of the ones that do not, worked out once per job. In the 1024-byte layout that leaves out
     * σ0 of words 16 to 30 and σ1 of word 16: a sixth of the schedule's work.
     */
    private final int[] termShapes;
    private final int[] termConstants;
    /** The schedule of each of the two vectors, LANES ints per word; constant words filled in once. */
    private final int[] scheduleA = new int[Sha256.ROUNDS * LANES];
    private final int[] scheduleB = new int[Sha256.ROUNDS * LANES];
    /**
     * {@code W[t] + K[t]} for {@link Kernel#REGISTERS}, LANES ints per word: the words that do not depend on the
     * nonce filled in once, the others after each schedule.
     */
    private final int[] wkA = new int[Sha256.ROUNDS * LANES];
    /**
     * The working variables a..h at the start of round k+1 for {@link Kernel#REGISTERS}: b, c, d, f, g, h are
     * constants of the job, written once; a and e are written per vector of nonces.
     */
    private final int[] roundOne = new int[8 * LANES];
    /** The working variables a..h between two blocks of {@link Kernel#REGISTERS}. */
    private final int[] registers = new int[8 * LANES];
    /**
     * Where {@link #firstHashWords} leaves its results. That method is too big for the JIT to inline, and a
     * vector returned from a call that is not inlined is boxed: one allocation per step.
     */
    private final int[] headsA = new int[LANES];
    private final int[] headsB = new int[LANES];
    /** Written only by the scanning thread, once per batch; volatile so a reporter thread sees progress. */
    private volatile long hashes;

    private VectorNonceScanner(byte[] data, int tail) {
        this.data = data;
        int[] midstate = Sha256.midstate(data);
        h0 = midstate[0];
        k = tail / 4;
        shift = tail % 4;

        byte[] last = new byte[Sha256.BLOCK_BYTES];
        System.arraycopy(data, data.length - tail, last, 0, tail);
        last[tail + ProofOfWork.NONCE_LENGTH] = (byte) 0x80;
        long bits = ((long) data.length + ProofOfWork.NONCE_LENGTH) * 8;
        for (int i = 0; i < Sha256.LENGTH_BYTES; i++) {
            last[Sha256.BLOCK_BYTES - 1 - i] = (byte) (bits >>> (8 * i));
        }
        int[] block = new int[Sha256.BLOCK_WORDS];
        for (int i = 0; i < block.length; i++) {
            block[i] = Sha256.bigEndianInt(last, 4 * i);
        }
        wordK = block[k];
        wordK1 = shift == 0 ? 0 : block[k + 1];

        // Which schedule words depend on the nonce; the others are the same for every nonce of the job.
        boolean[] variable = new boolean[Sha256.ROUNDS];
        variable[k] = true;
        variable[k + 1] = shift != 0;
        int count = 0;
        for (int t = Sha256.BLOCK_WORDS; t < Sha256.ROUNDS; t++) {
            variable[t] = variable[t - 2] || variable[t - 7] || variable[t - 15] || variable[t - 16];
            count += variable[t] ? 1 : 0;
        }
        variableWords = new int[count];
        termShapes = new int[count];
        termConstants = new int[count];
        int[] constant = Sha256.schedule(block); // right wherever the word does not depend on the nonce
        for (int t = 0, j = 0; t < Sha256.ROUNDS; t++) {
            if (variable[t] && t >= Sha256.BLOCK_WORDS) {
                int shape = (variable[t - 2] ? TERM_S1 : 0) | (variable[t - 7] ? TERM_W7 : 0)
                        | (variable[t - 15] ? TERM_S0 : 0) | (variable[t - 16] ? TERM_W16 : 0);
                termShapes[j] = SPECIALISE ? shape : -1; // -1: the whole formula, for the before-and-after bench
                termConstants[j] = ((shape & TERM_S1) != 0 ? 0 : Sha256.smallSigma1(constant[t - 2]))
                        + ((shape & TERM_W7) != 0 ? 0 : constant[t - 7])
                        + ((shape & TERM_S0) != 0 ? 0 : Sha256.smallSigma0(constant[t - 15]))
                        + ((shape & TERM_W16) != 0 ? 0 : constant[t - 16]);
                variableWords[j++] = t;
            } else if (!variable[t]) {
                for (int lane = 0; lane < LANES; lane++) {
                    scheduleA[t * LANES + lane] = constant[t];
                    scheduleB[t * LANES + lane] = constant[t];
                    wkA[t * LANES + lane] = constant[t] + Sha256.K[t];
                }
            }
        }

        int[] v = midstate.clone();
        for (int t = 0; t < k; t++) {
            Sha256.round(v, t, constant[t]);
        }
        Sha256.round(v, k, 0); // round k with W[k] = 0: a and e lack W[k], everything else is final
        aBase = v[0];
        eBase = v[4];
        for (int back = 1; back <= 3; back++) {
            for (int lane = 0; lane < LANES; lane++) {
                int at = slot(k + 1 - back) + lane;
                aA[at] = v[back];
                aB[at] = v[back];
                eA[at] = v[4 + back];
                eB[at] = v[4 + back];
                roundOne[back * LANES + lane] = v[back];
                roundOne[(4 + back) * LANES + lane] = v[4 + back];
            }
        }
    }

    /**
     * The species for {@code bits} ({@code --vector-bits}), or the preferred one for 0. A static final, read once:
     * the Vector API compiles to vector instructions only when the JIT sees the species as a constant.
     */
    private static VectorSpecies<Integer> species(int bits) {
        return switch (bits) {
            case 128 -> IntVector.SPECIES_128;
            case 256 -> IntVector.SPECIES_256;
            case 512 -> IntVector.SPECIES_512;
            default -> IntVector.SPECIES_PREFERRED.length() > 16 ? IntVector.SPECIES_512 : IntVector.SPECIES_PREFERRED;
        };
    }

    /** How long the start-up calibration runs. */
    private static final java.time.Duration CALIBRATION = java.time.Duration.ofMillis(1500);
    /**
     * The system property that fixes the kernel ({@code one-stream}, {@code two-streams} or {@code registers}, see
     * {@link Kernel}) and skips the calibration.
     */
    public static final String KERNEL_PROPERTY = "minepool.vector.kernel";
    /**
     * Nonces per timed turn of the calibration: well under a millisecond once compiled, so that the turns before
     * the JIT has compiled the loop (a hundred times slower) do not eat the whole budget.
     */
    private static final int CALIBRATION_NONCES = 1 << 12;
    /** Below this the engine is surely not compiled yet (compiled, it does several MH/s even on old CPUs). */
    private static final double COMPILED_AT_LEAST = 1.0;

    /**
     * Measures every {@link Kernel} on this CPU for {@code budget} to four times that, on one thread and a
     * synthetic job, and keeps the fastest for every scanner made from now on; returns a line that says what was
     * measured. Each kernel is timed in turns, and the best time of each counts: the first turns run before the
     * JIT has compiled the loop, and a turn the scheduler interrupted is only slower, never faster. The species is
     * not calibrated: it is a constant of this class (see {@link #SPECIES}), set by {@code --vector-bits}.
     */
    public static String calibrate(java.time.Duration budget) {
        String forced = System.getProperty(KERNEL_PROPERTY);
        if (forced != null) {
            for (Kernel option : Kernel.values()) {
                if (option.id.equals(forced)) {
                    kernel = option;
                    return "vector engine: " + SPECIES.vectorBitSize() + "-bit, " + option.label + " (set by -D"
                            + KERNEL_PROPERTY + ")";
                }
            }
        }
        byte[] data = new byte[1024];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31 + 7);
        }
        VectorNonceScanner scanner = new VectorNonceScanner(data, 0);
        Kernel[] options = Kernel.values();
        long[] best = new long[options.length];
        java.util.Arrays.fill(best, Long.MAX_VALUE);
        // The best turn of each kernel counts, so the turns before the JIT has compiled it (interpreted or by C1,
        // many times slower) do not. But C2 takes seconds to compile these methods on a busy machine: the
        // calibration goes on past the budget while any kernel still gets faster (its best time fell by more than
        // a twentieth within the last half budget), up to four budgets in all.
        long started = System.nanoTime();
        long half = budget.toNanos() / 2;
        long lastGain = started;
        long first = 0;
        while (true) {
            long now = System.nanoTime();
            boolean settled = now - started >= budget.toNanos() && now - lastGain >= half;
            if (settled || now - started >= 4 * budget.toNanos()) {
                break;
            }
            for (Kernel option : options) {
                kernel = option;
                long start = System.nanoTime();
                scanner.scan(new NonceRange(first, first + CALIBRATION_NONCES), 255, () -> false);
                long took = System.nanoTime() - start;
                if (took < best[option.ordinal()] - best[option.ordinal()] / 20) {
                    lastGain = System.nanoTime();
                }
                best[option.ordinal()] = Math.min(best[option.ordinal()], took);
                first = (first + CALIBRATION_NONCES) % (1L << 31);
            }
        }
        double[] rates = new double[options.length];
        Kernel fastest = Kernel.TWO_STREAMS;
        for (Kernel option : options) {
            rates[option.ordinal()] = CALIBRATION_NONCES * 1e3 / best[option.ordinal()];
            if (rates[option.ordinal()] > rates[fastest.ordinal()]) {
                fastest = option;
            }
        }
        StringBuilder measured = new StringBuilder();
        for (Kernel option : options) {
            measured.append(measured.length() == 0 ? "" : ", ").append(option.label).append(String.format(
                    java.util.Locale.ROOT, " %.1f MH/s", rates[option.ordinal()]));
        }
        if (rates[fastest.ordinal()] < COMPILED_AT_LEAST) {
            // Still interpreted (a busy machine gives the JIT little CPU): the comparison means nothing.
            kernel = Kernel.TWO_STREAMS;
            return "vector engine: " + SPECIES.vectorBitSize() + "-bit, " + kernel.label + " (the calibration saw only "
                    + measured + ", the JIT had not compiled the engine yet; kept the default)";
        }
        kernel = fastest;
        String wider = SPECIES.vectorBitSize() <= preferredBits() ? "" : "; wider than this CPU's "
                + preferredBits() + "-bit vectors, so emulated and slow";
        return "vector engine: " + SPECIES.vectorBitSize() + "-bit, " + kernel.label + " (calibrated on one thread: "
                + measured + ")" + wider;
    }

    /** The kernel in use now. */
    static Kernel kernel() {
        return kernel;
    }

    /** Uses {@code choice} from now on: for tests of each kernel. */
    static void useKernel(Kernel choice) {
        kernel = java.util.Objects.requireNonNull(choice);
    }

    /** The widest vector this CPU and JVM compile to, in bits. */
    public static int preferredBits() {
        return IntVector.SPECIES_PREFERRED.vectorBitSize();
    }

    /** A scanner for {@code data}: this one, or the digest scanner for a tail that needs two blocks. */
    public static NonceScanner of(byte[] data) {
        int tail = data.length % Sha256.BLOCK_BYTES;
        return tail <= MAX_ONE_BLOCK_TAIL ? new VectorNonceScanner(data, tail) : new DigestNonceScanner(data);
    }

    /** The number of 32-bit lanes per vector on this machine. */
    public static int lanes() {
        return LANES;
    }

    @Override
    public long scan(NonceRange range, int zeroBits, BooleanSupplier stop) {
        int headMask = zeroBits >= 32 ? -1 : zeroBits == 0 ? 0 : -1 << (32 - zeroBits);
        long n = range.first();
        long end = range.end();
        long done = hashes;
        while (n < end) {
            if (stop.getAsBoolean()) {
                return STOPPED;
            }
            long batchStart = n;
            long batchEnd = Math.min(end, n + STOP_CHECK_INTERVAL);
            Kernel now = kernel;
            if (now == Kernel.TWO_STREAMS) {
                for (; n < batchEnd; n += 2 * LANES) {
                    firstHashWords((int) n);
                    IntVector headA = IntVector.fromArray(SPECIES, headsA, 0);
                    IntVector headB = IntVector.fromArray(SPECIES, headsB, 0);
                    VectorMask<Integer> hitA = headA.and(headMask).compare(VectorOperators.EQ, 0);
                    VectorMask<Integer> hitB = headB.and(headMask).compare(VectorOperators.EQ, 0);
                    if (hitA.or(hitB).anyTrue()) {
                        long hit = firstHit(n, hitA.toLong() | (hitB.toLong() << LANES), end, zeroBits);
                        if (hit >= 0) {
                            hashes = done + (hit + 1 - batchStart);
                            return hit;
                        }
                    }
                }
            } else {
                boolean inRegisters = now == Kernel.REGISTERS;
                for (; n < batchEnd; n += LANES) {
                    if (inRegisters) {
                        firstHashWordsInRegisters((int) n, scheduleA, wkA, roundOne, registers, headsA);
                    } else {
                        firstHashWordsOneStream((int) n);
                    }
                    VectorMask<Integer> hitA = IntVector.fromArray(SPECIES, headsA, 0).and(headMask)
                            .compare(VectorOperators.EQ, 0);
                    if (hitA.anyTrue()) {
                        long hit = firstHit(n, hitA.toLong(), end, zeroBits);
                        if (hit >= 0) {
                            hashes = done + (hit + 1 - batchStart);
                            return hit;
                        }
                    }
                }
            }
            n = batchEnd; // the last step may have gone past the end of the range
            done += batchEnd - batchStart;
            hashes = done;
        }
        return NOT_FOUND;
    }

    /**
     * The lowest nonce in {@code bits} (bit i: nonce {@code base + i}) that is inside the range and really has
     * the zero bits, or -1. Past 32 zero bits the first hash word only makes a candidate.
     */
    private long firstHit(long base, long bits, long end, int zeroBits) {
        for (long rest = bits; rest != 0; rest &= rest - 1) {
            long nonce = base + Long.numberOfTrailingZeros(rest);
            if (nonce >= end) {
                return -1;
            }
            if (zeroBits <= 32 || verify(nonce, zeroBits)) {
                return nonce;
            }
        }
        return -1;
    }

    private boolean verify(long nonce, int zeroBits) {
        return ProofOfWork.verify(data, nonce, zeroBits);
    }

    /**
     * The first word of {@code SHA-256(data || nonce)} for the nonces {@code base .. base + STEP - 1} (as
     * ints: they wrap past 2^32, where the caller ignores them), into {@link #headsA} and {@link #headsB}.
     */
    private void firstHashWords(int base) {
        IntVector nonceA = IntVector.zero(SPECIES).addIndex(1).add(base);
        IntVector nonceB = nonceA.add(LANES);
        int[] wA = scheduleA;
        int[] wB = scheduleB;
        IntVector kA;
        IntVector kB;
        if (shift == 0) {
            kA = nonceA;
            kB = nonceB;
        } else {
            int right = 8 * shift;
            kA = nonceA.lanewise(VectorOperators.LSHR, right).or(wordK);
            kB = nonceB.lanewise(VectorOperators.LSHR, right).or(wordK);
            nonceA.lanewise(VectorOperators.LSHL, 32 - right).or(wordK1).intoArray(wA, (k + 1) * LANES);
            nonceB.lanewise(VectorOperators.LSHL, 32 - right).or(wordK1).intoArray(wB, (k + 1) * LANES);
        }
        kA.intoArray(wA, k * LANES);
        kB.intoArray(wB, k * LANES);

        schedule(wA, wB);
        int first = (k + 4) * LANES; // slot(k + 1), written out: see schedule
        kA.add(aBase).intoArray(aA, first);
        kB.add(aBase).intoArray(aB, first);
        kA.add(eBase).intoArray(eA, first);
        kB.add(eBase).intoArray(eB, first);
        rounds(wA, wB);
    }

    /** {@link #firstHashWords} for one vector of nonces, into {@link #headsA}: the engine without interleaving. */
    private void firstHashWordsOneStream(int base) {
        IntVector nonce = IntVector.zero(SPECIES).addIndex(1).add(base);
        int[] w = scheduleA;
        IntVector wk;
        if (shift == 0) {
            wk = nonce;
        } else {
            int right = 8 * shift;
            wk = nonce.lanewise(VectorOperators.LSHR, right).or(wordK);
            nonce.lanewise(VectorOperators.LSHL, 32 - right).or(wordK1).intoArray(w, (k + 1) * LANES);
        }
        wk.intoArray(w, k * LANES);
        schedule(w);
        int first = (k + 4) * LANES; // slot(k + 1), written out: see schedule
        wk.add(aBase).intoArray(aA, first);
        wk.add(eBase).intoArray(eA, first);
        roundsOneStream(w);
    }

    /** {@link #firstHashWords} for one vector of nonces, into {@link #headsA}, by {@link Kernel#REGISTERS}. */
    private void firstHashWordsInRegisters(int base, int[] w, int[] wk, int[] from, int[] state, int[] heads) {
        prepareInRegisters(base, w, wk, from);
        // Rounds k+1..63: at least 51 of them, so the first block always runs.
        block(from, state, wk, k + 1);
        int t = k + 1 + BLOCK_ROUNDS;
        for (; t + BLOCK_ROUNDS <= Sha256.ROUNDS; t += BLOCK_ROUNDS) {
            block(state, state, wk, t);
        }
        for (; t < Sha256.ROUNDS; t++) {
            round(state, wk, t);
        }
        IntVector.fromArray(SPECIES, state, 0).add(h0).intoArray(heads, 0);
    }

    /** The schedule, W + K and the a and e of round k+1 of one vector, for {@link Kernel#REGISTERS}. */
    private void prepareInRegisters(int base, int[] w, int[] wk, int[] from) {
        IntVector nonce = IntVector.zero(SPECIES).addIndex(1).add(base);
        IntVector wordAtK;
        if (shift == 0) {
            wordAtK = nonce;
        } else {
            int right = 8 * shift;
            wordAtK = nonce.lanewise(VectorOperators.LSHR, right).or(wordK);
            IntVector next = nonce.lanewise(VectorOperators.LSHL, 32 - right).or(wordK1);
            next.intoArray(w, (k + 1) * LANES);
            next.add(Sha256.K[k + 1]).intoArray(wk, (k + 1) * LANES);
        }
        wordAtK.intoArray(w, k * LANES);
        schedule(w);
        plusK(w, wk);
        wordAtK.add(aBase).intoArray(from, 0);
        wordAtK.add(eBase).intoArray(from, 4 * LANES);
    }

    /** W + K into {@code wk} for the schedule words 16..63 that depend on the nonce. */
    private void plusK(int[] w, int[] wk) {
        int[] words = variableWords;
        for (int i = 0; i < words.length; i++) {
            int at = words[i] * LANES;
            IntVector.fromArray(SPECIES, w, at).add(IntVector.fromArray(SPECIES, K_LANES, at)).intoArray(wk, at);
        }
    }

    /**
     * Rounds t..t+6 of one vector, the working variables in registers: a..h read from {@code from} ({@code
     * LANES} ints each, in that order) and written to {@code to}; W[t] + K[t] read from {@code wk}. Written out,
     * 7 copies of one round (made by a script): a loop would carry vectors from one iteration to the next,
     * which C2 (JDK 17) boxes. Round r makes a<i>r</i> and e<i>r</i>; the b, c, d of a round are the a of the
     * three before, f, g, h likewise. {@code Maj(a, b, c) = b ^ ((a ^ b) & (b ^ c))}, and the {@code b ^ c}
     * of a round is the {@code a ^ b} (x<i>r</i>) of the one before: three operations instead of four.
     */
    private static void block(int[] from, int[] to, int[] wk, int t) {
        IntVector a = IntVector.fromArray(SPECIES, from, 0);
        IntVector b = IntVector.fromArray(SPECIES, from, LANES);
        IntVector c = IntVector.fromArray(SPECIES, from, 2 * LANES);
        IntVector d = IntVector.fromArray(SPECIES, from, 3 * LANES);
        IntVector e = IntVector.fromArray(SPECIES, from, 4 * LANES);
        IntVector f = IntVector.fromArray(SPECIES, from, 5 * LANES);
        IntVector g = IntVector.fromArray(SPECIES, from, 6 * LANES);
        IntVector h = IntVector.fromArray(SPECIES, from, 7 * LANES);
        IntVector bc = b.lanewise(XOR, c);
        IntVector t1;
        IntVector t2;
        // round t + 0
        t1 = h.add(IntVector.fromArray(SPECIES, wk, t * LANES))
                .add(g.lanewise(XOR, e.and(f.lanewise(XOR, g))))
                .add(e.lanewise(ROR, 6).lanewise(XOR, e.lanewise(ROR, 11)).lanewise(XOR, e.lanewise(ROR, 25)));
        IntVector x0 = a.lanewise(XOR, b);
        t2 = a.lanewise(ROR, 2).lanewise(XOR, a.lanewise(ROR, 13)).lanewise(XOR, a.lanewise(ROR, 22))
                .add(b.lanewise(XOR, x0.and(bc)));
        IntVector e1 = d.add(t1);
        IntVector a1 = t1.add(t2);
        // round t + 1
        t1 = g.add(IntVector.fromArray(SPECIES, wk, (t + 1) * LANES))
                .add(f.lanewise(XOR, e1.and(e.lanewise(XOR, f))))
                .add(e1.lanewise(ROR, 6).lanewise(XOR, e1.lanewise(ROR, 11)).lanewise(XOR, e1.lanewise(ROR, 25)));
        IntVector x1 = a1.lanewise(XOR, a);
        t2 = a1.lanewise(ROR, 2).lanewise(XOR, a1.lanewise(ROR, 13)).lanewise(XOR, a1.lanewise(ROR, 22))
                .add(a.lanewise(XOR, x1.and(x0)));
        IntVector e2 = c.add(t1);
        IntVector a2 = t1.add(t2);
        // round t + 2
        t1 = f.add(IntVector.fromArray(SPECIES, wk, (t + 2) * LANES))
                .add(e.lanewise(XOR, e2.and(e1.lanewise(XOR, e))))
                .add(e2.lanewise(ROR, 6).lanewise(XOR, e2.lanewise(ROR, 11)).lanewise(XOR, e2.lanewise(ROR, 25)));
        IntVector x2 = a2.lanewise(XOR, a1);
        t2 = a2.lanewise(ROR, 2).lanewise(XOR, a2.lanewise(ROR, 13)).lanewise(XOR, a2.lanewise(ROR, 22))
                .add(a1.lanewise(XOR, x2.and(x1)));
        IntVector e3 = b.add(t1);
        IntVector a3 = t1.add(t2);
        // round t + 3
        t1 = e.add(IntVector.fromArray(SPECIES, wk, (t + 3) * LANES))
                .add(e1.lanewise(XOR, e3.and(e2.lanewise(XOR, e1))))
                .add(e3.lanewise(ROR, 6).lanewise(XOR, e3.lanewise(ROR, 11)).lanewise(XOR, e3.lanewise(ROR, 25)));
        IntVector x3 = a3.lanewise(XOR, a2);
        t2 = a3.lanewise(ROR, 2).lanewise(XOR, a3.lanewise(ROR, 13)).lanewise(XOR, a3.lanewise(ROR, 22))
                .add(a2.lanewise(XOR, x3.and(x2)));
        IntVector e4 = a.add(t1);
        IntVector a4 = t1.add(t2);
        // round t + 4
        t1 = e1.add(IntVector.fromArray(SPECIES, wk, (t + 4) * LANES))
                .add(e2.lanewise(XOR, e4.and(e3.lanewise(XOR, e2))))
                .add(e4.lanewise(ROR, 6).lanewise(XOR, e4.lanewise(ROR, 11)).lanewise(XOR, e4.lanewise(ROR, 25)));
        IntVector x4 = a4.lanewise(XOR, a3);
        t2 = a4.lanewise(ROR, 2).lanewise(XOR, a4.lanewise(ROR, 13)).lanewise(XOR, a4.lanewise(ROR, 22))
                .add(a3.lanewise(XOR, x4.and(x3)));
        IntVector e5 = a1.add(t1);
        IntVector a5 = t1.add(t2);
        // round t + 5
        t1 = e2.add(IntVector.fromArray(SPECIES, wk, (t + 5) * LANES))
                .add(e3.lanewise(XOR, e5.and(e4.lanewise(XOR, e3))))
                .add(e5.lanewise(ROR, 6).lanewise(XOR, e5.lanewise(ROR, 11)).lanewise(XOR, e5.lanewise(ROR, 25)));
        IntVector x5 = a5.lanewise(XOR, a4);
        t2 = a5.lanewise(ROR, 2).lanewise(XOR, a5.lanewise(ROR, 13)).lanewise(XOR, a5.lanewise(ROR, 22))
                .add(a4.lanewise(XOR, x5.and(x4)));
        IntVector e6 = a2.add(t1);
        IntVector a6 = t1.add(t2);
        // round t + 6
        t1 = e3.add(IntVector.fromArray(SPECIES, wk, (t + 6) * LANES))
                .add(e4.lanewise(XOR, e6.and(e5.lanewise(XOR, e4))))
                .add(e6.lanewise(ROR, 6).lanewise(XOR, e6.lanewise(ROR, 11)).lanewise(XOR, e6.lanewise(ROR, 25)));
        IntVector x6 = a6.lanewise(XOR, a5);
        t2 = a6.lanewise(ROR, 2).lanewise(XOR, a6.lanewise(ROR, 13)).lanewise(XOR, a6.lanewise(ROR, 22))
                .add(a5.lanewise(XOR, x6.and(x5)));
        IntVector e7 = a3.add(t1);
        IntVector a7 = t1.add(t2);
        a7.intoArray(to, 0);
        a6.intoArray(to, LANES);
        a5.intoArray(to, 2 * LANES);
        a4.intoArray(to, 3 * LANES);
        e7.intoArray(to, 4 * LANES);
        e6.intoArray(to, 5 * LANES);
        e5.intoArray(to, 6 * LANES);
        e4.intoArray(to, 7 * LANES);
    }



    /**
     * One round in {@code state} (a..h, LANES ints each), for the rounds after the last whole {@link #block}: when
     * k+1..63 is not a multiple of {@link #BLOCK_ROUNDS} rounds, which happens only for data lengths that are not
     * a multiple of 64.
     */
    private static void round(int[] state, int[] wk, int t) {
        IntVector a = IntVector.fromArray(SPECIES, state, 0);
        IntVector b = IntVector.fromArray(SPECIES, state, LANES);
        IntVector c = IntVector.fromArray(SPECIES, state, 2 * LANES);
        IntVector d = IntVector.fromArray(SPECIES, state, 3 * LANES);
        IntVector e = IntVector.fromArray(SPECIES, state, 4 * LANES);
        IntVector f = IntVector.fromArray(SPECIES, state, 5 * LANES);
        IntVector g = IntVector.fromArray(SPECIES, state, 6 * LANES);
        IntVector h = IntVector.fromArray(SPECIES, state, 7 * LANES);
        IntVector t1 = h.add(IntVector.fromArray(SPECIES, wk, t * LANES))
                .add(g.lanewise(XOR, e.and(f.lanewise(XOR, g))))
                .add(e.lanewise(ROR, 6).lanewise(XOR, e.lanewise(ROR, 11)).lanewise(XOR, e.lanewise(ROR, 25)));
        IntVector t2 = a.lanewise(ROR, 2).lanewise(XOR, a.lanewise(ROR, 13)).lanewise(XOR, a.lanewise(ROR, 22))
                .add(a.and(b).or(c.and(a.or(b))));
        t1.add(t2).intoArray(state, 0);
        a.intoArray(state, LANES);
        b.intoArray(state, 2 * LANES);
        c.intoArray(state, 3 * LANES);
        d.add(t1).intoArray(state, 4 * LANES);
        e.intoArray(state, 5 * LANES);
        f.intoArray(state, 6 * LANES);
        g.intoArray(state, 7 * LANES);
    }

    /** {@link #rounds} for one vector. */
    private void roundsOneStream(int[] w) {
        for (int t = k + 1; t < Sha256.ROUNDS; t++) {
            int now = (t + 3) * LANES; // slot(t), written out: see schedule
            IntVector a = IntVector.fromArray(SPECIES, aA, now);
            IntVector e = IntVector.fromArray(SPECIES, eA, now);
            IntVector f = IntVector.fromArray(SPECIES, eA, now - LANES);
            IntVector g = IntVector.fromArray(SPECIES, eA, now - 2 * LANES);
            IntVector t1 = IntVector.fromArray(SPECIES, eA, now - 3 * LANES)
                    .add(e.lanewise(ROR, 6).lanewise(XOR, e.lanewise(ROR, 11)).lanewise(XOR, e.lanewise(ROR, 25)))
                    .add(g.lanewise(XOR, e.and(f.lanewise(XOR, g))))
                    .add(IntVector.fromArray(SPECIES, w, t * LANES).add(Sha256.K[t]));
            IntVector b = IntVector.fromArray(SPECIES, aA, now - LANES);
            IntVector c = IntVector.fromArray(SPECIES, aA, now - 2 * LANES);
            IntVector t2 = a.lanewise(ROR, 2).lanewise(XOR, a.lanewise(ROR, 13)).lanewise(XOR, a.lanewise(ROR, 22))
                    .add(a.and(b).or(c.and(a.or(b))));
            IntVector.fromArray(SPECIES, aA, now - 3 * LANES).add(t1).intoArray(eA, now + LANES);
            t1.add(t2).intoArray(aA, now + LANES);
        }
        int last = (Sha256.ROUNDS + 3) * LANES; // slot(64): the a after the last round
        IntVector.fromArray(SPECIES, aA, last).add(h0).intoArray(headsA, 0);
    }

    /**
     * The schedule words that depend on the nonce, for one vector.
     *
     * <p>Here and in {@link #rounds} the SHA-256 functions are written out rather than called: C2 stops
     * inlining a method's calls once its graph is big enough, and a vector helper left out of line boxes its
     * vectors, an allocation per call that made the whole engine ten times slower. The Vector API's own methods
     * are force-inlined, so code with no calls of its own is safe.
     */
    private void schedule(int[] w) {
        int[] words = variableWords;
        for (int i = 0; i < words.length; i++) {
            int t = words[i];
            int c = termConstants[i];
            // Each case computes and stores its word whole: no vector value leaves a branch, which C2 would
            // have to merge (and, in JDK 17, might box).
            switch (termShapes[i]) {
                case TERMS_ALL -> {
                    IntVector x2 = IntVector.fromArray(SPECIES, w, (t - 2) * LANES);
                    IntVector x15 = IntVector.fromArray(SPECIES, w, (t - 15) * LANES);
                    IntVector sigma1 = x2.lanewise(ROR, 17).lanewise(XOR, x2.lanewise(ROR, 19))
                            .lanewise(XOR, x2.lanewise(LSHR, 10));
                    IntVector sigma0 = x15.lanewise(ROR, 7).lanewise(XOR, x15.lanewise(ROR, 18))
                            .lanewise(XOR, x15.lanewise(LSHR, 3));
                    sigma1.add(IntVector.fromArray(SPECIES, w, (t - 7) * LANES)).add(sigma0)
                            .add(IntVector.fromArray(SPECIES, w, (t - 16) * LANES)).intoArray(w, t * LANES);
                }
                case TERM_S1 -> {
                    IntVector x2 = IntVector.fromArray(SPECIES, w, (t - 2) * LANES);
                    x2.lanewise(ROR, 17).lanewise(XOR, x2.lanewise(ROR, 19)).lanewise(XOR, x2.lanewise(LSHR, 10))
                            .add(c).intoArray(w, t * LANES);
                }
                case TERMS_S1_W7 -> {
                    IntVector x2 = IntVector.fromArray(SPECIES, w, (t - 2) * LANES);
                    x2.lanewise(ROR, 17).lanewise(XOR, x2.lanewise(ROR, 19)).lanewise(XOR, x2.lanewise(LSHR, 10))
                            .add(IntVector.fromArray(SPECIES, w, (t - 7) * LANES)).add(c).intoArray(w, t * LANES);
                }
                case TERMS_S1_W7_S0 -> {
                    IntVector x2 = IntVector.fromArray(SPECIES, w, (t - 2) * LANES);
                    IntVector x15 = IntVector.fromArray(SPECIES, w, (t - 15) * LANES);
                    IntVector sigma1 = x2.lanewise(ROR, 17).lanewise(XOR, x2.lanewise(ROR, 19))
                            .lanewise(XOR, x2.lanewise(LSHR, 10));
                    IntVector sigma0 = x15.lanewise(ROR, 7).lanewise(XOR, x15.lanewise(ROR, 18))
                            .lanewise(XOR, x15.lanewise(LSHR, 3));
                    sigma1.add(IntVector.fromArray(SPECIES, w, (t - 7) * LANES)).add(sigma0).add(c)
                            .intoArray(w, t * LANES);
                }
                case TERMS_S1_W7_W16 -> {
                    IntVector x2 = IntVector.fromArray(SPECIES, w, (t - 2) * LANES);
                    x2.lanewise(ROR, 17).lanewise(XOR, x2.lanewise(ROR, 19)).lanewise(XOR, x2.lanewise(LSHR, 10))
                            .add(IntVector.fromArray(SPECIES, w, (t - 7) * LANES))
                            .add(IntVector.fromArray(SPECIES, w, (t - 16) * LANES)).add(c).intoArray(w, t * LANES);
                }
                case TERM_W7 -> IntVector.fromArray(SPECIES, w, (t - 7) * LANES).add(c).intoArray(w, t * LANES);
                case TERM_W16 -> IntVector.fromArray(SPECIES, w, (t - 16) * LANES).add(c).intoArray(w, t * LANES);
                default -> {
                    // Another layout (a data length that is not a multiple of 64): the whole formula, which is
                    // right for any word, since the constant words are in the schedule too.
                    IntVector x2 = IntVector.fromArray(SPECIES, w, (t - 2) * LANES);
                    IntVector x15 = IntVector.fromArray(SPECIES, w, (t - 15) * LANES);
                    IntVector sigma1 = x2.lanewise(ROR, 17).lanewise(XOR, x2.lanewise(ROR, 19))
                            .lanewise(XOR, x2.lanewise(LSHR, 10));
                    IntVector sigma0 = x15.lanewise(ROR, 7).lanewise(XOR, x15.lanewise(ROR, 18))
                            .lanewise(XOR, x15.lanewise(LSHR, 3));
                    sigma1.add(IntVector.fromArray(SPECIES, w, (t - 7) * LANES)).add(sigma0)
                            .add(IntVector.fromArray(SPECIES, w, (t - 16) * LANES)).intoArray(w, t * LANES);
                }
            }
        }
    }

    /**
     * {@link #schedule} for two vectors at once, word by word: the words of one vector depend on each other
     * through memory (W[t] on W[t-2], stored two words before), so the other vector's words fill that latency,
     * and one switch serves both.
     */
    private void schedule(int[] wA, int[] wB) {
        int[] words = variableWords;
        for (int i = 0; i < words.length; i++) {
            int t = words[i];
            int c = termConstants[i];
            // Each case computes and stores its word whole: no vector value leaves a branch, which C2 would
            // have to merge (and, in JDK 17, might box).
            switch (termShapes[i]) {
                case TERMS_ALL -> {
                    IntVector x2A = IntVector.fromArray(SPECIES, wA, (t - 2) * LANES);
                    IntVector x15A = IntVector.fromArray(SPECIES, wA, (t - 15) * LANES);
                    IntVector sigma1A = x2A.lanewise(ROR, 17).lanewise(XOR, x2A.lanewise(ROR, 19))
                            .lanewise(XOR, x2A.lanewise(LSHR, 10));
                    IntVector sigma0A = x15A.lanewise(ROR, 7).lanewise(XOR, x15A.lanewise(ROR, 18))
                            .lanewise(XOR, x15A.lanewise(LSHR, 3));
                    sigma1A.add(IntVector.fromArray(SPECIES, wA, (t - 7) * LANES)).add(sigma0A)
                            .add(IntVector.fromArray(SPECIES, wA, (t - 16) * LANES)).intoArray(wA, t * LANES);
                    IntVector x2B = IntVector.fromArray(SPECIES, wB, (t - 2) * LANES);
                    IntVector x15B = IntVector.fromArray(SPECIES, wB, (t - 15) * LANES);
                    IntVector sigma1B = x2B.lanewise(ROR, 17).lanewise(XOR, x2B.lanewise(ROR, 19))
                            .lanewise(XOR, x2B.lanewise(LSHR, 10));
                    IntVector sigma0B = x15B.lanewise(ROR, 7).lanewise(XOR, x15B.lanewise(ROR, 18))
                            .lanewise(XOR, x15B.lanewise(LSHR, 3));
                    sigma1B.add(IntVector.fromArray(SPECIES, wB, (t - 7) * LANES)).add(sigma0B)
                            .add(IntVector.fromArray(SPECIES, wB, (t - 16) * LANES)).intoArray(wB, t * LANES);
                }
                case TERM_S1 -> {
                    IntVector x2A = IntVector.fromArray(SPECIES, wA, (t - 2) * LANES);
                    x2A.lanewise(ROR, 17).lanewise(XOR, x2A.lanewise(ROR, 19)).lanewise(XOR, x2A.lanewise(LSHR, 10))
                            .add(c).intoArray(wA, t * LANES);
                    IntVector x2B = IntVector.fromArray(SPECIES, wB, (t - 2) * LANES);
                    x2B.lanewise(ROR, 17).lanewise(XOR, x2B.lanewise(ROR, 19)).lanewise(XOR, x2B.lanewise(LSHR, 10))
                            .add(c).intoArray(wB, t * LANES);
                }
                case TERMS_S1_W7 -> {
                    IntVector x2A = IntVector.fromArray(SPECIES, wA, (t - 2) * LANES);
                    x2A.lanewise(ROR, 17).lanewise(XOR, x2A.lanewise(ROR, 19)).lanewise(XOR, x2A.lanewise(LSHR, 10))
                            .add(IntVector.fromArray(SPECIES, wA, (t - 7) * LANES)).add(c).intoArray(wA, t * LANES);
                    IntVector x2B = IntVector.fromArray(SPECIES, wB, (t - 2) * LANES);
                    x2B.lanewise(ROR, 17).lanewise(XOR, x2B.lanewise(ROR, 19)).lanewise(XOR, x2B.lanewise(LSHR, 10))
                            .add(IntVector.fromArray(SPECIES, wB, (t - 7) * LANES)).add(c).intoArray(wB, t * LANES);
                }
                case TERMS_S1_W7_S0 -> {
                    IntVector x2A = IntVector.fromArray(SPECIES, wA, (t - 2) * LANES);
                    IntVector x15A = IntVector.fromArray(SPECIES, wA, (t - 15) * LANES);
                    IntVector sigma1A = x2A.lanewise(ROR, 17).lanewise(XOR, x2A.lanewise(ROR, 19))
                            .lanewise(XOR, x2A.lanewise(LSHR, 10));
                    IntVector sigma0A = x15A.lanewise(ROR, 7).lanewise(XOR, x15A.lanewise(ROR, 18))
                            .lanewise(XOR, x15A.lanewise(LSHR, 3));
                    sigma1A.add(IntVector.fromArray(SPECIES, wA, (t - 7) * LANES)).add(sigma0A).add(c)
                            .intoArray(wA, t * LANES);
                    IntVector x2B = IntVector.fromArray(SPECIES, wB, (t - 2) * LANES);
                    IntVector x15B = IntVector.fromArray(SPECIES, wB, (t - 15) * LANES);
                    IntVector sigma1B = x2B.lanewise(ROR, 17).lanewise(XOR, x2B.lanewise(ROR, 19))
                            .lanewise(XOR, x2B.lanewise(LSHR, 10));
                    IntVector sigma0B = x15B.lanewise(ROR, 7).lanewise(XOR, x15B.lanewise(ROR, 18))
                            .lanewise(XOR, x15B.lanewise(LSHR, 3));
                    sigma1B.add(IntVector.fromArray(SPECIES, wB, (t - 7) * LANES)).add(sigma0B).add(c)
                            .intoArray(wB, t * LANES);
                }
                case TERMS_S1_W7_W16 -> {
                    IntVector x2A = IntVector.fromArray(SPECIES, wA, (t - 2) * LANES);
                    x2A.lanewise(ROR, 17).lanewise(XOR, x2A.lanewise(ROR, 19)).lanewise(XOR, x2A.lanewise(LSHR, 10))
                            .add(IntVector.fromArray(SPECIES, wA, (t - 7) * LANES))
                            .add(IntVector.fromArray(SPECIES, wA, (t - 16) * LANES)).add(c).intoArray(wA, t * LANES);
                    IntVector x2B = IntVector.fromArray(SPECIES, wB, (t - 2) * LANES);
                    x2B.lanewise(ROR, 17).lanewise(XOR, x2B.lanewise(ROR, 19)).lanewise(XOR, x2B.lanewise(LSHR, 10))
                            .add(IntVector.fromArray(SPECIES, wB, (t - 7) * LANES))
                            .add(IntVector.fromArray(SPECIES, wB, (t - 16) * LANES)).add(c).intoArray(wB, t * LANES);
                }
                case TERM_W7 -> {
                    IntVector.fromArray(SPECIES, wA, (t - 7) * LANES).add(c).intoArray(wA, t * LANES);
                    IntVector.fromArray(SPECIES, wB, (t - 7) * LANES).add(c).intoArray(wB, t * LANES);
                }
                case TERM_W16 -> {
                    IntVector.fromArray(SPECIES, wA, (t - 16) * LANES).add(c).intoArray(wA, t * LANES);
                    IntVector.fromArray(SPECIES, wB, (t - 16) * LANES).add(c).intoArray(wB, t * LANES);
                }
                default -> {
                    // Another layout (a data length that is not a multiple of 64): the whole formula, which is
                    // right for any word, since the constant words are in the schedule too.
                    IntVector x2A = IntVector.fromArray(SPECIES, wA, (t - 2) * LANES);
                    IntVector x15A = IntVector.fromArray(SPECIES, wA, (t - 15) * LANES);
                    IntVector sigma1A = x2A.lanewise(ROR, 17).lanewise(XOR, x2A.lanewise(ROR, 19))
                            .lanewise(XOR, x2A.lanewise(LSHR, 10));
                    IntVector sigma0A = x15A.lanewise(ROR, 7).lanewise(XOR, x15A.lanewise(ROR, 18))
                            .lanewise(XOR, x15A.lanewise(LSHR, 3));
                    sigma1A.add(IntVector.fromArray(SPECIES, wA, (t - 7) * LANES)).add(sigma0A)
                            .add(IntVector.fromArray(SPECIES, wA, (t - 16) * LANES)).intoArray(wA, t * LANES);
                    IntVector x2B = IntVector.fromArray(SPECIES, wB, (t - 2) * LANES);
                    IntVector x15B = IntVector.fromArray(SPECIES, wB, (t - 15) * LANES);
                    IntVector sigma1B = x2B.lanewise(ROR, 17).lanewise(XOR, x2B.lanewise(ROR, 19))
                            .lanewise(XOR, x2B.lanewise(LSHR, 10));
                    IntVector sigma0B = x15B.lanewise(ROR, 7).lanewise(XOR, x15B.lanewise(ROR, 18))
                            .lanewise(XOR, x15B.lanewise(LSHR, 3));
                    sigma1B.add(IntVector.fromArray(SPECIES, wB, (t - 7) * LANES)).add(sigma0B)
                            .add(IntVector.fromArray(SPECIES, wB, (t - 16) * LANES)).intoArray(wB, t * LANES);
                }
            }
        }
    }

    /**
     * Rounds k+1..63 for both vectors, interleaved so that one vector's instructions fill the other's
     * latencies; the first hash words go to {@link #headsA} and {@link #headsB}.
     */
    private void rounds(int[] wA, int[] wB) {
        // Two rounds per iteration: the second takes the first's a and e from registers rather than through a
        // store and a reload, which is on the critical path; Maj(a, b, c) = b ^ ((a ^ b) & (b ^ c)), where the
        // second round's b ^ c is the first's a ^ b. Then the last round alone when k+1..63 is an odd count.
        int t = k + 1;
        for (; t + 1 < Sha256.ROUNDS; t += 2) {
            int now = (t + 3) * LANES; // slot(t), written out: see schedule
            IntVector k0 = IntVector.fromArray(SPECIES, K_LANES, t * LANES);
            IntVector k1 = IntVector.fromArray(SPECIES, K_LANES, (t + 1) * LANES);
            // vector A, round t
            IntVector a0 = IntVector.fromArray(SPECIES, aA, now);
            IntVector b0 = IntVector.fromArray(SPECIES, aA, now - LANES);
            IntVector e0 = IntVector.fromArray(SPECIES, eA, now);
            IntVector f0 = IntVector.fromArray(SPECIES, eA, now - LANES);
            IntVector g0 = IntVector.fromArray(SPECIES, eA, now - 2 * LANES);
            IntVector p0 = IntVector.fromArray(SPECIES, eA, now - 3 * LANES)
                    .add(IntVector.fromArray(SPECIES, wA, t * LANES).add(k0))
                    .add(g0.lanewise(XOR, e0.and(f0.lanewise(XOR, g0))))
                    .add(e0.lanewise(ROR, 6).lanewise(XOR, e0.lanewise(ROR, 11)).lanewise(XOR, e0.lanewise(ROR, 25)));
            IntVector x0 = a0.lanewise(XOR, b0);
            IntVector q0 = a0.lanewise(ROR, 2).lanewise(XOR, a0.lanewise(ROR, 13)).lanewise(XOR, a0.lanewise(ROR, 22))
                    .add(b0.lanewise(XOR, x0.and(b0.lanewise(XOR, IntVector.fromArray(SPECIES, aA, now - 2 * LANES)))));
            IntVector e01 = IntVector.fromArray(SPECIES, aA, now - 3 * LANES).add(p0);
            IntVector a01 = p0.add(q0);
            e01.intoArray(eA, now + LANES);
            a01.intoArray(aA, now + LANES);
            // vector B, round t
            IntVector a1 = IntVector.fromArray(SPECIES, aB, now);
            IntVector b1 = IntVector.fromArray(SPECIES, aB, now - LANES);
            IntVector e1 = IntVector.fromArray(SPECIES, eB, now);
            IntVector f1 = IntVector.fromArray(SPECIES, eB, now - LANES);
            IntVector g1 = IntVector.fromArray(SPECIES, eB, now - 2 * LANES);
            IntVector p1 = IntVector.fromArray(SPECIES, eB, now - 3 * LANES)
                    .add(IntVector.fromArray(SPECIES, wB, t * LANES).add(k0))
                    .add(g1.lanewise(XOR, e1.and(f1.lanewise(XOR, g1))))
                    .add(e1.lanewise(ROR, 6).lanewise(XOR, e1.lanewise(ROR, 11)).lanewise(XOR, e1.lanewise(ROR, 25)));
            IntVector x1 = a1.lanewise(XOR, b1);
            IntVector q1 = a1.lanewise(ROR, 2).lanewise(XOR, a1.lanewise(ROR, 13)).lanewise(XOR, a1.lanewise(ROR, 22))
                    .add(b1.lanewise(XOR, x1.and(b1.lanewise(XOR, IntVector.fromArray(SPECIES, aB, now - 2 * LANES)))));
            IntVector e11 = IntVector.fromArray(SPECIES, aB, now - 3 * LANES).add(p1);
            IntVector a11 = p1.add(q1);
            e11.intoArray(eB, now + LANES);
            a11.intoArray(aB, now + LANES);
            // vector A, round t + 1, on the a and e just made
            IntVector r0 = g0.add(IntVector.fromArray(SPECIES, wA, (t + 1) * LANES).add(k1))
                    .add(f0.lanewise(XOR, e01.and(e0.lanewise(XOR, f0))))
                    .add(e01.lanewise(ROR, 6).lanewise(XOR, e01.lanewise(ROR, 11))
                            .lanewise(XOR, e01.lanewise(ROR, 25)));
            IntVector s0 = a01.lanewise(ROR, 2).lanewise(XOR, a01.lanewise(ROR, 13))
                    .lanewise(XOR, a01.lanewise(ROR, 22))
                    .add(a0.lanewise(XOR, a01.lanewise(XOR, a0).and(x0)));
            IntVector.fromArray(SPECIES, aA, now - 2 * LANES).add(r0).intoArray(eA, now + 2 * LANES);
            r0.add(s0).intoArray(aA, now + 2 * LANES);
            // vector B, round t + 1, on the a and e just made
            IntVector r1 = g1.add(IntVector.fromArray(SPECIES, wB, (t + 1) * LANES).add(k1))
                    .add(f1.lanewise(XOR, e11.and(e1.lanewise(XOR, f1))))
                    .add(e11.lanewise(ROR, 6).lanewise(XOR, e11.lanewise(ROR, 11))
                            .lanewise(XOR, e11.lanewise(ROR, 25)));
            IntVector s1 = a11.lanewise(ROR, 2).lanewise(XOR, a11.lanewise(ROR, 13))
                    .lanewise(XOR, a11.lanewise(ROR, 22))
                    .add(a1.lanewise(XOR, a11.lanewise(XOR, a1).and(x1)));
            IntVector.fromArray(SPECIES, aB, now - 2 * LANES).add(r1).intoArray(eB, now + 2 * LANES);
            r1.add(s1).intoArray(aB, now + 2 * LANES);
        }

        for (; t < Sha256.ROUNDS; t++) {
            int now = (t + 3) * LANES; // slot(t), written out: see schedule
            IntVector kt = IntVector.fromArray(SPECIES, K_LANES, t * LANES);
            IntVector a0 = IntVector.fromArray(SPECIES, aA, now);
            IntVector a1 = IntVector.fromArray(SPECIES, aB, now);
            IntVector e0 = IntVector.fromArray(SPECIES, eA, now);
            IntVector e1 = IntVector.fromArray(SPECIES, eB, now);
            IntVector f0 = IntVector.fromArray(SPECIES, eA, now - LANES);
            IntVector f1 = IntVector.fromArray(SPECIES, eB, now - LANES);
            IntVector g0 = IntVector.fromArray(SPECIES, eA, now - 2 * LANES);
            IntVector g1 = IntVector.fromArray(SPECIES, eB, now - 2 * LANES);
            // t1 = h + W[t] + K[t] + Ch(e, f, g) + Σ1(e), Σ1 last because it is the latest to be ready;
            // Ch(e, f, g) = g ^ (e & (f ^ g))
            IntVector t10 = IntVector.fromArray(SPECIES, eA, now - 3 * LANES)
                    .add(IntVector.fromArray(SPECIES, wA, t * LANES).add(kt))
                    .add(g0.lanewise(XOR, e0.and(f0.lanewise(XOR, g0))))
                    .add(e0.lanewise(ROR, 6).lanewise(XOR, e0.lanewise(ROR, 11)).lanewise(XOR, e0.lanewise(ROR, 25)));
            IntVector t11 = IntVector.fromArray(SPECIES, eB, now - 3 * LANES)
                    .add(IntVector.fromArray(SPECIES, wB, t * LANES).add(kt))
                    .add(g1.lanewise(XOR, e1.and(f1.lanewise(XOR, g1))))
                    .add(e1.lanewise(ROR, 6).lanewise(XOR, e1.lanewise(ROR, 11)).lanewise(XOR, e1.lanewise(ROR, 25)));
            IntVector b0 = IntVector.fromArray(SPECIES, aA, now - LANES);
            IntVector b1 = IntVector.fromArray(SPECIES, aB, now - LANES);
            IntVector c0 = IntVector.fromArray(SPECIES, aA, now - 2 * LANES);
            IntVector c1 = IntVector.fromArray(SPECIES, aB, now - 2 * LANES);
            // t2 = Σ0(a) + Maj(a, b, c); Maj(a, b, c) = (a & b) | (c & (a | b))
            IntVector t20 = a0.lanewise(ROR, 2).lanewise(XOR, a0.lanewise(ROR, 13)).lanewise(XOR, a0.lanewise(ROR, 22))
                    .add(a0.and(b0).or(c0.and(a0.or(b0))));
            IntVector t21 = a1.lanewise(ROR, 2).lanewise(XOR, a1.lanewise(ROR, 13)).lanewise(XOR, a1.lanewise(ROR, 22))
                    .add(a1.and(b1).or(c1.and(a1.or(b1))));
            IntVector.fromArray(SPECIES, aA, now - 3 * LANES).add(t10).intoArray(eA, now + LANES);
            IntVector.fromArray(SPECIES, aB, now - 3 * LANES).add(t11).intoArray(eB, now + LANES);
            t10.add(t20).intoArray(aA, now + LANES);
            t11.add(t21).intoArray(aB, now + LANES);
        }
        int last = (Sha256.ROUNDS + 3) * LANES; // slot(64): the a after the last round
        IntVector.fromArray(SPECIES, aA, last).add(h0).intoArray(headsA, 0);
        IntVector.fromArray(SPECIES, aB, last).add(h0).intoArray(headsB, 0);
    }

    /** Where the a (or e) of the start of round t is in {@link #aA} (or {@link #eA}). */
    private static int slot(int round) {
        return (round + 3) * LANES;
    }

    @Override
    public long hashes() {
        return hashes;
    }
}
