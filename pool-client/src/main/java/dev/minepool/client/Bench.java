package dev.minepool.client;

import dev.minepool.protocol.Message;
import dev.minepool.protocol.ProofOfWork;
import dev.minepool.protocol.Protocol;
import dev.minepool.client.engine.ScanEngine;
import java.io.PrintStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code bench}: how fast this machine mines, without a pool. Each engine searches a synthetic 1024-byte job at
 * an unreachable difficulty for a fixed time, first on one thread, then on all of them; before that, one
 * thread measures how many raw SHA-256 compressions per second {@link MessageDigest} does over a large buffer.
 * One nonce needs one compression after the midstate, so nonces per second per thread divided by that rate
 * says how much of the raw speed an engine keeps (1.0 would be nothing but compressions; the vector engine can
 * pass it, because it hashes many nonces per instruction where the raw rate is one block at a time).
 */
final class Bench {
    /** A zero-bit count no hash can reach, so the search never stops early. */
    static final int UNREACHABLE_ZERO_BITS = 255;
    private static final int SHA256_BLOCK = 64;
    private static final int RAW_BUFFER = 1 << 20;
    /** The raw measurement needs no more than this to be steady, and it runs while no thread hashes. */
    private static final Duration RAW_MAX = Duration.ofSeconds(2);
    /**
     * Each engine first mines this long unmeasured on one thread, so that the JIT has compiled its hot loop
     * before the one-thread run; otherwise that run pays for the compilation (the vector engine runs a hundred
     * times slower before C2 has compiled it) and the all-threads run looks like it scales better than it does.
     */
    static final Duration WARM_UP = Duration.ofSeconds(1);
    /** How many turns the one-thread run takes with the raw measurement. */
    static final int TURNS = 10;

    private final List<ScanEngine> engines;
    private final int threads;
    private final Duration duration;
    private final Console console;

    /**
     * @param engines the engines to measure, in this order
     * @param threads the most threads: each engine runs on one thread, then on this many (if more than one)
     * @param duration how long each run mines
     */
    Bench(List<ScanEngine> engines, int threads, Duration duration, PrintStream out) {
        this.engines = List.copyOf(engines);
        this.threads = threads;
        this.duration = duration;
        this.console = new Console(out, false);
    }

    /** One run of one engine on some threads. */
    record Run(String engine, long[] hashesPerThread, Duration elapsed, double compressionsPerSecond) {
        int threads() {
            return hashesPerThread.length;
        }

        long hashes() {
            long total = 0;
            for (long h : hashesPerThread) {
                total += h;
            }
            return total;
        }

        double hashesPerSecond() {
            return HashRate.perSecond(hashes(), elapsed.toNanos());
        }

        /** Nonces per second per thread over raw compressions per second on one thread. */
        double perThreadRatio() {
            return hashesPerSecond() / threads() / compressionsPerSecond;
        }
    }

    /** Every run, in the order printed: for each engine, one thread, then all threads. */
    List<Run> run() throws InterruptedException {
        byte[] data = new byte[Protocol.DEFAULT_DATA_SIZE];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i;
        }
        List<Integer> threadCounts = threads == 1 ? List.of(1) : List.of(1, threads);
        console.info("bench: %s %s on %s each, a synthetic %d-byte job at %d zero bits (unreachable), %s per run "
                + "after %s of warm-up", engines.size() == 1 ? "the engine" : "the engines", names(),
                threads == 1 ? "1 thread" : "1 and " + threads + " threads", data.length, UNREACHABLE_ZERO_BITS,
                HashRate.format(duration), HashRate.format(WARM_UP));

        Duration rawTime = duration.compareTo(RAW_MAX) < 0 ? duration : RAW_MAX;
        double compressions = rawCompressionsPerSecond(rawTime);
        console.info("raw SHA-256: %s compressions/s on one thread (MessageDigest over a 1 MiB buffer, %s)",
                millions(compressions), HashRate.format(rawTime));

