package dev.minepool.client;

import dev.minepool.client.api.PoolApi;
import dev.minepool.client.engine.EngineChoice;
import dev.minepool.client.swarm.SwarmCommand;
import dev.minepool.client.swarm.WriteFloor;
import dev.minepool.client.verify.VerifyCommand;
import dev.minepool.client.wallet.WalletCommand;
import dev.minepool.protocol.MinerName;
import dev.minepool.protocol.Protocol;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * The miner's command line: {@code java -jar pool-client.jar [options]} mines for a pool, {@code bench}
 * measures this machine. Exit codes: 0 after the pool's {@code Q} saying it shuts down, Ctrl-C, SIGTERM or a
 * finished bench; 1 when the pool refuses the miner with {@code Q} (full, too many connections from this
 * address, name refused, ...) or the pool's host does not resolve; 2 for a bad option or a missing or invalid
 * miner name, before anything is sent.
 *
 * <p>{@link #run} holds all the logic and never exits the JVM, so tests run the whole client in-process.
 */
public final class PoolClientMain {
    static final int EXIT_OK = 0;
    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;
    /** How long a signal waits for the miner's summary before the JVM stops anyway. */
    static final Duration SIGNAL_GRACE = Duration.ofSeconds(5);
    /** The file the miner name is read from when {@code --name} is not given, in the working directory. */
    static final String NAME_FILE = "my_id";
    static final int DEFAULT_BENCH_SECONDS = 5;
    /** The issue asks for at least 30 s of the pool's view; slots of 2^24 nonces take a second or two each. */
    static final int DEFAULT_POOL_BENCH_SECONDS = 30;
    private static final int MAX_THREADS = 1024;

    /** The code main is exiting with, once {@link #run} has returned it. */
    private static final CompletableFuture<Integer> EXIT_CODE = new CompletableFuture<>();

    private PoolClientMain() {
    }

    public static void main(String[] args) {
        int code = run(args, System.out, System.err, Path.of("").toAbsolutePath(), PoolClientMain::stopOnSignal);
        EXIT_CODE.complete(code);
        // During a signal's shutdown this blocks for good, and the hook halts with this same code.
        System.exit(code);
    }

    private static void stopOnSignal(Miner miner) {
        Runtime.getRuntime().addShutdownHook(new Thread(
                onShutdown(miner, EXIT_CODE, System.err, code -> Runtime.getRuntime().halt(code)), "miner-shutdown"));
        ThreadTableKeys.install(miner, System.err);
    }

    /**
     * What the shutdown hook does. Hooks run on every exit, so it first tells a signal from main's own {@code
     * System.exit}: when main already has its exit code, it does nothing and that code stands (a refused miner
     * exits 1). On Ctrl-C or SIGTERM it stops the miner, which prints its summary, and halts with the code
     * {@link #run} returned (0 for a miner stopped this way), because the JVM would otherwise report the
     * signal (130, 143) for what is the normal way to stop a miner.
     *
     * @param exitCode completed by main with the code {@link #run} returned
     * @param halt ends the JVM with a code ({@link Runtime#halt} outside tests)
     */
    static Runnable onShutdown(Miner miner, Future<Integer> exitCode, PrintStream err, IntConsumer halt) {
        return () -> {
            if (exitCode.isDone()) {
                return; // main is exiting with its own code
            }
            miner.stop();
            int code;
            try {
                code = exitCode.get(SIGNAL_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                err.println("minepool client: the miner did not stop within " + HashRate.format(SIGNAL_GRACE));
                code = EXIT_FAILURE;
            } catch (ExecutionException e) {
                code = EXIT_FAILURE;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                code = EXIT_FAILURE;
            }
            System.out.flush();
            err.flush();
            halt.accept(code);
        };
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
        if (args.length > 0 && args[0].equals("floor")) {
            return WriteFloor.run(args, 1, out, err); // the write-syscall floor under a pool's fan-out
        }
        if (args.length > 0 && args[0].equals("wallet")) {
            return WalletCommand.run(args, 1, out, err, home()); // keys, registrations and transfers
        }
        if (args.length > 0 && args[0].equals("verify")) {
            return VerifyCommand.run(args, 1, out, err, home()); // the chain checked by this machine
        }
        try {
            if (args.length > 0 && args[0].equals("bench")) {
                return bench(new Arguments(args, 1), out, vectorModule);
            }
            Arguments arguments = new Arguments(args, 0);
            VerifyOptions verify = new VerifyOptions();
            MinerConfig config = mineOptions(arguments, workDir, out, vectorModule, verify);
            if (config == null) {
                return EXIT_OK; // --help
            }
            Console console = new Console(out, config.quiet());
            String tuned = config.engine().calibrate();
            if (tuned != null) {
                console.info("%s", tuned);
            }
            Miner miner = new Miner(config, out);
            VerifyAlongside verifier = verify.start(config, console, home());
            if (verifier != null) {
                miner.onBlockHeard(verifier::blockHeard);
            }
            started.accept(miner);
            try {
                return miner.run().failed() ? EXIT_FAILURE : EXIT_OK;
            } finally {
                if (verifier != null) {
                    verifier.close();
                }
            }
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
            BooleanSupplier vectorModule, VerifyOptions verify) throws UsageException {
        String host = null;
        EngineChoice engine = EngineChoice.AUTO;
        Integer port = null;
        List<PoolAddress> pools = new ArrayList<>();
        int retries = MinerConfig.DEFAULT_RETRIES;
        Duration retryPause = MinerConfig.DEFAULT_RETRY_PAUSE;
        Duration threadsEvery = null;
        Duration reportEvery = MinerConfig.DEFAULT_REPORT_EVERY;
        int threads = Runtime.getRuntime().availableProcessors();
        String name = null;
        boolean quiet = false;
        Duration connectTimeout = MinerConfig.DEFAULT_CONNECT_TIMEOUT;
        Duration responseTimeout = MinerConfig.DEFAULT_RESPONSE_TIMEOUT;
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
                case "--vector-bits" -> vectorBits(args.intValue(option, 128, 512));
                case "--connect-timeout" -> connectTimeout = args.durationValue(option);
                case "--response-timeout" -> responseTimeout = args.durationValue(option);
                case "--pool", "-o" -> pools.add(args.poolValue(option, args.value(option)));
                case "--pools" -> {
                    for (String one : args.value(option).split(",")) {
                        pools.add(args.poolValue(option, one));
                    }
                }
                case "--retries" -> retries = args.intValue(option, 1, 1000);
                case "--retry-pause" -> retryPause = args.durationValue(option);
                case "--print-threads" -> threadsEvery = args.durationValue(option);
                case "--print-time" -> reportEvery = args.durationValue(option);
                case "--quiet" -> {
                    args.noValue(option);
                    quiet = true;
                }
                case "--verify" -> {
                    args.noValue(option);
                    verify.enabled = true;
                }
                case "--api" -> verify.api = args.value(option);
                case "--verify-every" -> verify.every = args.durationValue(option);
                case "--copy" -> verify.copy = Path.of(args.value(option));
                default -> throw args.unknown(option);
            }
        }
        verify.check();
        if (!pools.isEmpty() && (host != null || port != null)) {
            throw new UsageException("give the pools with --pool HOST:PORT, or one pool with --host and --port, "
                    + "not both", true);
        }
        if (pools.isEmpty()) {
            if (host != null && host.isBlank()) {
                throw new UsageException("--host needs a host name or address", true);
            }
            pools.add(new PoolAddress(host == null ? "localhost" : host.trim(),
                    port == null ? Protocol.DEFAULT_PORT : port));
        }
        MinerName minerName = name != null ? minerName(name, "--name") : minerName(readNameFile(workDir), NAME_FILE);
        EngineChoice.Selection selection = select(engine, vectorModule);
        if (selection.note() != null) {
            new Console(out, quiet).info("%s", selection.note());
        }
        Duration retryBase = MinerConfig.DEFAULT_RETRY_BASE.compareTo(retryPause) < 0
                ? MinerConfig.DEFAULT_RETRY_BASE : retryPause;
        return MinerConfig.of(minerName, pools, threads, selection.engine(), quiet)
                .withTimeouts(connectTimeout, responseTimeout)
                .withRetry(retryBase, retryPause)
                .withRetries(retries)
                .withReportEvery(reportEvery)
                .withThreadsEvery(threadsEvery);
    }

    /**
     * {@code --vector-bits 256|512}: the vector engine's species. It is a constant of the engine's class (the Vector
     * API makes vector instructions only of a species the JIT sees as a constant), so it is set once, before the
     * class is loaded, and holds for the life of the JVM.
     */
    private static void vectorBits(int bits) throws UsageException {
        if (bits != 128 && bits != 256 && bits != 512) {
            throw new UsageException("--vector-bits needs 128, 256 or 512, not " + bits, true);
        }
        System.setProperty(EngineChoice.VECTOR_BITS_PROPERTY, Integer.toString(bits));
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
        Double seconds = null;
        int threads = Runtime.getRuntime().availableProcessors();
        EngineChoice engine = EngineChoice.AUTO;
        PoolAddress pool = null;
        String name = null;
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
                case "--vector-bits" -> vectorBits(args.intValue(option, 128, 512));
                case "--pool" -> pool = args.poolValue(option, args.value(option));
                case "--name" -> name = args.value(option);
                default -> throw args.unknown(option);
            }
        }
        EngineChoice.Selection selection = select(engine, vectorModule); // says why when vector is missing
        if (selection.note() != null) {
            new Console(out, false).info("%s", selection.note());
        }
        if (pool != null) {
            MinerName minerName = name == null ? PoolBench.defaultName() : minerName(name, "--name");
            Duration time = Duration.ofNanos((long) ((seconds == null ? DEFAULT_POOL_BENCH_SECONDS : seconds) * 1e9));
            try {
                new PoolBench(MinerConfig.of(minerName, List.of(pool), threads, selection.engine(), true), threads,
                        time, out).run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return EXIT_OK;
        }
        if (seconds == null) {
            seconds = (double) DEFAULT_BENCH_SECONDS;
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

    /** The first line of {@code my_id} as written; null when there is no such file or that line is blank. */
    private static String readNameFile(Path workDir) throws UsageException {
        Path file = workDir.resolve(NAME_FILE);
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line = reader.readLine();
            return line == null || line.isBlank() ? null : line;
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new UsageException("cannot read the miner name from " + file + " (" + e.getMessage()
                    + "); pass --name NAME instead", false);
        }
    }

    /**
     * The name as {@link MinerName#fromUserInput} makes it (a BOM dropped, trimmed, NFC), so that what looks
     * like one name is one account; refused with the rule it breaks before anything is sent.
     */
    private static MinerName minerName(String typed, String source) throws UsageException {
        if (typed == null) {
            throw new UsageException("no miner name: pass --name NAME or put your name in a file called "
                    + NAME_FILE + " in this directory (1 to 10 bytes of UTF-8)", false);
        }
        try {
            return MinerName.fromUserInput(typed);
        } catch (MinerName.InvalidNameException e) {
            String fix = source.equals(NAME_FILE) ? "fix the first line of " + NAME_FILE + " or pass --name NAME"
                    : "pass another --name NAME";
            throw new UsageException(e.getMessage() + " (from " + source + "); a miner name is 1 to "
                    + MinerName.MAX_BYTES + " bytes of UTF-8 without control, invisible or line-break characters; "
                    + fix, false);
        }
    }

    static String usage() {
        int processors = Runtime.getRuntime().availableProcessors();
        return """
                usage: minepool client [options]
                       minepool client bench [--seconds S] [--threads N] [--engine E] [--vector-bits B]
                       minepool client bench --pool H:P [--seconds S] [--threads N] [--engine E]

                Mines for a minepool pool until the pool says goodbye or Ctrl-C, then prints a summary.

                options:
                  --pool H:P     a pool to mine for; repeat it for backups, in order of preference (-o too)
                  --pools H:P,H:P,...
                                 the same, in one option
                  --host H       the pool's host, when there is one pool (default localhost)
                  --port N       the pool's port, when there is one pool (default %d)
                  --retries N    failed tries in a row before moving to the next pool (default %d)
                  --retry-pause S
                                 the longest wait between two tries, and how often the primary pool is
                                 checked while mining on a backup (default %d)
                  --threads N    hashing threads (default: available processors, %d here)
                  --name NAME    the miner name the pool credits, 1 to 10 bytes of UTF-8
                                 (default: the first line of the file %s in this directory)
                  --engine E     how nonces are hashed: auto (default: vector when the JVM has the Vector API,
                                 else digest), vector (needs java --add-modules jdk.incubator.vector, which
                                 bin/minepool passes) or digest (MessageDigest, any JVM)
                  --vector-bits B
                                 the vector engine's width: 256 or 512 (default: the widest the CPU does well)
                  --connect-timeout S
                                 seconds a TCP connect to the pool may take (default %d)
                  --response-timeout S
                                 seconds the pool may take to answer G with T, and S with A, R or I
                                 (default %d); then the connection is closed and retried
                  --print-time S seconds between two speed lines (default %d)
                  --print-threads S
                                 print the speed of each thread every S seconds (default: only when asked,
                                 with kill -USR2, or h and Enter on a terminal)
                  --quiet        print only hits, the pool's answers and the summary
                  --verify       check the pool's chain and balances beside mining, on a thread of its own,
                                 after each block and at least every --verify-every seconds; one line per
                                 check, a loud warning when a block or a balance does not check out
                  --verify-every S
                                 with --verify: the longest time between two checks (default %d)
                  --api URL      with --verify: the pool's HTTP address (default http://POOL-HOST:8080/)
                  --copy FILE    with --verify: the local copy of the chain (default
                                 ~/.minepool/chains/HOST_PORT.copy)
                  -h, --help     this help

                A failed connect, a missed deadline, bytes that are not the protocol and a lost connection are
                retried after a wait whose ceiling starts at %d s and doubles up to the retry pause, with jitter
                (each wait is between half and all of its ceiling); a session in which the pool sent work (T)
                resets it. After --retries failures in a row the miner moves to the next pool; while on a backup
                it tries the primary every retry pause and goes back to it as soon as it answers.

                exit codes: 0 the pool shut down (Q reason 0), or Ctrl-C / SIGTERM; 1 the pool refused the miner
                (Q for any other reason, shown in words) or the pool's host does not resolve at the first
                connect; 2 a bad option or miner name (nothing is sent).

                bench: mines a synthetic 1024-byte job at unreachable difficulty, no pool needed, on 1 thread
                and then on N, and prints each hash rate next to this machine's raw SHA-256 compression rate.
                  --seconds S    how long each run mines (default %d)
                  --threads N    hashing threads of the second run (default: available processors, %d here)
                  --engine E     auto (default: every engine this JVM can run), vector or digest
                  --vector-bits B
                                 the vector engine's width, 256 or 512
                  --pool H:P     instead: mine for this pool, S seconds (default %d) on 1 thread and then on N,
                                 and print the rate the pool sees: nonces of the slots searched to their end,
                                 per second (use a pool at a difficulty no slot reaches, e.g. --bits 40)

                swarm: a load generator, thousands of miners on one thread (minepool client swarm --help).
                floor: the write-syscall floor under a pool's fan-out on this machine (minepool client floor --help).
                verify: check a pool's chain and balances from here (minepool client verify --help).
                wallet: keys, registrations and transfers (minepool wallet --help, or minepool client wallet).
                """.formatted(Protocol.DEFAULT_PORT, MinerConfig.DEFAULT_RETRIES,
                MinerConfig.DEFAULT_RETRY_PAUSE.toSeconds(), processors, NAME_FILE,
                MinerConfig.DEFAULT_CONNECT_TIMEOUT.toSeconds(), MinerConfig.DEFAULT_RESPONSE_TIMEOUT.toSeconds(),
                MinerConfig.DEFAULT_REPORT_EVERY.toSeconds(), VerifyOptions.DEFAULT_EVERY.toSeconds(),
                MinerConfig.DEFAULT_RETRY_BASE.toSeconds(),
                DEFAULT_BENCH_SECONDS, processors, DEFAULT_POOL_BENCH_SECONDS);
    }

    /** The user's home, where wallets and chain copies live by default. */
    private static Path home() {
        return Path.of(System.getProperty("user.home"));
    }

    /** {@code --verify} and its options: the chain verifier beside the miner. */
    private static final class VerifyOptions {
        static final Duration DEFAULT_EVERY = Duration.ofSeconds(30);
        boolean enabled;
        String api;
        Duration every = DEFAULT_EVERY;
        Path copy;
        PoolApi pool;

        void check() throws UsageException {
            if (!enabled) {
                if (api != null || copy != null) {
                    throw new UsageException("--api and --copy are options of --verify", true);
                }
                return;
            }
            if (api != null) {
                try {
                    pool = PoolApi.of(api);
                } catch (IllegalArgumentException e) {
                    throw new UsageException("--api: " + e.getMessage(), true);
                }
            }
        }

        /** The verifier, started; null without --verify. The API defaults to port 8080 of the primary pool. */
        VerifyAlongside start(MinerConfig config, Console console, Path home) {
            if (!enabled) {
                return null;
            }
            PoolApi api = pool;
            if (api == null) {
                String host = config.pools().get(0).host();
                api = PoolApi.of("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":8080/");
            }
            VerifyAlongside verifier = new VerifyAlongside(api, copy != null ? copy
                    : VerifyCommand.defaultCopy(home, api), every, console);
            verifier.start();
            return verifier;
        }
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

        PoolAddress poolValue(String option, String value) throws UsageException {
            try {
                return PoolAddress.parse(value);
            } catch (IllegalArgumentException e) {
                throw new UsageException(option + ": " + e.getMessage(), true);
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

        Duration durationValue(String option) throws UsageException {
            return Duration.ofNanos(Math.max(1, Math.round(secondsValue(option) * 1e9)));
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
                    + "' (the commands are bench, swarm, floor, verify and wallet)", true);
        }
    }
}
