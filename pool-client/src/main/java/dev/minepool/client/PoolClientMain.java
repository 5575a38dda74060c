package dev.minepool.client;

import dev.minepool.client.engine.EngineChoice;
import dev.minepool.client.swarm.SwarmCommand;
import dev.minepool.protocol.Message;
import dev.minepool.protocol.Protocol;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The miner's command line: {@code java -jar pool-client.jar [options]} mines for a pool, {@code bench}
 * measures this machine. Exit codes: 0 after the pool's {@code Q}, Ctrl-C or a finished bench; 2 for a bad
 * option or a missing or invalid miner name.
 *
 * <p>{@link #run} holds all the logic and never exits the JVM, so tests run the whole client in-process.
 */
public final class PoolClientMain {
    static final int EXIT_OK = 0;
    static final int EXIT_USAGE = 2;
    /** The file the miner name is read from when {@code --name} is not given, in the working directory. */
    static final String NAME_FILE = "my_id";
    static final int DEFAULT_BENCH_SECONDS = 5;
    private static final int MAX_THREADS = 1024;

    /** Set by the Ctrl-C hook: main must not call System.exit then, which would block behind the hook. */
    private static volatile boolean shuttingDown;

    private PoolClientMain() {
    }

    public static void main(String[] args) {
        int code = run(args, System.out, System.err, Path.of("").toAbsolutePath(), PoolClientMain::stopOnCtrlC);
        if (!shuttingDown) {
            System.exit(code);
        }
    }

    /**
     * Ctrl-C stops the miner, which prints its summary; the hook then halts with 0, because the JVM would
     * otherwise report the signal (130) for what is the normal way to stop a miner.
     */
    private static void stopOnCtrlC(Miner miner) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            shuttingDown = true;
            miner.stop();
            try {
                miner.awaitFinished(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            System.out.flush();
            Runtime.getRuntime().halt(EXIT_OK);
        }, "miner-shutdown"));
    }

    /** Runs the client as the command line would and returns its exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err, Path workDir) {
        return run(args, out, err, workDir, miner -> {
        });
    }

    /**
     * @param workDir where {@code my_id} is looked for
     * @param started called with the miner before it starts, so that it can be stopped from elsewhere
     */
    static int run(String[] args, PrintStream out, PrintStream err, Path workDir, Consumer<Miner> started) {
        return run(args, out, err, workDir, started, EngineChoice::vectorModulePresent);
    }

    /** @param vectorModule whether the Vector API module is loaded (tests say no without restarting the JVM) */
    static int run(String[] args, PrintStream out, PrintStream err, Path workDir, Consumer<Miner> started,
            BooleanSupplier vectorModule) {
        if (args.length > 0 && args[0].equals("swarm")) {
            return SwarmCommand.run(args, 1, out, err); // a load generator with its own options and exit codes
        }
        try {
            if (args.length > 0 && args[0].equals("bench")) {
                return bench(new Arguments(args, 1), out, vectorModule);
            }
            Arguments arguments = new Arguments(args, 0);
            MinerConfig config = mineOptions(arguments, workDir, out, vectorModule);
            if (config == null) {
                return EXIT_OK; // --help
            }
            Miner miner = new Miner(config, out);
            started.accept(miner);
            miner.run();
            return EXIT_OK;
        } catch (UsageException e) {
            err.println("minepool client: " + e.getMessage());
            if (e.pointToHelp) {
                err.println("run with --help to see the options");
            }
            return EXIT_USAGE;
        }
    }

    /** The mining options, or null when --help was printed. */
    private static MinerConfig mineOptions(Arguments args, Path workDir, PrintStream out,
            BooleanSupplier vectorModule) throws UsageException {
        String host = "localhost";
        EngineChoice engine = EngineChoice.AUTO;
        int port = Protocol.DEFAULT_PORT;
        int threads = Runtime.getRuntime().availableProcessors();
        String name = null;
        boolean quiet = false;
        while (args.hasNext()) {
            String option = args.next();
            switch (option) {
                case "-h", "--help" -> {
                    out.print(usage());
                    return null;
                }
                case "--host" -> host = args.value(option);
                case "--port" -> port = args.intValue(option, 1, 0xFFFF);
                case "--threads" -> threads = args.intValue(option, 1, MAX_THREADS);
                case "--name" -> name = args.value(option);
                case "--engine" -> engine = args.engineValue(option);
                case "--quiet" -> {
                    args.noValue(option);
                    quiet = true;
                }
                default -> throw args.unknown(option);
            }
        }
        if (host.isBlank()) {
            throw new UsageException("--host needs a host name or address", true);
        }
        String source = "--name";
        if (name == null) {
            name = readNameFile(workDir);
            source = NAME_FILE;
        }
        checkName(name, source);
        EngineChoice.Selection selection = select(engine, vectorModule);
        if (selection.note() != null) {
            new Console(out, quiet).info("%s", selection.note());
        }
        return MinerConfig.of(name, host, port, threads, selection.engine(), quiet);
    }

    private static EngineChoice.Selection select(EngineChoice choice, BooleanSupplier vectorModule)
            throws UsageException {
        try {
            return choice.select(vectorModule);
        } catch (EngineChoice.UnavailableException e) {
            throw new UsageException(e.getMessage(), false);
        }
    }

    private static int bench(Arguments args, PrintStream out, BooleanSupplier vectorModule) throws UsageException {
        double seconds = DEFAULT_BENCH_SECONDS;
        int threads = Runtime.getRuntime().availableProcessors();
        EngineChoice engine = EngineChoice.AUTO;
        while (args.hasNext()) {
            String option = args.next();
            switch (option) {
                case "-h", "--help" -> {
                    out.print(usage());
                    return EXIT_OK;
                }
                case "--seconds" -> seconds = args.secondsValue(option);
                case "--threads" -> threads = args.intValue(option, 1, MAX_THREADS);
                case "--engine" -> engine = args.engineValue(option);
                default -> throw args.unknown(option);
            }
        }
        EngineChoice.Selection selection = select(engine, vectorModule); // says why when vector is missing
        if (selection.note() != null) {
            new Console(out, false).info("%s", selection.note());
        }
        try {
            new Bench(engine.engines(vectorModule), threads, Duration.ofNanos((long) (seconds * 1e9)), out).run();
        } catch (EngineChoice.UnavailableException e) {
            throw new UsageException(e.getMessage(), false); // select above has already refused it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return EXIT_OK;
    }

    /** The first line of {@code my_id}, trimmed; null when there is no such file or it is empty. */
    private static String readNameFile(Path workDir) throws UsageException {
        Path file = workDir.resolve(NAME_FILE);
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line = reader.readLine();
            return line == null || line.trim().isEmpty() ? null : line.trim();
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new UsageException("cannot read the miner name from " + file + " (" + e.getMessage()
                    + "); pass --name NAME instead", false);
        }
    }

    private static void checkName(String name, String source) throws UsageException {
        if (name == null || name.isEmpty()) {
            throw new UsageException("no miner name: pass --name NAME or put your name in a file called "
                    + NAME_FILE + " in this directory (1 to 10 bytes of UTF-8)", false);
        }
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > Message.GetWork.NAME_LENGTH) {
            throw new UsageException("the miner name '" + name + "' (from " + source + ") is " + bytes.length
                    + " bytes of UTF-8, more than the " + Message.GetWork.NAME_LENGTH + " the protocol allows; "
                    + "pass a shorter --name NAME or put one in " + NAME_FILE, false);
        }
        if (name.indexOf('\0') >= 0) {
            throw new UsageException("the miner name (from " + source + ") contains a NUL character, which the "
                    + "protocol uses as padding; pass another --name NAME", false);
        }
    }

    static String usage() {
        int processors = Runtime.getRuntime().availableProcessors();
        return """
                usage: minepool client [options]
                       minepool client bench [--seconds S] [--threads N] [--engine E]

                Mines for a minepool pool until the pool says goodbye or Ctrl-C, then prints a summary.

                options:
                  --host H       the pool's host (default localhost)
                  --port N       the pool's port (default %d)
                  --threads N    hashing threads (default: available processors, %d here)
                  --name NAME    the miner name the pool credits, 1 to 10 bytes of UTF-8
                                 (default: the first line of the file %s in this directory)
                  --engine E     how nonces are hashed: auto (default: vector when the JVM has the Vector API,
                                 else digest), vector (needs java --add-modules jdk.incubator.vector, which
                                 bin/minepool passes) or digest (MessageDigest, any JVM)
                  --quiet        print only hits, the pool's answers and the summary
                  -h, --help     this help

                bench: mines a synthetic 1024-byte job at unreachable difficulty, no pool needed, on 1 thread
                and then on N, and prints each hash rate next to this machine's raw SHA-256 compression rate.
                  --seconds S    how long each run mines (default %d)
                  --threads N    hashing threads of the second run (default: available processors, %d here)
                  --engine E     auto (default: every engine this JVM can run), vector or digest

                swarm: a load generator, thousands of miners on one thread (minepool client swarm --help).
                """.formatted(Protocol.DEFAULT_PORT, processors, NAME_FILE, DEFAULT_BENCH_SECONDS, processors);
    }

    /** A bad command line: one line for the person who typed it. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;
        final boolean pointToHelp;

        UsageException(String message, boolean pointToHelp) {
            super(message);
            this.pointToHelp = pointToHelp;
        }
    }

    /** Walks the arguments; accepts both {@code --port 3333} and {@code --port=3333}. */
    private static final class Arguments {
        private final String[] args;
        private int next;
        private String inlineValue;

        Arguments(String[] args, int start) {
            this.args = args;
            this.next = start;
        }

        boolean hasNext() {
            return next < args.length;
        }

        String next() {
            String arg = args[next++];
            inlineValue = null;
            int equals = arg.indexOf('=');
            if (arg.startsWith("--") && equals > 2) {
                inlineValue = arg.substring(equals + 1);
                return arg.substring(0, equals);
            }
            return arg;
        }

        String value(String option) throws UsageException {
            if (inlineValue != null) {
                return inlineValue;
            }
            if (next >= args.length) {
                throw new UsageException(option + " needs a value", true);
            }
            return args[next++];
        }

        void noValue(String option) throws UsageException {
            if (inlineValue != null) {
                throw new UsageException(option + " takes no value", true);
            }
        }

        EngineChoice engineValue(String option) throws UsageException {
            String value = value(option);
            EngineChoice choice = EngineChoice.parse(value);
            if (choice == null) {
                throw new UsageException(option + " needs auto, vector or digest, not '" + value + "'", true);
            }
            return choice;
        }

        int intValue(String option, int min, int max) throws UsageException {
            String value = value(option);
            try {
                int n = Integer.parseInt(value.trim());
                if (n >= min && n <= max) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // said below
            }
            throw new UsageException(option + " needs a whole number from " + min + " to " + max + ", not '"
                    + value + "'", true);
        }

        double secondsValue(String option) throws UsageException {
            String value = value(option);
            try {
                double seconds = Double.parseDouble(value.trim());
                if (seconds > 0 && seconds <= 24 * 3600) {
                    return seconds;
                }
            } catch (NumberFormatException e) {
                // said below
            }
            throw new UsageException(option + " needs a number of seconds above 0 (up to a day), not '" + value
                    + "'", true);
        }

        UsageException unknown(String option) {
            if (option.startsWith("-")) {
                return new UsageException("unknown option '" + option + "'", true);
            }
            return new UsageException("unexpected argument '" + option
                    + "' (the commands are bench and swarm)", true);
        }
    }
}
