package dev.minepool.server;

import dev.minepool.server.chain.ChainCommand;
import dev.minepool.protocol.chain.DifficultyRule;
import dev.minepool.server.chain.RuleMismatchException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The command line: {@code pool-server [options]} runs a pool, {@code pool-server chain [--chain FILE]} prints
 * and verifies a chain. Exit status 0 on success; 1 when the pool or the chain fails (a damaged chain file, a
 * disk that cannot be written, an internal error in the event loop); 2 for a bad command line, an address
 * the pool cannot listen on, or a chain file that records another difficulty rule than the options ask for.
 */
public final class PoolServerMain {
    static final int EXIT_OK = 0;
    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;

    static final String USAGE = """
            usage: pool-server [options]
                   pool-server chain [--chain FILE]

            Runs a minepool pool server: hands out slots of nonces to miners over TCP and keeps the chain of
            mined blocks in a file. 'chain' prints the chain and each miner's balance, verifying every link and
            proof of work.

            options:
              --port N          TCP port to listen on (default 3333; 0 picks a free port)
              --bind ADDR       address to listen on (default 0.0.0.0)
              --bits N          leading zero bits a block's hash needs, 1..255 (default 24); with
                                --target-block-time, where a new chain starts
              --target-block-time DURATION
                                retarget: the zero bits of every new height follow the hash rate,
                                so that a block comes every DURATION on average (such as 2s, 30s,
                                10m, 500ms; 1ms..24h). Without it every block needs --bits. The
                                chain file records the rule; a file that records another one is
                                refused (exit 2), naming the options that extend it
              --slot-size N     nonces per slot, 1..4294967296 (default 16777216)
              --data-size N     job data bytes, 52..65535 (default 1024)
              --chain FILE      the chain file (default minepool-chain.dat in the working directory)
              --max-blocks N    after N blocks mined in this run, send Q to every miner and exit 0
                                (default 0: no limit)
              --max-clients N   connections beyond N get Q and are closed (default 10000)
              --max-clients-per-host N
                                connections from one address beyond N get Q and are closed
                                (default 1000; a swarm load test from one machine needs more)
              --http HOST:PORT  the dashboard, the JSON API, /api/events and /metrics (default
                                127.0.0.1:8080, this machine only; port 0 picks a free one;
                                off turns it off)
              -h, --help        print this help
            """;

