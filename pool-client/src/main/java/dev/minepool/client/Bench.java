package dev.minepool.client;

import dev.minepool.protocol.Message;
import dev.minepool.protocol.ProofOfWork;
import dev.minepool.protocol.Protocol;
import dev.minepool.protocol.ScanEngine;
import java.io.PrintStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code bench}: how fast this machine mines, without a pool. The hashing threads search a synthetic 1024-byte
 * job at an unreachable difficulty for a fixed time; in the same run, one thread measures how many raw SHA-256
 * compressions per second {@link MessageDigest} does over a large buffer. One nonce needs one compression
 * after the midstate, so nonces per second per thread divided by that rate says how much of the raw speed the
 * hot loop keeps (1.0 would be nothing but compressions).
 */
final class Bench {
    /** A zero-bit count no hash can reach, so the search never stops early. */
    static final int UNREACHABLE_ZERO_BITS = 255;
    private static final int SHA256_BLOCK = 64;
    private static final int RAW_BUFFER = 1 << 20;
    /** The raw measurement needs no more than this to be steady, and it runs while no thread hashes. */
    private static final Duration RAW_MAX = Duration.ofSeconds(2);

    private final ScanEngine engine;
    private final int threads;
    private final Duration duration;
    private final Console console;

    Bench(ScanEngine engine, int threads, Duration duration, PrintStream out) {
        this.engine = engine;
        this.threads = threads;
        this.duration = duration;
        this.console = new Console(out, false);
    }

    /** The result, for tests and for the lines printed. */
    record Result(long hashes, long[] hashesPerThread, Duration elapsed, double compressionsPerSecond) {
        double hashesPerSecond() {
            return HashRate.perSecond(hashes, elapsed.toNanos());
        }

        double perThreadRatio() {
            return hashesPerSecond() / hashesPerThread.length / compressionsPerSecond;
        }
    }

    Result run() throws InterruptedException {
        byte[] data = new byte[Protocol.DEFAULT_DATA_SIZE];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i;
        }
        console.info("bench: %d %s of the %s engine on a synthetic %d-byte job at %d zero bits (unreachable), "
                + "for %s", threads, threads == 1 ? "thread" : "threads", engine.name(), data.length,
                UNREACHABLE_ZERO_BITS, HashRate.format(duration));

        Duration rawTime = duration.compareTo(RAW_MAX) < 0 ? duration : RAW_MAX;
        double compressions = rawCompressionsPerSecond(rawTime);
        console.info("raw SHA-256: %s compressions/s on one thread (MessageDigest over a 1 MiB buffer, %s)",
                millions(compressions), HashRate.format(rawTime));

        // slot size 2^32: the whole nonce space, which no machine exhausts in a bench
        Message.Task task = new Message.Task(0, 0, Protocol.NONCE_SPACE, UNREACHABLE_ZERO_BITS, data);
        CountDownLatch ended = new CountDownLatch(1);
        long[] perThread;
        long elapsed;
        try (Rig rig = new Rig(engine, threads)) {
            long start = System.nanoTime();
            SlotSearch search = rig.start(task, s -> ended.countDown());
            ended.await(duration.toNanos(), TimeUnit.NANOSECONDS);
            search.stop();
            ended.await();
            elapsed = System.nanoTime() - start;
            perThread = rig.hashesPerThread();
        }
        long total = 0;
        double[] rates = new double[perThread.length];
        for (int i = 0; i < perThread.length; i++) {
            total += perThread[i];
            rates[i] = HashRate.perSecond(perThread[i], elapsed);
        }
        Result result = new Result(total, perThread, Duration.ofNanos(elapsed), compressions);
        console.info("hash rate %s: %d nonces in %s", HashRate.format(result.hashesPerSecond(), rates), total,
                HashRate.format(result.elapsed()));
        console.info("per thread %s = %s of the raw SHA-256 compression rate (%s compressions/s)",
                HashRate.format(result.hashesPerSecond() / threads),
                String.format(Locale.ROOT, "%.2f", result.perThreadRatio()), millions(compressions));
        return result;
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

    private static String millions(double perSecond) {
        return String.format(Locale.ROOT, "%.2f M", perSecond / 1e6);
    }
}
