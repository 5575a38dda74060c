package dev.minepool.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minepool.protocol.Message;
import dev.minepool.protocol.Protocol;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The whole client run in-process through its command line: options, the miner name, exit codes. */
class PoolClientMainTest {
    @TempDir
    Path workDir;

    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final CapturedOutput out = new CapturedOutput();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    @AfterEach
    void shutDown() {
        executor.shutdownNow();
    }

    private Future<Integer> startClient(String... args) {
        return executor.submit(() -> PoolClientMain.run(args, out.stream(), err, workDir));
    }

    /** The client in a JVM that has (or, as far as the client can tell, has not) the Vector API module. */
    private int runClient(boolean vectorModule, String... args) throws Exception {
        return executor.submit(() -> PoolClientMain.run(args, out.stream(), err, workDir, miner -> {
        }, () -> vectorModule)).get(20, TimeUnit.SECONDS);
    }

    private int runClient(String... args) throws Exception {
        return startClient(args).get(20, TimeUnit.SECONDS);
    }

    private String errors() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    /** Runs the client against a fake pool, returns the raw G it sent first, then ends it with Q. */
    private byte[] firstGetWork(String... options) throws Exception {
        return firstGetWork(true, options);
    }

    private byte[] firstGetWork(boolean vectorModule, String... options) throws Exception {
        try (FakePool pool = new FakePool()) {
            String[] args = new String[options.length + 4];
            System.arraycopy(options, 0, args, 0, options.length);
            System.arraycopy(new String[] {"--port", String.valueOf(pool.port()), "--host", "127.0.0.1"}, 0, args,
                    options.length, 4);
            Future<Integer> client = executor.submit(() -> PoolClientMain.run(args, out.stream(), err, workDir,
                    m -> {
                    }, () -> vectorModule));
            try (FakePool.Connection miner = pool.accept()) {
                byte[] getWork = miner.readBytes(Message.GetWork.LENGTH);
                miner.send(new Message.Quit(Message.Quit.Reason.SHUTDOWN));
                assertThat(client.get(10, TimeUnit.SECONDS)).as("exit code after Q").isZero();
                return getWork;
            }
        }
    }

    @ParameterizedTest(name = "--name {0}")
    @CsvSource({
        "alice,      47 61 6c 69 63 65 00 00 00 00 00",
        "żółw,       47 c5 bc c3 b3 c5 82 77 00 00 00",
        "abcdefghij, 47 61 62 63 64 65 66 67 68 69 6a",
    })
    void getWorkCarriesTheNameZeroPaddedToTenBytes(String name, String expectedHex) throws Exception {
        byte[] getWork = firstGetWork("--name", name, "--threads", "1");
        assertThat(HexFormat.ofDelimiter(" ").formatHex(getWork)).isEqualTo(expectedHex);
    }

    @Test
    void readsTheNameFromTheFirstLineOfMyId() throws Exception {
        Files.writeString(workDir.resolve("my_id"), "  bob \nsomeone else\n", StandardCharsets.UTF_8);
        byte[] getWork = firstGetWork("--threads", "1");
        assertThat(HexFormat.ofDelimiter(" ").formatHex(getWork)).isEqualTo("47 62 6f 62 00 00 00 00 00 00 00");
    }

    @Test
    void nameOptionWinsOverMyId() throws Exception {
        Files.writeString(workDir.resolve("my_id"), "bob\n", StandardCharsets.UTF_8);
        byte[] getWork = firstGetWork("--name=carol", "--threads=1");
        assertThat(new String(getWork, 1, 5, StandardCharsets.UTF_8)).isEqualTo("carol");
    }

    @Test
    void quitEndsTheClientWithExitZeroAndASummary() throws Exception {
        firstGetWork("--name", "alice", "--threads", "2");
        assertThat(out.text()).contains("minepool miner alice -> 127.0.0.1:", "2 threads", "engine vector",
                "the pool said goodbye (Q)");
        assertThat(out.lines().get(out.lines().size() - 1))
                .contains("summary: ran ", "hashes, average ", "blocks submitted 0, accepted 0, rejected 0",
                        "coins earned 0");
        assertThat(errors()).isEmpty();
    }

