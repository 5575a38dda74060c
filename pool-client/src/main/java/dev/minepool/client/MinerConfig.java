package dev.minepool.client;

import dev.minepool.client.engine.DigestNonceScanner;
import dev.minepool.client.engine.ScanEngine;
import dev.minepool.protocol.MinerName;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Everything a {@link Miner} needs to know, checked once here.
 *
 * @param name the miner name sent in {@code G}
 * @param pools the pools in order of preference ({@code --pool}, repeatable): the first is the primary
 * @param threads the number of hashing threads
 * @param engine how nonces are hashed ({@code --engine}: the vector engine when the JVM has the Vector API,
 *        the digest engine otherwise)
 * @param quiet print only hits, answers and the summary
 * @param connectTimeout how long a TCP connect may take ({@code --connect-timeout})
 * @param responseTimeout how long the pool may take to answer a {@code G} with {@code T} and an {@code S} with
 *        {@code A}, {@code R} or {@code I} ({@code --response-timeout})
 * @param retryBase the ceiling of the first wait before reconnecting; doubled after every failed attempt
 * @param retryMax the highest ceiling of a wait between two attempts ({@code --retry-pause}); also how often
 *        the primary pool is checked while the miner is on a backup
 * @param retries failed attempts in a row on one pool before the miner moves to the next ({@code --retries})
 * @param reportEvery how often the speed line is printed
 * @param threadsEvery how often the per-thread table is printed ({@code --print-threads}); null for never
 * @param chunk nonces a hashing thread claims from the slot at a time
 */
public record MinerConfig(MinerName name, List<PoolAddress> pools, int threads, ScanEngine engine, boolean quiet,
        Duration connectTimeout, Duration responseTimeout, Duration retryBase, Duration retryMax, int retries,
        Duration reportEvery, Duration threadsEvery, int chunk) {
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** The pool answers in milliseconds; a generous deadline still catches a service that never will. */
    public static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_RETRY_BASE = Duration.ofSeconds(1);
    /** xmrig's {@code retry-pause}: 5 s. */
    public static final Duration DEFAULT_RETRY_PAUSE = Duration.ofSeconds(5);
    /** xmrig's {@code retries}: 5 failed tries on a pool, then the next pool. */
    public static final int DEFAULT_RETRIES = 5;
    public static final Duration DEFAULT_REPORT_EVERY = Duration.ofSeconds(10);

    public MinerConfig {
        if (name == null) {
            throw new IllegalArgumentException("the miner name is missing");
        }
        if (pools == null || pools.isEmpty()) {
            throw new IllegalArgumentException("at least one pool is needed");
        }
        pools = List.copyOf(new LinkedHashSet<>(pools)); // a pool listed twice is one pool
        if (threads < 1) {
            throw new IllegalArgumentException("at least one thread is needed, not " + threads);
        }
        requirePositive(connectTimeout, "the connect timeout");
        requirePositive(responseTimeout, "the response timeout");
        requirePositive(retryBase, "the retry wait");
        if (retryMax.compareTo(retryBase) < 0) {
            throw new IllegalArgumentException("the longest retry wait is shorter than the first");
        }
        if (retries < 1) {
            throw new IllegalArgumentException("at least one try per pool is needed, not " + retries);
        }
        requirePositive(reportEvery, "the hash rate interval");
        if (threadsEvery != null) {
            requirePositive(threadsEvery, "the per-thread table's interval");
        }
        if (chunk < 1) {
            throw new IllegalArgumentException("a chunk holds at least one nonce, not " + chunk);
        }
    }

    private static void requirePositive(Duration duration, String what) {
        if (duration == null || duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, not " + duration);
        }
    }

    /**
     * The defaults the command line starts from: digest engine, connect timeout 10 s, response timeout 30 s,
     * retries from 1 s doubling to 5 s, the next pool after 5 failed tries, speed every 10 s.
     *
     * @throws MinerName.InvalidNameException if {@code name} is not a valid, canonical miner name
     */
    public static MinerConfig of(String name, String host, int port, int threads, boolean quiet) {
        return of(MinerName.parse(name), host, port, threads, DigestNonceScanner.ENGINE, quiet);
    }

    /** The same defaults with the engine chosen by {@code --engine}. */
    public static MinerConfig of(MinerName name, String host, int port, int threads, ScanEngine engine,
            boolean quiet) {
        return of(name, List.of(new PoolAddress(host, port)), threads, engine, quiet);
    }

    /** The same defaults with several pools, the first the primary. */
    public static MinerConfig of(MinerName name, List<PoolAddress> pools, int threads, ScanEngine engine,
            boolean quiet) {
        return new MinerConfig(name, pools, threads, engine, quiet, DEFAULT_CONNECT_TIMEOUT,
                DEFAULT_RESPONSE_TIMEOUT, DEFAULT_RETRY_BASE, DEFAULT_RETRY_PAUSE, DEFAULT_RETRIES,
                DEFAULT_REPORT_EVERY, null, Rig.DEFAULT_CHUNK);
    }

    /** This configuration with other deadlines. */
    public MinerConfig withTimeouts(Duration connect, Duration response) {
        return new MinerConfig(name, pools, threads, engine, quiet, connect, response, retryBase, retryMax, retries,
                reportEvery, threadsEvery, chunk);
    }

    /** This configuration with other retry waits: {@code base} doubling up to {@code max}. */
    public MinerConfig withRetry(Duration base, Duration max) {
        return new MinerConfig(name, pools, threads, engine, quiet, connectTimeout, responseTimeout, base, max,
                retries, reportEvery, threadsEvery, chunk);
    }

    /** This configuration moving to the next pool after {@code tries} failed tries in a row. */
    public MinerConfig withRetries(int tries) {
        return new MinerConfig(name, pools, threads, engine, quiet, connectTimeout, responseTimeout, retryBase,
                retryMax, tries, reportEvery, threadsEvery, chunk);
    }

    /** This configuration with the speed line printed every {@code interval}. */
    public MinerConfig withReportEvery(Duration interval) {
        return new MinerConfig(name, pools, threads, engine, quiet, connectTimeout, responseTimeout, retryBase,
                retryMax, retries, interval, threadsEvery, chunk);
    }

    /** This configuration with the per-thread table printed every {@code interval} (null: never). */
    public MinerConfig withThreadsEvery(Duration interval) {
        return new MinerConfig(name, pools, threads, engine, quiet, connectTimeout, responseTimeout, retryBase,
                retryMax, retries, reportEvery, interval, chunk);
    }

    /** This configuration with threads claiming {@code nonces} at a time. */
    public MinerConfig withChunk(int nonces) {
        return new MinerConfig(name, pools, threads, engine, quiet, connectTimeout, responseTimeout, retryBase,
                retryMax, retries, reportEvery, threadsEvery, nonces);
    }

    /** The primary pool. */
    PoolAddress primary() {
        return pools.get(0);
    }
}
