package dev.minepool.server;

import dev.minepool.protocol.BlockHeader;
import dev.minepool.protocol.Protocol;
import dev.minepool.protocol.chain.DifficultyRule;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything a {@link PoolServer} needs to run. The command line ({@link PoolServerMain}) fills the first nine
 * fields, {@code http} and {@code targetBlockTime}; the rest exist so that tests can shrink timeouts and make job data predictable.
 *
 * @param bindAddress      the address to listen on (the command line's {@code --bind}, default 0.0.0.0)
 * @param port             the TCP port; 0 picks a free one ({@link PoolServer#port()} tells which)
 * @param zeroBits         leading zero bits a block's hash needs, 1..255; with a target block time, the bits a new
 *                         chain starts at
 * @param slotSize         nonces per slot, 1..2^32
 * @param dataSize         job data bytes, 52 (the block header) .. 65535
 * @param chainFile        the chain file, created if missing
 * @param maxBlocks        stop (Q to everyone) after this many blocks in this run; 0 for never
 * @param maxClients       connections beyond this many get Q and are closed
 * @param maxClientsPerHost connections from one address beyond this many get Q and are closed, so that one host
 *                         cannot lock everyone else out
 * @param getWorkTimeout   a connection that has sent no G this long after connecting is closed
 * @param summaryInterval  how often the summary line is logged
 * @param firstJobNumber   the first job number handed out (tests start near 65535 to cross the wrap)
 * @param transactions     fills the data after the block header
 * @param log              where log lines go
 * @param http             where the HTTP API and dashboard listen, {@code HOST:PORT}, or {@code off}
 * @param targetBlockTime  the block time the difficulty rule aims at, with {@code zeroBits} where it starts;
 *                         {@link #FIXED_BITS} (zero) for a chain whose every block needs {@code zeroBits}
 */
public record PoolConfig(String bindAddress, int port, int zeroBits, long slotSize, int dataSize, Path chainFile,
                         long maxBlocks, int maxClients, int maxClientsPerHost, Duration getWorkTimeout,
                         Duration summaryInterval, int firstJobNumber, TransactionSource transactions, PoolLog log,
                         String http, Duration targetBlockTime) {

    public static final String DEFAULT_BIND = "0.0.0.0";
    public static final int DEFAULT_ZERO_BITS = 24;
    public static final long DEFAULT_SLOT_SIZE = 1L << 24;
    public static final String DEFAULT_CHAIN_FILE = "minepool-chain.dat";
    public static final int DEFAULT_MAX_CLIENTS = 10_000;
    /**
     * Generous: a classroom behind one NAT address is a few hundred miners. A swarm load test from one machine
     * needs more, and says so with {@code --max-clients-per-host}.
     */
    public static final int DEFAULT_MAX_CLIENTS_PER_HOST = 1_000;
    public static final Duration DEFAULT_GET_WORK_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_SUMMARY_INTERVAL = Duration.ofSeconds(30);
    /** On, and private: an operator opens it to the network on purpose. */
    public static final String DEFAULT_HTTP = "127.0.0.1:8080";
    public static final String HTTP_OFF = "off";
    /** No target block time: every block needs {@code --bits}, as before difficulty rules. */
    public static final Duration FIXED_BITS = Duration.ZERO;

    public PoolConfig {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port " + port + " is not a TCP port (0..65535; 0 picks a free one)");
        }
        if (zeroBits < 1 || zeroBits > 255) {
            throw new IllegalArgumentException("--bits " + zeroBits + " is out of range: 1..255 leading zero bits");
        }
        if (slotSize < 1 || slotSize > Protocol.NONCE_SPACE) {
            throw new IllegalArgumentException("--slot-size " + slotSize + " is out of range: 1.."
                    + Protocol.NONCE_SPACE + " (2^32) nonces");
        }
        if (dataSize < BlockHeader.LENGTH || dataSize > Protocol.MAX_DATA_LENGTH) {
            throw new IllegalArgumentException("--data-size " + dataSize + " is out of range: " + BlockHeader.LENGTH
                    + " (the block header) .. " + Protocol.MAX_DATA_LENGTH + " bytes");
        }
        if (maxBlocks < 0) {
            throw new IllegalArgumentException("--max-blocks " + maxBlocks + " is negative (0 means no limit)");
        }
        if (maxClients < 1) {
            throw new IllegalArgumentException("--max-clients " + maxClients + " must be at least 1");
        }
        if (maxClientsPerHost < 1) {
            throw new IllegalArgumentException("--max-clients-per-host " + maxClientsPerHost + " must be at least 1");
        }
        if (firstJobNumber < 0 || firstJobNumber > 0xFFFF) {
            throw new IllegalArgumentException("first job number " + firstJobNumber + " is not a u16");
        }
        if (getWorkTimeout.isNegative() || getWorkTimeout.isZero() || summaryInterval.isNegative()
                || summaryInterval.isZero()) {
            throw new IllegalArgumentException("timeouts and intervals must be positive");
        }
        java.util.Objects.requireNonNull(bindAddress, "bindAddress");
        java.util.Objects.requireNonNull(chainFile, "chainFile");
        java.util.Objects.requireNonNull(transactions, "transactions");
        java.util.Objects.requireNonNull(log, "log");
        java.util.Objects.requireNonNull(targetBlockTime, "targetBlockTime");
        if (!targetBlockTime.isZero() && (targetBlockTime.toMillis() < 1
                || targetBlockTime.toMillis() > DifficultyRule.MAX_TARGET_MILLIS)) {
            throw new IllegalArgumentException("--target-block-time " + targetBlockTime.toMillis() + " ms is out of"
                    + " range: 1 ms .. 24 h");
        }
        httpAddress(http); // throws for a value that is neither off nor HOST:PORT
    }

    /** The defaults of the command line, with the chain file in the working directory. */
    public static PoolConfig defaults() {
        return new PoolConfig(DEFAULT_BIND, Protocol.DEFAULT_PORT, DEFAULT_ZERO_BITS, DEFAULT_SLOT_SIZE,
                Protocol.DEFAULT_DATA_SIZE, Path.of(DEFAULT_CHAIN_FILE), 0, DEFAULT_MAX_CLIENTS,
                DEFAULT_MAX_CLIENTS_PER_HOST, DEFAULT_GET_WORK_TIMEOUT, DEFAULT_SUMMARY_INTERVAL, 0,
                TransactionSource.random(), PoolLog.standard(), DEFAULT_HTTP, FIXED_BITS);
    }

    /**
     * A pool for tests: loopback, a free port, {@code zeroBits} zero bits (keep it low: 8 to 16 finds nonces in
     * milliseconds), the chain in {@code chainFile}, defaults otherwise.
     */
    public static PoolConfig forTest(Path chainFile, int zeroBits) {
        return defaults().withBind("127.0.0.1").withPort(0).withZeroBits(zeroBits).withChainFile(chainFile)
                .withHttp(HTTP_OFF);
    }

    /**
     * The number of slots in one job: {@code floor(2^32 / slotSize)}, so no slot reaches past nonce 2^32, and
     * at most 65536 because the slot number on the wire is a u16.
     */
    public int slotsPerJob() {
        return (int) Math.min(1L << 16, Protocol.NONCE_SPACE / slotSize);
    }

    public PoolConfig withBind(String v) {
        return new PoolConfig(v, port, zeroBits, slotSize, dataSize, chainFile, maxBlocks, maxClients,
                maxClientsPerHost, getWorkTimeout, summaryInterval, firstJobNumber, transactions, log, http, targetBlockTime);
    }

    public PoolConfig withPort(int v) {
        return new PoolConfig(bindAddress, v, zeroBits, slotSize, dataSize, chainFile, maxBlocks, maxClients,
                maxClientsPerHost, getWorkTimeout, summaryInterval, firstJobNumber, transactions, log, http, targetBlockTime);
    }

    public PoolConfig withZeroBits(int v) {
        return new PoolConfig(bindAddress, port, v, slotSize, dataSize, chainFile, maxBlocks, maxClients,
                maxClientsPerHost, getWorkTimeout, summaryInterval, firstJobNumber, transactions, log, http, targetBlockTime);
    }

    public PoolConfig withSlotSize(long v) {
        return new PoolConfig(bindAddress, port, zeroBits, v, dataSize, chainFile, maxBlocks, maxClients,
                maxClientsPerHost, getWorkTimeout, summaryInterval, firstJobNumber, transactions, log, http, targetBlockTime);
    }

    public PoolConfig withDataSize(int v) {
        return new PoolConfig(bindAddress, port, zeroBits, slotSize, v, chainFile, maxBlocks, maxClients,
                maxClientsPerHost, getWorkTimeout, summaryInterval, firstJobNumber, transactions, log, http, targetBlockTime);
    }

    public PoolConfig withChainFile(Path v) {
        return new PoolConfig(bindAddress, port, zeroBits, slotSize, dataSize, v, maxBlocks, maxClients,
                maxClientsPerHost, getWorkTimeout, summaryInterval, firstJobNumber, transactions, log, http, targetBlockTime);
    }

    public PoolConfig withMaxBlocks(long v) {
        return new PoolConfig(bindAddress, port, zeroBits, slotSize, dataSize, chainFile, v, maxClients,
                maxClientsPerHost, getWorkTimeout, summaryInterval, firstJobNumber, transactions, log, http, targetBlockTime);
    }

    public PoolConfig withMaxClients(int v) {
        return new PoolConfig(bindAddress, port, zeroBits, slotSize, dataSize, chainFile, maxBlocks, v,
                maxClientsPerHost, getWorkTimeout, summaryInterval, firstJobNumber, transactions, log, http, targetBlockTime);
    }

    public PoolConfig withMaxClientsPerHost(int v) {
        return new PoolConfig(bindAddress, port, zeroBits, slotSize, dataSize, chainFile, maxBlocks, maxClients,
                v, getWorkTimeout, summaryInterval, firstJobNumber, transactions, log, http, targetBlockTime);
    }

    public PoolConfig withGetWorkTimeout(Duration v) {
        return new PoolConfig(bindAddress, port, zeroBits, slotSize, dataSize, chainFile, maxBlocks, maxClients,
                maxClientsPerHost, v, summaryInterval, firstJobNumber, transactions, log, http, targetBlockTime);
    }

    public PoolConfig withSummaryInterval(Duration v) {
        return new PoolConfig(bindAddress, port, zeroBits, slotSize, dataSize, chainFile, maxBlocks, maxClients,
                maxClientsPerHost, getWorkTimeout, v, firstJobNumber, transactions, log, http, targetBlockTime);
    }

    public PoolConfig withFirstJobNumber(int v) {
        return new PoolConfig(bindAddress, port, zeroBits, slotSize, dataSize, chainFile, maxBlocks, maxClients,
                maxClientsPerHost, getWorkTimeout, summaryInterval, v, transactions, log, http, targetBlockTime);
    }

    public PoolConfig withTransactions(TransactionSource v) {
        return new PoolConfig(bindAddress, port, zeroBits, slotSize, dataSize, chainFile, maxBlocks, maxClients,
                maxClientsPerHost, getWorkTimeout, summaryInterval, firstJobNumber, v, log, http, targetBlockTime);
    }

    public PoolConfig withLog(PoolLog v) {
        return new PoolConfig(bindAddress, port, zeroBits, slotSize, dataSize, chainFile, maxBlocks, maxClients,
                maxClientsPerHost, getWorkTimeout, summaryInterval, firstJobNumber, transactions, v, http, targetBlockTime);
    }

    public PoolConfig withTargetBlockTime(Duration v) {
        return new PoolConfig(bindAddress, port, zeroBits, slotSize, dataSize, chainFile, maxBlocks, maxClients,
                maxClientsPerHost, getWorkTimeout, summaryInterval, firstJobNumber, transactions, log, http, v);
    }

    /**
     * The difficulty rule this configuration asks for, governing from block 1: fixed at {@code zeroBits}, or
     * retargeting from them toward {@code targetBlockTime}.
     */
    public DifficultyRule difficultyRule() {
        return targetBlockTime.isZero() ? DifficultyRule.fixed(zeroBits)
                : DifficultyRule.retarget(zeroBits, targetBlockTime.toMillis());
    }

    public PoolConfig withHttp(String v) {
        return new PoolConfig(bindAddress, port, zeroBits, slotSize, dataSize, chainFile, maxBlocks, maxClients,
                maxClientsPerHost, getWorkTimeout, summaryInterval, firstJobNumber, transactions, log, v, targetBlockTime);
    }

    /**
     * The HTTP address, or null when it is off.
     *
     * @throws IllegalArgumentException for a value that is neither {@code off} nor {@code HOST:PORT}
     */
    public java.net.InetSocketAddress httpAddress() {
        return httpAddress(http);
    }

    private static java.net.InetSocketAddress httpAddress(String http) {
        java.util.Objects.requireNonNull(http, "http");
        if (http.equals(HTTP_OFF)) {
            return null;
        }
        int colon = http.lastIndexOf(':');
        if (colon <= 0 || colon == http.length() - 1) {
            throw new IllegalArgumentException("--http '" + http + "' is neither off nor HOST:PORT (such as "
                    + DEFAULT_HTTP + ", or 0.0.0.0:8080 to open it to the network)");
        }
        String host = http.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(http.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--http '" + http + "': the port must be 0..65535 (0 picks a free"
                    + " one)");
        }
        return new java.net.InetSocketAddress(host, port);
    }
}