    @Test
    void withoutANameItExitsTwoAndSaysHowToSetOne() throws Exception {
        assertThat(runClient("--port", "1")).isEqualTo(2);
        assertThat(errors()).contains("no miner name: pass --name NAME or put your name in a file called my_id "
                + "in this directory (1 to 10 bytes of UTF-8)");
        assertThat(out.lines()).as("nothing mined, nothing printed").isEmpty();
    }

    @ParameterizedTest(name = "my_id containing {0}")
    @ValueSource(strings = {"", "\n", "   \nbob\n"})
    void anEmptyFirstLineOfMyIdIsNoName(String content) throws Exception {
        Files.writeString(workDir.resolve("my_id"), content, StandardCharsets.UTF_8);
        assertThat(runClient("--port", "1")).isEqualTo(2);
        assertThat(errors()).contains("no miner name");
    }

    @Test
    void apiWithoutVerifyIsABadCommandLine() throws Exception {
        assertThat(runClient("--name", "alice", "--api", "http://127.0.0.1:1/")).isEqualTo(2);
        assertThat(errors()).contains("--api and --copy are options of --verify");
    }

    @Test
    void verifyWithAnApiThatIsNotAUrlIsABadCommandLine() throws Exception {
        assertThat(runClient("--name", "alice", "--verify", "--api", "ftp://x/")).isEqualTo(2);
        assertThat(errors()).contains("--api: 'ftp://x/' is not an http:// URL with a host");
    }

    @Test
    void walletAndVerifyAreCommandsOfTheClient() throws Exception {
        assertThat(runClient("wallet", "--help")).isZero();
        assertThat(out.text()).contains("usage: minepool wallet COMMAND");
        assertThat(runClient("verify", "--bogus")).isEqualTo(2);
        assertThat(errors()).contains("minepool client verify: unknown option '--bogus'");
    }

    @Test
    void aNameLongerThanTenBytesExitsTwo() throws Exception {
        assertThat(runClient("--name", "abcdefghijk")).isEqualTo(2);
        assertThat(errors()).contains("the miner name \"abcdefghijk\" is 11 bytes in UTF-8; the protocol allows at "
                + "most 10 (from --name)");
    }

    @Test
    void aNameInMyIdLongerThanTenBytesOfUtf8ExitsTwo() throws Exception {
        // seven characters, but fourteen bytes: the limit is in bytes, and a name is never cut
        Files.writeString(workDir.resolve("my_id"), "ééééééé\n", StandardCharsets.UTF_8);
        assertThat(runClient()).isEqualTo(2);
        assertThat(errors()).contains("the miner name \"ééééééé\" is 14 bytes in UTF-8", "(from my_id)",
                "fix the first line of my_id or pass --name NAME");
    }

    @Test
    void aByteOrderMarkAndSpacesInMyIdAreNotPartOfTheName() throws Exception {
        // what Notepad writes: a BOM, then the name; and a stray space before the line break
        Files.writeString(workDir.resolve("my_id"), "\uFEFFalice \r\n", StandardCharsets.UTF_8);
        byte[] getWork = firstGetWork("--threads", "1");
        assertThat(HexFormat.ofDelimiter(" ").formatHex(getWork)).isEqualTo("47 61 6c 69 63 65 00 00 00 00 00");
    }

    @Test
    void aNameIsSentTrimmedAndInNormalizationFormC() throws Exception {
        // e + combining acute accent looks like é, and is sent as é (c3 a9), so both spellings are one account
        byte[] getWork = firstGetWork("--name", "  jose\u0301 ", "--threads", "1");
        assertThat(HexFormat.ofDelimiter(" ").formatHex(getWork)).isEqualTo("47 6a 6f 73 c3 a9 00 00 00 00 00");
    }

    @ParameterizedTest(name = "--name {0}")
    @CsvSource(delimiter = '|', value = {
        "'   '             | the miner name is empty",
        "'\uFEFF'          | the miner name is empty",
        "'al\nice'         | the miner name \"al\\u{000A}ice\" contains a control character (U+000A)",
        "'\u001B[31mred'   | contains a control character (U+001B)",
        "'ze\u200Bro'      | contains an invisible format character (U+200B)",
    })
    void aNameThatBreaksARuleExitsTwoSayingWhichAndSendsNothing(String name, String rule) throws Exception {
        try (FakePool pool = new FakePool()) {
            assertThat(runClient("--name", name, "--host", "127.0.0.1", "--port", String.valueOf(pool.port())))
                    .isEqualTo(2);
            assertThat(errors()).startsWith("minepool client: ").contains(rule, "(from --name)",
                    "pass another --name NAME");
            assertThat(out.lines()).as("nothing mined, nothing printed").isEmpty();
            assertThat(pool.hasWaitingConnection()).as("the miner never connected").isFalse();
        }
    }

