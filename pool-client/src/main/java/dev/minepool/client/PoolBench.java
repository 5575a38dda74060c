package dev.minepool.client;

import dev.minepool.protocol.MinerName;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code bench --pool H:P}: the hash rate a pool sees from this miner. The pool counts a slot as searched when the
 * miner asks past it with {@code G}, so its view is the nonces of the slots searched to their end, per second of
 * mining: it pays for everything {@code bench} leaves out, the gaps between slots, the round trips, the threads
 * that wait for each other. The real miner mines against the real pool for the given time, first on one thread,
 * then on N, and the figures are set next to the raw SHA-256 rate measured in the same run.
 *
 * <p>Point it at a pool whose difficulty no slot reaches (a minepool server with {@code --bits 40}, say): a slot
 * with a hit is not searched to its end and so is not counted, as the pool does not count it either.
 */
final class PoolBench {
    private final MinerConfig template;
    private final List<Integer> threadCounts;
    private final Duration duration;
    private final Console console;

    /** @param template the miner's settings apart from its thread count */
    PoolBench(MinerConfig template, int threads, Duration duration, PrintStream out) {
        this.template = template;
        this.threadCounts = threads == 1 ? List.of(1) : List.of(1, threads);
        this.duration = duration;
        this.console = new Console(out, false);
    }

    /** What one run saw: slots searched to their end and their nonces, over the run's time. */
    record Run(int threads, long slots, long nonces, Duration elapsed, double compressionsPerSecond) {
        double noncesPerSecond() {
            return HashRate.perSecond(nonces, elapsed.toNanos());
        }

        double perThreadRatio() {
            return noncesPerSecond() / threads / compressionsPerSecond;
        }
    }

    List<Run> run() throws InterruptedException {
        console.info("bench --pool: the %s engine mining for %s on %s, %s each; the rate is what the pool "
                + "credits: nonces of the slots searched to their end, per second", template.engine().name(),
                template.primary(), threadCounts.size() == 1 ? "1 thread" : "1 and " + threadCounts.get(1)
                        + " threads", HashRate.format(duration));
        String tuned = template.engine().calibrate();
        if (tuned != null) {
            console.info("%s", tuned);
        }
        double raw = Bench.rawCompressionsPerSecond(Duration.ofSeconds(2));
        console.info("raw SHA-256: %.2f M compressions/s on one thread (MessageDigest over a 1 MiB buffer)",
                raw / 1e6);
        // The JIT compiles the engine's loop first, unmeasured, as bench does.
        mine(1, Bench.WARM_UP, raw, false);
        List<Run> runs = new ArrayList<>();
        Run single = null;
        for (int threads : threadCounts) {
            Run run = mine(threads, duration, raw, true);
            runs.add(run);
            String scaling = single == null ? "" : String.format(Locale.ROOT, ", %.2fx one thread",
                    run.noncesPerSecond() / single.noncesPerSecond());
            console.info("pool's view, %d %s: %s from %d slots in %s = %.2f of the raw SHA-256 rate per thread%s",
                    threads, threads == 1 ? "thread" : "threads", HashRate.format(run.noncesPerSecond()),
                    run.slots(), HashRate.format(run.elapsed()), run.perThreadRatio(), scaling);
            if (single == null) {
                single = run;
            }
        }
        return runs;
    }

    /** @param measured false for the warm-up, whose too short run need not complete a slot */
    private Run mine(int threads, Duration time, double raw, boolean measured) throws InterruptedException {
        MinerConfig config = new MinerConfig(template.name(), template.pools(), threads, template.engine(), true,
                template.connectTimeout(), template.responseTimeout(), template.retryBase(), template.retryMax(),
                template.retries(), template.reportEvery(), null, template.chunk());
        Miner miner = new Miner(config, new PrintStream(OutputStream.nullOutputStream()));
        CountDownLatch done = new CountDownLatch(1);
        MiningSummary[] summary = new MiningSummary[1];
        Thread thread = new Thread(() -> {
            summary[0] = miner.run();
            done.countDown();
        }, "pool-bench");
        thread.start();
        // The whole run counts, the connect and the first G included: that is what the pool's rate covers too.
        if (!done.await(time.toNanos(), TimeUnit.NANOSECONDS)) {
            miner.stop();
        }
        done.await();
        MiningSummary s = summary[0];
        if (measured && (s.failed() || s.noncesSearched() == 0)) {
            console.event("the miner searched no slot to its end on %s (%s); is it a pool with a difficulty no "
                    + "slot reaches?", template.primary(), s.describe());
        }
        return new Run(threads, s.slotsSearched(), s.noncesSearched(), s.runTime(), raw);
    }

    /** The bench miner's name when none is given. */
    static MinerName defaultName() {
        return MinerName.parse("bench");
    }
}
