package dev.minepool.client;

import dev.minepool.client.engine.DigestNonceScanner;
import dev.minepool.protocol.MinerName;
import dev.minepool.client.engine.ScanEngine;
import java.time.Duration;

/**
 * Everything a {@link Miner} needs to know, checked once here.
 *
 * @param name the miner name sent in {@code G} (1 to 10 bytes of UTF-8)
 * @param threads the number of hashing threads
 * @param engine how nonces are hashed ({@code --engine}: the vector engine when the JVM has the Vector API,
 *        the digest engine otherwise)
 * @param quiet print only hits, answers and the summary
 * @param retryBase the first wait before reconnecting; doubled on every failed attempt
 * @param retryMax the longest wait between two attempts
 * @param reportEvery how often the hash rate is printed
 */
public record MinerConfig(String name, String host, int port, int threads, ScanEngine engine, boolean quiet,
        Duration retryBase, Duration retryMax, Duration reportEvery) {
    public static final Duration DEFAULT_RETRY_BASE = Duration.ofSeconds(1);
    public static final Duration DEFAULT_RETRY_MAX = Duration.ofSeconds(30);
    public static final Duration DEFAULT_REPORT_EVERY = Duration.ofSeconds(10);

    public MinerConfig {
        MinerName.parse(name); // throws with a sentence a person can act on
        if (port < 1 || port > 0xFFFF) {
            throw new IllegalArgumentException("port " + port + " is not in 1..65535");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("at least one thread is needed, not " + threads);
        }
        if (retryBase.isNegative() || retryBase.isZero() || retryMax.compareTo(retryBase) < 0) {
            throw new IllegalArgumentException("the retry wait must be positive and at most its maximum");
        }
        if (reportEvery.isNegative() || reportEvery.isZero()) {
            throw new IllegalArgumentException("the hash rate interval must be positive");
        }
    }

    /** The defaults the command line starts from: digest engine, retry 1 s doubling to 30 s, rate every 10 s. */
    public static MinerConfig of(String name, String host, int port, int threads, boolean quiet) {
        return of(name, host, port, threads, DigestNonceScanner.ENGINE, quiet);
    }

    /** The same defaults with the engine chosen by {@code --engine}. */
    public static MinerConfig of(String name, String host, int port, int threads, ScanEngine engine,
            boolean quiet) {
        return new MinerConfig(name, host, port, threads, engine, quiet, DEFAULT_RETRY_BASE, DEFAULT_RETRY_MAX,
                DEFAULT_REPORT_EVERY);
    }

    /** The wait before attempt {@code attempt} (1, 2, ...): the base doubled each time, up to the maximum. */
    Duration retryDelay(int attempt) {
        Duration delay = retryBase;
        for (int i = 1; i < attempt && delay.compareTo(retryMax) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return delay.compareTo(retryMax) > 0 ? retryMax : delay;
    }

    /** {@code localhost:3333}. */
    String pool() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