        // slot size 2^32: the whole nonce space, which no machine exhausts in a bench
        Message.Task task = new Message.Task(0, 0, Protocol.NONCE_SPACE, UNREACHABLE_ZERO_BITS, data);
        List<Run> runs = new ArrayList<>();
        Run best = null;
        for (ScanEngine engine : engines) {
            Run single = null;
            String tuned = engine.calibrate();
            if (tuned != null) {
                console.info("%s", tuned);
            }
            measure(engine, 1, task, compressions, WARM_UP);
            for (int count : threadCounts) {
                Run run = count == 1 ? measureInTurns(engine, task, duration)
                        : measure(engine, count, task, compressions, duration);
                runs.add(run);
                double[] rates = new double[count];
                for (int i = 0; i < count; i++) {
                    rates[i] = HashRate.perSecond(run.hashesPerThread()[i], run.elapsed().toNanos());
                }
                String scaling = single == null ? ""
                        : String.format(Locale.ROOT, ", %.2fx one thread", run.hashesPerSecond()
                                / single.hashesPerSecond());
                if (count == 1) {
                    console.info("raw SHA-256 in turns with it: %s compressions/s", millions(
                            run.compressionsPerSecond()));
                }
                console.info("%s, %d %s: %s = %s of the raw SHA-256 rate per thread%s", engine.name(), count,
                        count == 1 ? "thread" : "threads", HashRate.format(run.hashesPerSecond(), rates),
                        ratio(run.perThreadRatio()), scaling);
                if (single == null) {
                    single = run;
                    if (best == null || run.hashesPerSecond() > best.hashesPerSecond()) {
                        best = run;
                    }
                }
            }
        }
        if (engines.size() > 1 && best != null) {
            console.info("fastest: the %s engine, %s of the raw SHA-256 rate on one thread", best.engine(),
                    ratio(best.perThreadRatio()));
        }
        return runs;
    }

    private static Run measure(ScanEngine engine, int count, Message.Task task, double compressions,
            Duration duration) throws InterruptedException {
        CountDownLatch ended = new CountDownLatch(1);
        try (Rig rig = new Rig(engine, count)) {
            long start = System.nanoTime();
            SlotSearch search = rig.start(task, s -> ended.countDown());
            ended.await(duration.toNanos(), TimeUnit.NANOSECONDS);
            search.stop();
            ended.await();
            long elapsed = System.nanoTime() - start;
            return new Run(engine.name(), rig.hashesPerThread(), Duration.ofNanos(elapsed), compressions);
        }
    }

    /**
     * One thread of the engine and the raw rate in turns, {@link #TURNS} slices of each, and the ratio of the two
     * totals. On a machine that something else keeps busy both rates fall, but the turns see the same load, so
     * their ratio holds where two measurements seconds apart would not.
     */
    private static Run measureInTurns(ScanEngine engine, Message.Task task, Duration duration)
            throws InterruptedException {
        Duration slice = duration.dividedBy(TURNS);
        long hashes = 0;
        long hashNanos = 0;
        double blocks = 0;
        long rawNanos = 0;
        try (Rig rig = new Rig(engine, 1)) {
            for (int turn = 0; turn < TURNS; turn++) {
                CountDownLatch ended = new CountDownLatch(1);
                long before = rig.totalHashes();
                long start = System.nanoTime();
                SlotSearch search = rig.start(task, s -> ended.countDown());
                ended.await(slice.toNanos(), TimeUnit.NANOSECONDS);
                search.stop();
                ended.await();
                hashNanos += System.nanoTime() - start;
                hashes += rig.totalHashes() - before;
                long rawStart = System.nanoTime();
                double rate = rawCompressionsPerSecond(slice);
                long rawTime = System.nanoTime() - rawStart;
                blocks += rate * rawTime / 1e9;
                rawNanos += rawTime;
            }
        }
        double raw = blocks * 1e9 / rawNanos;
        return new Run(engine.name(), new long[] {hashes}, Duration.ofNanos(hashNanos), raw);
    }

    /** SHA-256 64-byte blocks per second on this thread: {@code update} over a 1 MiB buffer, repeatedly. */
    static double rawCompressionsPerSecond(Duration time) {
        MessageDigest digest = ProofOfWork.sha256();
        byte[] buffer = new byte[RAW_BUFFER];
        long bytes = 0;
        long start = System.nanoTime();
        long deadline = start + time.toNanos();
        long now;
        do {
            digest.update(buffer);
            bytes += buffer.length;
            now = System.nanoTime();
        } while (now < deadline);
        digest.digest();
        return (double) (bytes / SHA256_BLOCK) * 1e9 / (now - start);
    }

    private String names() {
        List<String> names = new ArrayList<>();
        for (ScanEngine engine : engines) {
            names.add(engine.name());
        }
        return String.join(", ", names);
    }

    private static String ratio(double ratio) {
        return String.format(Locale.ROOT, "%.2f", ratio);
    }

    private static String millions(double perSecond) {
        return String.format(Locale.ROOT, "%.2f M", perSecond / 1e6);
    }
}
