package dev.minepool.client;

import dev.minepool.client.engine.DigestNonceScanner;
import dev.minepool.client.engine.ScanEngine;
import dev.minepool.protocol.MinerName;
import java.time.Duration;

/**
 * Everything a {@link Miner} needs to know, checked once here.
 *
 * @param name the miner name sent in {@code G}
 * @param threads the number of hashing threads
 * @param engine how nonces are hashed ({@code --engine}: the vector engine when the JVM has the Vector API,
 *        the digest engine otherwise)
 * @param quiet print only hits, answers and the summary
 * @param connectTimeout how long a TCP connect may take ({@code --connect-timeout})
 * @param responseTimeout how long the pool may take to answer a {@code G} with {@code T} and an {@code S} with
 *        {@code A}, {@code R} or {@code I} ({@code --response-timeout})
 * @param retryBase the ceiling of the first wait before reconnecting; doubled after every failed attempt
 * @param retryMax the highest ceiling of a wait between two attempts
 * @param reportEvery how often the hash rate is printed
 */
public record MinerConfig(MinerName name, String host, int port, int threads, ScanEngine engine, boolean quiet,
        Duration connectTimeout, Duration responseTimeout, Duration retryBase, Duration retryMax,
        Duration reportEvery) {
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** The pool answers in milliseconds; a generous deadline still catches a service that never will. */
    public static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_RETRY_BASE = Duration.ofSeconds(1);
    public static final Duration DEFAULT_RETRY_MAX = Duration.ofSeconds(60);
    public static final Duration DEFAULT_REPORT_EVERY = Duration.ofSeconds(10);

    public MinerConfig {
        if (name == null) {
            throw new IllegalArgumentException("the miner name is missing");
        }
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("the pool's host is missing");
        }
        if (port < 1 || port > 0xFFFF) {
            throw new IllegalArgumentException("port " + port + " is not in 1..65535");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("at least one thread is needed, not " + threads);
        }
        requirePositive(connectTimeout, "the connect timeout");
        requirePositive(responseTimeout, "the response timeout");
        requirePositive(retryBase, "the retry wait");
        if (retryMax.compareTo(retryBase) < 0) {
            throw new IllegalArgumentException("the longest retry wait is shorter than the first");
        }
        requirePositive(reportEvery, "the hash rate interval");
    }

    private static void requirePositive(Duration duration, String what) {
        if (duration == null || duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, not " + duration);
        }
    }

    /**
     * The defaults the command line starts from: digest engine, connect timeout 10 s, response timeout 30 s,
     * retries from 1 s doubling to 60 s, rate every 10 s.
     *
     * @throws MinerName.InvalidNameException if {@code name} is not a valid, canonical miner name
     */
    public static MinerConfig of(String name, String host, int port, int threads, boolean quiet) {
        return of(MinerName.parse(name), host, port, threads, DigestNonceScanner.ENGINE, quiet);
    }

    /** The same defaults with the engine chosen by {@code --engine}. */
    public static MinerConfig of(MinerName name, String host, int port, int threads, ScanEngine engine,
            boolean quiet) {
        return new MinerConfig(name, host, port, threads, engine, quiet, DEFAULT_CONNECT_TIMEOUT,
                DEFAULT_RESPONSE_TIMEOUT, DEFAULT_RETRY_BASE, DEFAULT_RETRY_MAX, DEFAULT_REPORT_EVERY);
    }

    /** This configuration with other deadlines. */
    public MinerConfig withTimeouts(Duration connect, Duration response) {
        return new MinerConfig(name, host, port, threads, engine, quiet, connect, response, retryBase, retryMax,
                reportEvery);
    }

    /** This configuration with other retry waits: {@code base} doubling up to {@code max}. */
    public MinerConfig withRetry(Duration base, Duration max) {
        return new MinerConfig(name, host, port, threads, engine, quiet, connectTimeout, responseTimeout, base,
                max, reportEvery);
    }

    /** This configuration with the hash rate printed every {@code interval}. */
    public MinerConfig withReportEvery(Duration interval) {
        return new MinerConfig(name, host, port, threads, engine, quiet, connectTimeout, responseTimeout,
                retryBase, retryMax, interval);
    }

    /** {@code localhost:3333}. */
    String pool() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
