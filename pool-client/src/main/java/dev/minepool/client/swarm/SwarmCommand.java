package dev.minepool.client.swarm;

import dev.minepool.protocol.Protocol;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;

/**
 * {@code minepool client swarm}: its options, and its exit code. 0 when every session connected and every
 * round went as the protocol says; 1 if any error was counted (or the swarm could not start); 2 for a bad
 * option. Kept apart from the miner's command line, which only hands it the arguments after {@code swarm}.
 */
public final class SwarmCommand {
    public static final int EXIT_OK = 0;
    public static final int EXIT_ERRORS = 1;
    public static final int EXIT_USAGE = 2;

    private SwarmCommand() {
    }

    /** Runs the swarm as the command line would and returns its exit code; never exits the JVM. */
    public static int run(String[] args, int start, PrintStream out, PrintStream err) {
        SwarmConfig config;
        try {
            config = parse(args, start);
        } catch (IllegalArgumentException e) {
            err.println("minepool client swarm: " + e.getMessage());
            err.println("run with swarm --help to see the options");
            return EXIT_USAGE;
        }
        if (config == null) {
            out.print(usage());
            return EXIT_OK;
        }
        try {
            SwarmResult result = new Swarm(config, out).run();
            return result.clean() ? EXIT_OK : EXIT_ERRORS;
        } catch (IOException e) {
            err.println("minepool client swarm: " + Swarm.reason(e));
            return EXIT_ERRORS;
        }
    }

    /** The configuration, or null for --help. */
    static SwarmConfig parse(String[] args, int start) {
        String host = "localhost";
        int port = Protocol.DEFAULT_PORT;
        int connections = SwarmConfig.DEFAULT_CONNECTIONS;
        int rounds = SwarmConfig.DEFAULT_ROUNDS;
        int warmup = SwarmConfig.DEFAULT_WARMUP_ROUNDS;
        Integer window = null;
        int connectsInFlight = SwarmConfig.DEFAULT_CONNECTS_IN_FLIGHT;
        double timeout = SwarmConfig.DEFAULT_TIMEOUT.toSeconds();
        java.nio.file.Path trace = null;
        for (int i = start; i < args.length; i++) {
            String option = args[i];
            String value = null;
            int equals = option.indexOf('=');
            if (option.startsWith("--") && equals > 2) {
                value = option.substring(equals + 1);
                option = option.substring(0, equals);
            }
            if (option.equals("-h") || option.equals("--help")) {
                return null;
            }
            if (!option.startsWith("-")) {
                throw new IllegalArgumentException("unexpected argument '" + option + "'");
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(option + " needs a value");
                }
                value = args[++i];
            }
            switch (option) {
                case "--host" -> host = value;
                case "--port" -> port = intValue(option, value, 1, 0xFFFF);
                case "--connections" -> connections = intValue(option, value, 1, SwarmConfig.MAX_CONNECTIONS);
                case "--rounds" -> rounds = intValue(option, value, 1, 1_000_000);
                case "--warmup" -> warmup = intValue(option, value, 0, 1_000_000);
                case "--window" -> window = intValue(option, value, 1, Integer.MAX_VALUE);
                case "--connects-in-flight" -> connectsInFlight = intValue(option, value, 1, 1_000_000);
                case "--timeout" -> timeout = secondsValue(option, value);
                case "--trace" -> {
                    if (value.isBlank()) {
                        throw new IllegalArgumentException("--trace needs a file name");
                    }
                    trace = java.nio.file.Path.of(value);
                }
                default -> throw new IllegalArgumentException("unknown option '" + option + "'");
            }
        }
        if (host.isBlank()) {
            throw new IllegalArgumentException("--host needs a host name or address");
        }
        return new SwarmConfig(host, port, connections, rounds, warmup, window == null ? connections : window,
                connectsInFlight, Duration.ofNanos((long) (timeout * 1e9)), trace);
    }

    private static int intValue(String option, String value, int min, int max) {
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException(option + " needs a whole number from " + min + " to " + max + ", not '"
                + value + "'");
    }

    private static double secondsValue(String option, String value) {
        try {
            double seconds = Double.parseDouble(value.trim());
            if (seconds > 0 && seconds <= 3600) {
                return seconds;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException(option + " needs a number of seconds above 0 (up to an hour), not '"
                + value + "'");
    }

    static String usage() {
        return """
                usage: minepool client swarm [--connections N] [--host H] [--port P] [--rounds K] [options]

                A load generator: N miners on one thread, each its own connection. Every round each sends G and
                holds its slot; one of them, round-robin, solves its slot and submits; the others must each get
                one I for the job they hold. Prints G-T and A-I latencies per round and exits 1 on any error
                (a missing or wrong I, a wrong job, R, Q, a dropped connection, a failed connect).
                Run the pool at low zero bits (e.g. --bits 8): the winner solves its slot on the swarm's thread.

                options:
                  --connections N         sessions (default %d, at most %d; each needs a file descriptor here
                                          and one in the pool: raise ulimit -n)
                  --host H                the pool's host (default localhost)
                  --port P                the pool's port (default %d)
                  --rounds K              blocks to mine and measure (default %d)
                  --warmup W              rounds before those, printed but left out of the summary: the
                                          first pays for the JIT and the pool's new-miner log lines (default %d)
                  --window W              at most W G's waiting for their T at once (default: all at once, the
                                          herd a pool sees after every block)
                  --connects-in-flight C  at most C TCP connects pending at once (default %d)
                  --timeout S             seconds a connect, a round's T's, or its A and I's may take (default %d)
                  --trace FILE            write every G-T, S-A and A-I time with when it began, one line each,
                                          in microseconds of CLOCK_MONOTONIC: the clock of
                                          perf sched record -k CLOCK_MONOTONIC, to see what the machine did
                                          while the slow ones waited (BENCHMARKS.md shows how)
                  -h, --help              this help
                """.formatted(SwarmConfig.DEFAULT_CONNECTIONS, SwarmConfig.MAX_CONNECTIONS, Protocol.DEFAULT_PORT,
                SwarmConfig.DEFAULT_ROUNDS, SwarmConfig.DEFAULT_WARMUP_ROUNDS, SwarmConfig.DEFAULT_CONNECTS_IN_FLIGHT,
                SwarmConfig.DEFAULT_TIMEOUT.toSeconds());
    }
}
