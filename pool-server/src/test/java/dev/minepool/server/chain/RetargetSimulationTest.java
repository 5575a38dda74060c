package dev.minepool.server.chain;

import dev.minepool.protocol.chain.DifficultyRule;
import dev.minepool.protocol.chain.Difficulty;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.LongToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * The simulator the retarget rule was chosen by, kept as a test: a deterministic model of a pool whose miners
 * find blocks at exponential times, driving the consensus code itself ({@link Difficulty}), so that what is
 * simulated is what every reader verifies.
 *
 * <p>Model: at hash rate H (hashes a millisecond) a block at b zero bits takes an exponential time of mean 2^b / H;
 * the pool builds the next height's job the moment a block is found, so each block's job timestamp is the found-at
 * time of the block before. Seeds are fixed ({@link #SEED}, and for the ensembles SEED + run), so every figure here
 * is the same on every machine.
 *
 * <p>One run of a few hundred exponential block times is noisy whatever the rule: with the bits held perfectly,
 * 20 blocks in a row average below half or above twice their mean in about 1 run in 5 of 250 blocks (see {@link
 * #onRunsOf20TheRuleDoesBetterThanPerfectlyHeldBits}). So each limit of issue 12 is asserted on the fixed-seed run,
 * and where the limit is about the rule rather than the dice (after a step in the hash rate) on the mean over
 * {@value #ENSEMBLE} runs, whose noise is small enough to see the rule's own behaviour.
 *
 * <p>Why τ = 4 targets and a clamp at 6 targets (figures from a prototype of this model in Python, with its own
 * random numbers, 400 runs of 250 blocks at 12.0 to 12.75 bits; perfect bits leave 75 of them with 20 blocks in a
 * row off by 2×): with the clamp at 10 targets, τ = 2 leaves 89 such runs, τ = 3 54, τ = 4 37; at 6 targets,
 * τ = 3 21 and τ = 4 20. τ also caps how fast the bits rise (at most 1/τ of a bit per block: 40 blocks for the
 * 10 bits of a ×1000 jump at τ = 4; the worst of 100 runs took 22, 31 and 40 blocks at τ = 2, 3, 4), so τ = 5
 * could not meet "within 50 blocks". The clamp forgets a clamped block's excess, which costs some accuracy (the
 * worst 200-block mean was 14.5 % off at 6 targets, 7 % at 10), and keeps one idle night from dropping the bits
 * by 25.
 */
class RetargetSimulationTest {
    static final long SEED = 12;
    static final int ENSEMBLE = 200;
    static final long TARGET = 2_000;
    static final int START = 12;
    static final DifficultyRule RULE = DifficultyRule.retarget(START, TARGET);
    static final long T0 = 1_764_700_000_000L;

    /** One simulated chain. */
    record Run(int[] bits, long[] solveMillis, double[] expectedMillis, Difficulty difficulty) {
        /** Mean solve time of blocks {@code from} .. {@code to - 1} (0-based), in targets. */
        double mean(int from, int to) {
            long sum = 0;
            for (int i = from; i < to; i++) {
                sum += solveMillis[i];
            }
            return sum / (double) (to - from) / TARGET;
        }

        /** The lowest and highest mean of any 20 blocks in a row within {@code from} .. {@code to - 1}. */
        double[] windowsOf20(int from, int to) {
            double low = Double.MAX_VALUE;
            double high = 0;
            for (int i = from; i + 20 <= to; i++) {
                double m = mean(i, i + 20);
                low = Math.min(low, m);
                high = Math.max(high, m);
            }
            return new double[] {low, high};
        }

        /** The first block (0-based) whose expected time at its bits is at least half the target. */
        int converged() {
            for (int i = 0; i < bits.length; i++) {
                if (expectedMillis[i] >= TARGET / 2.0) {
                    return i;
                }
            }
            return bits.length;
        }
    }

    /** {@code blocks} blocks from genesis at the hash rate {@code rate} gives for each (0-based) block. */
    static Run simulate(long seed, int blocks, LongToDoubleFunction rate) {
        SplittableRandom random = new SplittableRandom(seed);
        Difficulty difficulty = new Difficulty(RULE);
        int[] bits = new int[blocks];
        long[] solve = new long[blocks];
        double[] expected = new double[blocks];
        long jobAt = T0;
        for (int i = 0; i < blocks; i++) {
            bits[i] = difficulty.requiredBits();
            expected[i] = Math.scalb(1.0, bits[i]) / rate.applyAsDouble(i);
            // Inverse transform of a uniform in (0, 1]; capped so that 255 bits at a tiny rate cannot overflow.
            double draw = -Math.log(1.0 - random.nextDouble()) * expected[i];
            solve[i] = (long) Math.min(draw, 1e13);
            long foundAt = jobAt + solve[i];
            difficulty.add(i + 1, bits[i], jobAt, foundAt);
            jobAt = foundAt;
        }
        return new Run(bits, solve, expected, difficulty);
    }

    /** Hashes a millisecond that suit {@code bits} (which may be fractional) at the target block time. */
    static double suiting(double bits) {
        return Math.pow(2, bits) / TARGET;
    }

    @Test
    void atAConstantHashRateTheMeanHoldsTheTargetAndNoRunOf20IsOffByTwo() {
        // Rates between whole bits are the hard case: no integer bits give the target, only a mix of neighbours.
        for (double offset : new double[] {0, 0.25, 0.5, 0.75}) {
            double rate = suiting(START + offset);
            Run run = simulate(SEED, 250, i -> rate);
            // 50 blocks to settle from the starting bits, then the 200 the issue measures.
            double mean = run.mean(50, 250);
            double[] windows = run.windowsOf20(50, 250);
            report("constant rate of %.2f bits: mean over 200 blocks %.3f targets, runs of 20 %.2f .. %.2f",
                    START + offset, mean, windows[0], windows[1]);
            assertThat(mean).as("mean block time over 200 blocks at %.2f bits, in targets", START + offset)
                    .isBetween(0.9, 1.1);
            assertThat(windows[0]).as("the fastest 20 blocks in a row at %.2f bits", START + offset)
                    .isGreaterThanOrEqualTo(0.5);
            assertThat(windows[1]).as("the slowest 20 blocks in a row at %.2f bits", START + offset)
                    .isLessThanOrEqualTo(2.0);
        }
    }

    @Test
    void betweenWholeBitsItAlternatesInTheProportionThatHoldsTheTarget() {
        // 12.5 bits: 12 gives 0.71 targets, 13 gives 1.41; the mean is the target when about 59% are at 12.
        Run run = simulate(SEED, 1_050, i -> suiting(12.5));
        int twelve = 0;
        int thirteen = 0;
        for (int i = 50; i < 1_050; i++) {
            twelve += run.bits()[i] == 12 ? 1 : 0;
            thirteen += run.bits()[i] == 13 ? 1 : 0;
        }
        report("12.5 bits over 1000 blocks: %d at 12, %d at 13, mean %.3f targets", twelve, thirteen,
                run.mean(50, 1_050));
        assertThat(twelve + thirteen).as("blocks at the two neighbours of 12.5").isGreaterThan(800);
        assertThat(twelve).as("blocks at 12 of 1000").isBetween(450, 750);
        assertThat(run.mean(50, 1_050)).as("no drift over 1000 blocks").isBetween(0.95, 1.05);
    }

    @Test
    void afterTheHashRateDoublesOrHalvesTheMeanIsBackWithin25PercentIn30Blocks() {
        for (double factor : new double[] {2, 0.5}) {
            double before = suiting(START);
            double[] byBlockAfter = new double[230];
            for (int r = 0; r < ENSEMBLE; r++) {
                Run run = simulate(SEED + r, 100 + 230, i -> i < 100 ? before : before * factor);
                for (int k = 0; k < 230; k++) {
                    byBlockAfter[k] += run.solveMillis()[100 + k] / (double) TARGET / ENSEMBLE;
                }
            }
            double first10 = mean(byBlockAfter, 0, 10);
            double blocks21to30 = mean(byBlockAfter, 20, 30);
            double settled = mean(byBlockAfter, 30, 230);
            report("hash rate x%.1f at block 101: mean of %d runs, blocks 1-10 after %.3f, 21-30 after %.3f,"
                    + " 31-230 after %.3f targets", factor, ENSEMBLE, first10, blocks21to30, settled);
            assertThat(Math.abs(first10 - 1)).as("right after x%.1f the blocks are off: the test can see a step",
                    factor).isGreaterThan(0.15);
            assertThat(blocks21to30).as("mean block time 21-30 blocks after x%.1f, in targets", factor)
                    .isBetween(0.75, 1.25);
            assertThat(settled).as("and it stays there (x%.1f)", factor).isBetween(0.95, 1.05);
        }
    }

    @Test
    void atAThousandTimesTheHashRateItConvergesWithin50BlocksAndNeverOvershoots() {
        double rate = 1000 * suiting(START);
        double ideal = Math.log(rate * TARGET) / Math.log(2); // 21.97 bits
        int latest = 0;
        double highest = 0;
        for (int r = 0; r < ENSEMBLE; r++) {
            Run run = simulate(SEED + r, 300, i -> rate);
            int converged = run.converged();
            latest = Math.max(latest, converged);
            for (int i = 0; i < 300; i++) {
                assertThat(run.bits()[i]).isBetween(1, 255);
                if (i >= converged) {
                    highest = Math.max(highest, run.bits()[i] - ideal);
                }
            }
            if (r == 0) {
                report("x1000 (%.2f bits), seed %d: converged at block %d, then mean %.3f targets over 200 blocks",
                        ideal, SEED, converged + 1, run.mean(converged, converged + 200));
                assertThat(run.mean(converged, converged + 200)).as("mean over the 200 blocks after converging")
                        .isBetween(0.9, 1.1);
            }
        }
        report("x1000: the latest of %d runs converged at block %d; the most bits above %.2f was %.2f", ENSEMBLE,
                latest + 1, ideal, highest);
        assertThat(latest + 1).as("blocks until a block's expected time is at least half the target, worst run")
                .isLessThanOrEqualTo(50);
        assertThat(highest).as("bits above the ideal after converging, worst run").isLessThan(3);
    }

    @Test
    void theBitsStopAt255AndAt1AndNeverWrap() {
        // 2^300 hashes a millisecond: no bits are enough; the rule climbs to 255 and stays.
        Run fast = simulate(SEED, 1_200, i -> Math.scalb(1.0, 300));
        assertThat(java.util.Arrays.stream(fast.bits()).max().getAsInt()).isEqualTo(255);
        assertThat(java.util.Arrays.stream(fast.bits()).min().getAsInt()).isEqualTo(START);
        assertThat(fast.bits()[1_199]).isEqualTo(255);
        assertThat(fast.difficulty().requiredBits()).isEqualTo(255);
        assertThat(fast.difficulty().accumulator()).isEqualTo(255 * DifficultyRule.SCALE);
        // One hash a day: even 1 bit takes far longer than the target; it drops to 1 and stays, never 0.
        Run slow = simulate(SEED, 60, i -> 1.0 / 86_400_000);
        assertThat(java.util.Arrays.stream(slow.bits()).min().getAsInt()).isEqualTo(1);
        assertThat(java.util.Arrays.stream(slow.bits()).max().getAsInt()).isEqualTo(START);
        assertThat(slow.bits()[59]).isEqualTo(1);
        assertThat(slow.difficulty().accumulator()).isEqualTo(DifficultyRule.SCALE);
        // The clamp: each of those days counted as 6 targets, so the bits fell 1.25 a block, not 10,000.
        assertThat(slow.bits()[2]).as("the third block, after one 1.25-bit step").isEqualTo(11);
    }

    @Test
    void onRunsOf20TheRuleDoesBetterThanPerfectlyHeldBits() {
        // The baseline the 20-block limit is measured against: bits always exactly right, only the dice. The rule
        // carries the error forward, so it makes up for a lucky or unlucky streak, which fixed bits cannot.
        int perfect = 0;
        int rule = 0;
        for (int r = 0; r < ENSEMBLE; r++) {
            SplittableRandom random = new SplittableRandom(SEED + r);
            long[] solve = new long[250];
            for (int i = 0; i < 250; i++) {
                solve[i] = Math.round(-Math.log(1.0 - random.nextDouble()) * TARGET);
            }
            double[] held = new Run(new int[250], solve, new double[250], null).windowsOf20(50, 250);
            perfect += held[0] < 0.5 || held[1] > 2 ? 1 : 0;
            double[] ruled = simulate(SEED + r, 250, i -> suiting(12.5)).windowsOf20(50, 250);
            rule += ruled[0] < 0.5 || ruled[1] > 2 ? 1 : 0;
        }
        report("runs with 20 blocks in a row off by more than 2x, of %d: %d with perfect bits, %d under the rule"
                + " at 12.5 bits", ENSEMBLE, perfect, rule);
        assertThat(rule).as("runs off by 2x under the rule, against %d with perfect bits", perfect)
                .isLessThan(perfect / 2).isLessThan(ENSEMBLE / 10);
    }

    private static double mean(double[] values, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += values[i];
        }
        return sum / (to - from);
    }

    /** The figures BENCHMARKS.md quotes, in the test's output. */
    private static void report(String format, Object... args) {
        System.out.println("retarget simulation: " + String.format(Locale.ROOT, format, args));
    }
}