    private PoolServerMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Everything main does except exit; returns the exit status. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length > 0 && args[0].equals("chain")) {
            return ChainCommand.run(args, out, err);
        }
        PoolConfig config;
        try {
            config = parse(args);
        } catch (HelpRequested e) {
            out.print(USAGE);
            return EXIT_OK;
        } catch (IllegalArgumentException e) {
            err.println("pool-server: " + e.getMessage());
            err.println("(pool-server --help lists the options)");
            return EXIT_USAGE;
        }
        return serve(config.withLog(new PoolLog(out, err)), err);
    }

    private static int serve(PoolConfig config, PrintStream err) {
        PoolServer server = new PoolServer(config);
        // SIGINT and SIGTERM: the loop sends Q, flushes and closes the chain file, and main returns 0. A handler
        // rather than only a shutdown hook, because a JVM stopped by a signal exits 130/143 whatever its hooks
        // do. Installed before the pool starts, so that no signal finds the JVM's default (exit 143) in place;
        // a signal during start() waits for it (start and stop lock the same object), then stops the pool.
        Stopper stopper = new Stopper(server);
        installSignalHandlers(server, stopper);
        try {
            server.start();
        } catch (CannotListenException | RuleMismatchException e) {
            err.println("pool-server: " + e.getMessage());
            return EXIT_USAGE;
        } catch (IOException e) {
            err.println("pool-server: " + e.getMessage());
            return EXIT_FAILURE;
        } catch (IllegalStateException e) { // a signal came before start() did: stopped before it began
            err.println("pool-server: stopped before it started");
            return EXIT_OK;
        }
        // The hook stays for anything else that stops the JVM (SIGHUP, exit).
        Thread hook = new Thread(server::close, "pool-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            while (!server.awaitTermination(Duration.ofDays(1))) {
                // a pool runs until it is stopped
            }
        } catch (InterruptedException e) {
            server.close();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook is running and has closed the pool
        }
        return server.failed() ? EXIT_FAILURE : EXIT_OK;
    }

    /**
     * Stops the pool on a signal, and makes sure the process ends even if the pool cannot stop cleanly (its
     * loop stuck, or its classes gone because its jar was replaced): after {@link PoolServer#STOP_WAIT} it
     * halts with exit 1. Built before any signal arrives, so that handling one loads no new class.
     */
    private static final class Stopper implements Runnable {
        private final PoolServer server;
        private final Thread thread;

        Stopper(PoolServer server) {
            this.server = server;
            this.thread = new Thread(this, "pool-stopper");
            thread.setDaemon(true);
        }

        synchronized void stop() {
            if (thread.getState() == Thread.State.NEW) {
                thread.start();
            }
        }

        @Override
        public void run() {
            if (!server.stop(PoolServer.STOP_WAIT)) {
                server.config().log().warn("the pool did not stop within " + PoolServer.STOP_WAIT.toSeconds()
                        + " s of the signal; exiting with status 1");
                Runtime.getRuntime().halt(EXIT_FAILURE);
            }
        }
    }

    @SuppressWarnings("restriction")
    private static void installSignalHandlers(PoolServer server, Stopper stopper) {
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
                    server.config().log().info("SIG" + name + ": stopping the pool");
                    stopper.stop();
                });
            } catch (IllegalArgumentException e) {
                // the platform has no such signal, or the JVM keeps it: the shutdown hook still closes the pool
            }
        }
    }

    private static final class HelpRequested extends Exception {
        private static final long serialVersionUID = 1L;
    }

    static PoolConfig parse(String[] args) throws HelpRequested {
        PoolConfig config = PoolConfig.defaults();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("-h") || arg.equals("--help")) {
                throw new HelpRequested();
            }
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            if (!isOption(name)) {
                throw new IllegalArgumentException(arg.startsWith("-") ? "unknown option '" + arg + "'"
                        : "unexpected argument '" + arg + "'");
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(name + " needs a value");
                }
                value = args[++i];
            }
            config = switch (name) {
                case "--port" -> config.withPort(intValue(name, value, 0, 65535));
                case "--bind" -> config.withBind(value);
                case "--bits" -> config.withZeroBits(intValue(name, value, 1, 255));
                case "--slot-size" -> config.withSlotSize(longValue(name, value, 1, 1L << 32));
                case "--data-size" -> config.withDataSize(intValue(name, value, 52, 65535));
                case "--chain" -> config.withChainFile(Path.of(value));
                case "--max-blocks" -> config.withMaxBlocks(longValue(name, value, 0, Long.MAX_VALUE));
                case "--max-clients" -> config.withMaxClients(intValue(name, value, 1, Integer.MAX_VALUE));
                case "--http" -> config.withHttp(value);
                case "--target-block-time" -> config.withTargetBlockTime(duration(name, value));
                case "--max-clients-per-host" ->
                        config.withMaxClientsPerHost(intValue(name, value, 1, Integer.MAX_VALUE));
                default -> throw new AssertionError(name);
            };
        }
        return config;
    }

    private static boolean isOption(String name) {
        return switch (name) {
            case "--port", "--bind", "--bits", "--slot-size", "--data-size", "--chain", "--max-blocks",
                    "--max-clients", "--max-clients-per-host", "--http", "--target-block-time" -> true;
            default -> false;
        };
    }

    private static final java.util.regex.Pattern DURATION =
            java.util.regex.Pattern.compile("([0-9]{1,12})\\s*(ms|s|m|h)");

    /** {@code 2s}, {@code 30s}, {@code 10m}, {@code 1h}, {@code 500ms}: a whole number and a unit. */
    static Duration duration(String name, String value) {
        java.util.regex.Matcher m = DURATION.matcher(value.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(name + " '" + dev.minepool.protocol.MinerName.escape(value)
                    + "' is not a duration: a whole number and a unit, such as 2s, 30s, 10m or 500ms");
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
        if (d.isZero() || d.toMillis() > DifficultyRule.MAX_TARGET_MILLIS) {
            throw new IllegalArgumentException(name + " " + value.trim() + " is out of range: 1ms..24h");
        }
        return d;
    }

    private static int intValue(String name, String value, int min, int max) {
        return (int) longValue(name, value, min, max);
    }

    private static long longValue(String name, String value, long min, long max) {
        long n;
        try {
            n = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " '" + value + "' is not a whole number");
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException(name + " " + n + (max == Long.MAX_VALUE || max == Integer.MAX_VALUE
                    ? " must be at least " + min : " is out of range: " + min + ".." + max));
        }
        return n;
    }
}