    @Test
    void aNameWithAnEscapeInMyIdExitsTwo() throws Exception {
        Files.writeString(workDir.resolve("my_id"), "bo\u001Bb\n", StandardCharsets.UTF_8);
        assertThat(runClient("--port", "1")).isEqualTo(2);
        assertThat(errors()).contains("contains a control character (U+001B) (from my_id)");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "--port 0               | --port needs a whole number from 1 to 65535, not '0'",
        "--port x               | --port needs a whole number from 1 to 65535, not 'x'",
        "--threads 0            | --threads needs a whole number from 1 to 1024, not '0'",
        "--colour blue          | unknown option '--colour'",
        "--name                 | --name needs a value",
        "--quiet=yes            | --quiet takes no value",
        "mine                   | unexpected argument 'mine'",
        "bench --seconds 0      | --seconds needs a number of seconds above 0",
        "bench --colour blue    | unknown option '--colour'",
        "--pool a:0             | --pool: 'a:0' needs a port from 1 to 65535 after the colon",
        "--pools a:1,:2         | --pools: ':2' has no host before the port",
        "--pool a:1 --port 2    | give the pools with --pool HOST:PORT, or one pool with --host and --port, not both",
        "--retries 0            | --retries needs a whole number from 1 to 1000, not '0'",
        "--retry-pause never    | --retry-pause needs a number of seconds above 0",
        "--print-threads 0      | --print-threads needs a number of seconds above 0",
        "--vector-bits 300      | --vector-bits needs 128, 256 or 512, not 300",
        "--engine fast          | --engine needs auto, vector or digest, not 'fast'",
        "bench --engine=        | --engine needs auto, vector or digest, not ''",
        "--response-timeout 0   | --response-timeout needs a number of seconds above 0",
        "--connect-timeout=soon | --connect-timeout needs a number of seconds above 0",
    })
    void badOptionsExitTwoWithOneClearLine(String args, String message) throws Exception {
        assertThat(runClient(args.split(" "))).isEqualTo(2);
        assertThat(errors()).startsWith("minepool client: " + message)
                .endsWith("run with --help to see the options" + System.lineSeparator())
                .doesNotContain("Exception");
    }

    @Test
    void helpListsEveryOptionWithItsDefault() throws Exception {
        assertThat(runClient("--help")).isZero();
        assertThat(out.text()).contains("--host H", "default localhost", "--port N", "default 3333",
                "--threads N", "default: available processors", "--name NAME", "my_id", "--quiet", "--help",
                "--connect-timeout S", "(default 10)", "--response-timeout S", "(default 30)",
                "ceiling starts at 1 s and doubles up to the retry pause", "exit codes: 0", "--pool H:P",
                "--retries N", "(default 5)", "--retry-pause S", "--print-threads S", "--vector-bits B",
                "bench --pool H:P", "1 the pool refused", "2 a bad option",
                "bench", "--seconds S", "default 5", "--engine E", "auto", "vector", "digest");
    }

    @Test
    void benchMeasuresEveryEngineOnOneThreadAndOnAllNextToTheRawCompressionRate() throws Exception {
        assertThat(runClient("bench", "--seconds", "0.2", "--threads", "2")).isZero();
        assertThat(out.text()).contains("bench: the engines vector, digest on 1 and 2 threads each, a synthetic "
                + "1024-byte job at 255 zero bits");
        assertThat(out.awaitLine("raw SHA-256: ")).matches(".*[0-9.]+ M compressions/s on one thread.*");
        for (String engine : new String[] {"vector", "digest"}) {
            assertThat(out.awaitLine(engine + ", 1 thread: ")).matches(".*: [0-9.]+ [kMG]?H/s = [0-9.]+ of the raw "
                    + "SHA-256 rate per thread");
            assertThat(out.awaitLine(engine + ", 2 threads: ")).matches(".*: [0-9.]+ [kMG]?H/s \\([0-9.]+, [0-9.]+ "
                    + "per thread\\) = [0-9.]+ of the raw SHA-256 rate per thread, [0-9.]+x one thread");
        }
        assertThat(out.awaitLine("fastest: ")).matches(".*fastest: the (vector|digest) engine, [0-9.]+ of the raw "
                + "SHA-256 rate on one thread");
        assertThat(errors()).isEmpty();
    }

    @Test
    void benchWithoutTheVectorModuleSaysSoAndMeasuresTheDigestEngine() throws Exception {
        assertThat(runClient(false, "bench", "--seconds", "0.2", "--threads", "1")).isZero();
        assertThat(out.lines().get(0)).contains("engine digest (MessageDigest): the Vector API module "
                + "jdk.incubator.vector is not loaded; run java with --add-modules jdk.incubator.vector");
        assertThat(out.text()).contains("bench: the engine digest on 1 thread each").contains("digest, 1 thread: ")
                .doesNotContain("vector, ").doesNotContain("2 threads").doesNotContain("fastest");
    }

    @Test
    void benchOfOneEngineMeasuresOnlyThatOne() throws Exception {
        assertThat(runClient("bench", "--seconds", "0.2", "--threads", "1", "--engine", "vector")).isZero();
        assertThat(out.text()).contains("bench: the engine vector on 1 thread each", "vector, 1 thread: ")
                .doesNotContain("digest, ");
    }

    @Test
    void engineVectorWithoutTheModuleExitsTwoAndSaysHowToLoadIt() throws Exception {
        assertThat(runClient(false, "--name", "alice", "--engine", "vector")).isEqualTo(2);
        assertThat(errors()).startsWith("minepool client: --engine vector needs the Vector API module "
                + "jdk.incubator.vector, which this JVM has not loaded: run java with --add-modules "
                + "jdk.incubator.vector (bin/minepool does), or use --engine digest").doesNotContain("Exception");
        assertThat(out.lines()).as("nothing mined, nothing printed").isEmpty();
    }

    @Test
    void withoutTheVectorModuleTheMinerSaysItFallsBackToDigest() throws Exception {
        firstGetWork(false, "--name", "alice", "--threads", "1");
        assertThat(out.lines().get(0)).as("the first line says why").contains("engine digest (MessageDigest): "
                + "the Vector API module jdk.incubator.vector is not loaded");
        assertThat(out.text()).contains("1 thread, engine digest");
    }

    @Test
    void engineDigestIsUsedWhenAskedForEvenWithTheVectorModule() throws Exception {
        firstGetWork(true, "--name", "alice", "--threads", "1", "--engine", "digest");
        assertThat(out.text()).contains("1 thread, engine digest").doesNotContain("not loaded");
    }

    @Test
    void theVectorEngineSubmitsTheWorkedVectorNonceAndStopsOnInvalidation() throws Exception {
        byte[] data = new byte[Protocol.DEFAULT_DATA_SIZE];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i;
        }
        try (FakePool pool = new FakePool()) {
            Future<Integer> client = startClient("--name", "alice", "--threads", "1", "--port",
                    String.valueOf(pool.port()), "--host", "127.0.0.1");
            try (FakePool.Connection miner = pool.accept()) {
                miner.next(Message.GetWork.class);
                miner.send(new Message.Task(7, 0, 1 << 16, 16, data));
                Message.Submit submit = miner.next(Message.Submit.class);
                assertThat(submit.nonce()).as("the worked vector's first nonce at 16 bits").isEqualTo(5713);
                miner.send(new Message.Accepted(7));
                miner.next(Message.GetWork.class);
                // the whole nonce space at a difficulty no hash meets: only the I can end this search
                miner.send(new Message.Task(8, 0, Protocol.NONCE_SPACE, 255, data));
                out.awaitLine("job 8 slot 0");
                miner.send(new Message.Invalidated(8));
                assertThat(miner.next()).as("new work asked for after I").isInstanceOf(Message.GetWork.class);
                miner.send(new Message.Quit(Message.Quit.Reason.SHUTDOWN));
                assertThat(client.get(10, TimeUnit.SECONDS)).isZero();
            }
        }
        assertThat(out.text()).contains("1 thread, engine vector", "accepted: +1 coin");
        assertThat(errors()).isEmpty();
    }

    @ParameterizedTest(name = "Q reason {0} exits {1}")
    @CsvSource({
        "0, 0, the pool is shutting down",
        "1, 1, the pool is full",
        "2, 1, the pool has too many connections from this address",
        "3, 1, the pool refused the miner name",
        "4, 1, the miner name changed on the same connection",
        "5, 1, too many rejected submits",
        "9, 1, 'reason code 9, which this miner does not know'",
    })
    void theReasonOfTheQuitIsPrintedAndDecidesTheExitCode(int reason, int exitCode, String words) throws Exception {
        try (FakePool pool = new FakePool()) {
            Future<Integer> client = startClient("--name", "alice", "--threads", "1", "--engine", "digest",
                    "--port", String.valueOf(pool.port()), "--host", "127.0.0.1");
            try (FakePool.Connection miner = pool.accept()) {
                miner.next(Message.GetWork.class);
                miner.send(new Message.Quit(reason));
                assertThat(client.get(10, TimeUnit.SECONDS)).as("exit code after Q reason %d", reason)
                        .isEqualTo(exitCode);
            }
        }
        assertThat(out.text()).contains("the pool said goodbye (Q): " + words + "; stopping");
    }

    @Test
    void aHostThatDoesNotResolveExitsOneAndSaysSo() throws Exception {
        // .invalid never resolves (RFC 6761)
        assertThat(runClient("--name", "alice", "--threads", "1", "--host", "nosuch.invalid")).isEqualTo(1);
        assertThat(out.text()).contains("cannot resolve pool host 'nosuch.invalid'").doesNotContain("retrying");
    }

    @Test
    void aSignalStopsTheMinerAndHaltsWithTheCodeRunReturned() throws Exception {
        try (FakePool pool = new FakePool()) {
            CompletableFuture<Miner> started = new CompletableFuture<>();
            CompletableFuture<Integer> exitCode = new CompletableFuture<>();
            executor.submit(() -> exitCode.complete(PoolClientMain.run(new String[] {"--name", "alice", "--threads",
                "1", "--engine", "digest", "--host", "127.0.0.1", "--port", String.valueOf(pool.port())},
                    out.stream(), err, workDir, started::complete)));
            try (FakePool.Connection miner = pool.accept()) {
                miner.next(Message.GetWork.class);
                BlockingQueue<Integer> halted = new LinkedBlockingQueue<>();
                PoolClientMain.onShutdown(started.get(10, TimeUnit.SECONDS), exitCode, err, halted::add).run();
                assertThat(halted.poll(10, TimeUnit.SECONDS)).as("the code the hook halted with").isZero();
            }
        }
        assertThat(out.lines().get(out.lines().size() - 1)).contains("summary: ");
    }

    @Test
    void theHookLeavesAnExitThatMainStartedAlone() throws Exception {
        try (FakePool pool = new FakePool()) {
            CompletableFuture<Miner> started = new CompletableFuture<>();
            Future<Integer> client = executor.submit(() -> PoolClientMain.run(new String[] {"--name", "alice",
                "--threads", "1", "--engine", "digest", "--host", "127.0.0.1", "--port", String.valueOf(pool.port())},
                    out.stream(), err, workDir, started::complete));
            try (FakePool.Connection miner = pool.accept()) {
                miner.next(Message.GetWork.class);
                miner.send(new Message.Quit(Message.Quit.Reason.POOL_FULL));
                int code = client.get(10, TimeUnit.SECONDS);
                assertThat(code).isEqualTo(1);
                List<Integer> halted = new ArrayList<>();
                PoolClientMain.onShutdown(started.get(), CompletableFuture.completedFuture(code), err, halted::add)
                        .run();
                assertThat(halted).as("main's System.exit(1) stands: the hook halts nothing").isEmpty();
            }
        }
    }

    /** The client in a JVM of its own, as {@code java -cp ... PoolClientMain}, so that it can get a signal. */
    private Process childClient(int port) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(java, "-cp", System.getProperty("java.class.path"),
                PoolClientMain.class.getName(), "--name", "alice", "--threads", "1", "--engine", "digest", "--host",
                "127.0.0.1", "--port", String.valueOf(port));
        return new ProcessBuilder(command).directory(workDir.toFile())
                .redirectOutput(workDir.resolve("child.out").toFile())
                .redirectError(workDir.resolve("child.err").toFile()).start();
    }

    private String childOutput() throws IOException {
        return Files.readString(workDir.resolve("child.out")) + Files.readString(workDir.resolve("child.err"));
    }

    @ParameterizedTest(name = "SIG{0}")
    @ValueSource(strings = {"INT", "TERM"})
    @EnabledOnOs({OS.LINUX, OS.MAC})
    void aRealJvmStoppedBySigintOrSigtermPrintsItsSummaryAndExitsZero(String signal) throws Exception {
        try (FakePool pool = new FakePool()) {
            Process child = childClient(pool.port());
            try (FakePool.Connection miner = pool.accept()) {
                miner.next(Message.GetWork.class); // the hook is in place before the first connect
                miner.send(new Message.Task(1, 0, Protocol.NONCE_SPACE, 255, new byte[64]));
                Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(child.pid())).start();
                assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
                assertThat(child.waitFor(20, TimeUnit.SECONDS)).as("the child ended").isTrue();
                assertThat(child.exitValue()).as("exit code after SIG%s; it printed:%n%s", signal, childOutput())
                        .isZero();
            } finally {
                child.destroyForcibly();
            }
        }
        assertThat(childOutput()).contains("summary: ran ");
    }

    @Test
    @EnabledOnOs({OS.LINUX, OS.MAC})
    void aRealJvmPrintsItsPerThreadTableOnSigusr2() throws Exception {
        try (FakePool pool = new FakePool()) {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    PoolClientMain.class.getName(), "--name", "alice", "--threads", "2", "--engine", "digest",
                    "--pool", "127.0.0.1:" + pool.port()).directory(workDir.toFile())
                    .redirectError(workDir.resolve("child.err").toFile()).start();
            try (FakePool.Connection miner = pool.accept();
                    BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(),
                            StandardCharsets.UTF_8))) {
                miner.next(Message.GetWork.class); // the handler is in place before the first connect
                miner.send(new Message.Task(1, 0, Protocol.NONCE_SPACE, 255, new byte[64]));
                Future<List<String>> table = executor.submit(() -> {
                    List<String> seen = new ArrayList<>();
                    String line;
                    while ((line = lines.readLine()) != null) {
                        seen.add(line);
                        if (line.contains(" total ")) {
                            return seen;
                        }
                    }
                    return seen;
                });
                Process kill = new ProcessBuilder("kill", "-USR2", String.valueOf(child.pid())).start();
                assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
                List<String> seen = table.get(20, TimeUnit.SECONDS);
                assertThat(seen).as("what the miner printed after SIGUSR2").anyMatch(l -> l.matches(
                        ".*thread +10s +60s +15m +\\([kMG]?H/s\\)")).anyMatch(l -> l.matches(".*\\] +1( +\\S+){3}"))
                        .anyMatch(l -> l.matches(".*\\] +total( +\\S+){3}"));
                assertThat(Files.readString(workDir.resolve("child.err"))).doesNotContain("SIGUSR2 is taken");
            } finally {
                child.destroyForcibly();
            }
        }
    }

    @Test
    @EnabledOnOs({OS.LINUX, OS.MAC})
    void aRealJvmRefusedByAFullPoolExitsOne() throws Exception {
        try (FakePool pool = new FakePool()) {
            Process child = childClient(pool.port());
            try (FakePool.Connection miner = pool.accept()) {
                miner.next(Message.GetWork.class);
                miner.send(new Message.Quit(Message.Quit.Reason.POOL_FULL));
                assertThat(child.waitFor(20, TimeUnit.SECONDS)).as("the child ended").isTrue();
                assertThat(child.exitValue()).as("exit code; it printed:%n%s", childOutput()).isEqualTo(1);
            } finally {
                child.destroyForcibly();
            }
        }
        assertThat(childOutput()).contains("the pool said goodbye (Q): the pool is full; stopping", "summary: ");
    }

    @Test
    void myIdThatCannotBeReadExitsTwo() throws IOException, Exception {
        Files.createDirectory(workDir.resolve("my_id"));
        assertThat(runClient()).isEqualTo(2);
        assertThat(errors()).contains("cannot read the miner name from").contains("pass --name NAME instead");
    }
}
