package dev.minepool.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minepool.protocol.Direction;
import dev.minepool.protocol.Message;
import dev.minepool.protocol.MessageReader;
import dev.minepool.protocol.MinerName;
import dev.minepool.protocol.ledger.Ed25519;
import dev.minepool.protocol.ledger.NameRegistration;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.KeyPair;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pool as a process, run from its jar the way {@code bin/minepool server} runs it: a signal always ends it,
 * even when the jar it runs from has been overwritten underneath it (which a rebuild in place used to do, leaving
 * a pool that ignored SIGTERM and never exited). The waits below are hang guards, not speed goals.
 */
@Timeout(120)
class PoolProcessTest {
    private static final long HANG_GUARD_SECONDS = 30;
    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern HTTP_ON = Pattern.compile("http on (http://127\\.0\\.0\\.1:\\d+/)");

    @TempDir
    Path dir;

    private Process pool;
    private String httpUrl;
    /** The lines the last start printed up to its "listening on". */
    private final List<String> startLines = new java.util.ArrayList<>();
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    @AfterEach
    void killLeftovers() {
        if (pool != null && pool.isAlive()) {
            pool.destroyForcibly();
        }
    }

    /** Starts the pool from a copy of its jar; returns its port. */
    private int startPool(Path jar) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString(), "--bind", "127.0.0.1", "--port", "0", "--bits", "8",
                "--chain", dir.resolve("chain.dat").toString(), "--http", "127.0.0.1:0").redirectErrorStream(true);
        pool = builder.start();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(pool.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("(reading the pool's output failed: " + e + ")");
            }
        }, "pool-output");
        reader.setDaemon(true);
        reader.start();
        while (true) {
            String line = lines.poll(HANG_GUARD_SECONDS, TimeUnit.SECONDS);
            assertThat(line).as("the pool's 'listening on' line").isNotNull();
            startLines.add(line);
            Matcher http = HTTP_ON.matcher(line);
            if (http.find()) {
                httpUrl = http.group(1);
            }
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
        }
    }

    private Path jarCopy() throws IOException {
        Path jar = Path.of(System.getProperty("minepool.serverJar"));
        assertThat(jar).as("the pool jar, packaged by the reactor before this module's tests").exists();
        return Files.copy(jar, dir.resolve("pool-server.jar"), StandardCopyOption.REPLACE_EXISTING);
    }

    private static Message getWork(int port, String name) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(new Message.GetWork(name.getBytes(StandardCharsets.UTF_8)).toBytes());
            return new MessageReader(socket.getInputStream(), Direction.SERVER_TO_CLIENT).read();
        }
    }

    /** SIGTERM through kill(1): Process.destroy() would also close the pipes, and with them the pool's last lines. */
    private void sigterm() throws Exception {
        Process kill = new ProcessBuilder("kill", "-TERM", Long.toString(pool.pid())).inheritIO().start();
        boolean sent = kill.waitFor(HANG_GUARD_SECONDS, TimeUnit.SECONDS) && kill.exitValue() == 0;
        assertThat(sent || !pool.isAlive()).as("kill -TERM reached the pool, or it had exited already").isTrue();
    }

    /** The pool's output so far, once its stream has ended (it has exited). */
    private String output() {
        return String.join("\n", List.copyOf(lines));
    }

    @Test
    void sigtermStopsThePoolWithStatusZero() throws Exception {
        int port = startPool(jarCopy());
        assertThat(getWork(port, "alice")).isInstanceOf(Message.Task.class);
        sigterm();
        assertThat(pool.waitFor(HANG_GUARD_SECONDS, TimeUnit.SECONDS)).as("the pool exited on SIGTERM").isTrue();
        assertThat(pool.exitValue()).as("exit status; the pool printed:%n%s", output()).isZero();
        assertThat(output()).contains("SIGTERM: stopping the pool").contains("pool stopped:");
    }

    @Test
    void aMinerOfAPoolWhoseJarWasOverwrittenStillHearsGoodbyeOnSigterm() throws Exception {
        Path jar = jarCopy();
        int port = startPool(jar);
        try (Socket miner = new Socket()) {
            miner.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            miner.setSoTimeout((int) TimeUnit.SECONDS.toMillis(HANG_GUARD_SECONDS));
            miner.getOutputStream().write(new Message.GetWork("alice").toBytes());
            MessageReader reader = new MessageReader(miner.getInputStream(), Direction.SERVER_TO_CLIENT);
            assertThat(reader.read()).isInstanceOf(Message.Task.class);
            overwrite(jar);
            sigterm();
            assertThat(reader.read()).as("the miner is told, not left hanging")
                    .isEqualTo(new Message.Quit(Message.Quit.Reason.SHUTDOWN));
        }
        assertThat(pool.waitFor(HANG_GUARD_SECONDS, TimeUnit.SECONDS))
                .as("the pool exited on SIGTERM; it printed:%n%s", output()).isTrue();
        assertThat(output()).as("no stack trace").doesNotContain("\tat ");
    }

    @Test
    void aChainFileThatRecordsAnotherDifficultyRuleExits2WithOneLineAndIsLeftAsItWas() throws Exception {
        Path jar = jarCopy();
        startPool(jar); // creates the chain at a fixed 8 bits
        sigterm();
        assertThat(pool.waitFor(HANG_GUARD_SECONDS, TimeUnit.SECONDS)).as("the first pool exited").isTrue();
        Path chain = dir.resolve("chain.dat");
        byte[] before = Files.readAllBytes(chain);

        Process second = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString(), "--bind", "127.0.0.1", "--port", "0", "--bits", "8", "--target-block-time",
                "2s", "--chain", chain.toString(), "--http", "off").redirectErrorStream(true).start();
        try {
            assertThat(second.waitFor(HANG_GUARD_SECONDS, TimeUnit.SECONDS)).as("the second pool exited").isTrue();
            String printed = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(second.exitValue()).as("exit status; it printed:%n%s", printed).isEqualTo(2);
            assertThat(printed).isEqualTo("pool-server: chain file " + chain + " records the difficulty rule \"fixed"
                    + " at 8 zero bits\" (0 blocks), but the command line asks for \"retarget to 2 s a block from 8"
                    + " zero bits (tau 8 s)\"; run with --bits 8 to extend this chain, or give another --chain to"
                    + " start a new one\n");
        } finally {
            second.destroyForcibly();
        }
        assertThat(Files.readAllBytes(chain)).as("the chain file is left as it was").isEqualTo(before);
    }

    /**
     * A 202 is never lost: the pool is killed with SIGKILL the moment the POST is answered (no shutdown hook, no
     * close), and the pool started next on the same chain file shows the record pending.
     */
    @Test
    void aTransactionAnswered202SurvivesSigkill() throws Exception {
        Path jar = jarCopy();
        startPool(jar);
        KeyPair key = Ed25519.generate();
        NameRegistration alice = NameRegistration.sign(MinerName.parse("alice"), Ed25519.rawPublicKey(key.getPublic()),
                key.getPrivate());
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> posted = http.send(HttpRequest.newBuilder(URI.create(httpUrl + "api/transactions"))
                .timeout(Duration.ofSeconds(HANG_GUARD_SECONDS)).POST(HttpRequest.BodyPublishers.ofString(
                        "{\"tx\":\"" + HexFormat.of().formatHex(alice.toBytes()) + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        pool.destroyForcibly();
        assertThat(posted.statusCode()).as(posted.body()).isEqualTo(202);
        assertThat(pool.waitFor(HANG_GUARD_SECONDS, TimeUnit.SECONDS)).as("the pool died of SIGKILL").isTrue();

        lines.clear();
        startLines.clear();
        startPool(jar);
        HttpResponse<String> status = http.send(HttpRequest.newBuilder(URI.create(httpUrl + "api/transactions/"
                + alice.txidHex())).timeout(Duration.ofSeconds(HANG_GUARD_SECONDS)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(status.statusCode()).as(status.body()).isEqualTo(200);
        assertThat(status.body()).contains("\"status\":\"pending\"");
        assertThat(startLines).anyMatch(l -> l.contains("mempool: 1 pending transaction restored from "
                + dir.resolve("chain.dat.mempool") + ", 0 dropped"));
        sigterm();
        assertThat(pool.waitFor(HANG_GUARD_SECONDS, TimeUnit.SECONDS)).as("the second pool exited").isTrue();
    }

    /** Overwrites the jar in place, as 'mvn package' into the same path did under a running pool. */
    private static void overwrite(Path jar) throws IOException {
        byte[] junk = new byte[(int) Files.size(jar)];
        java.util.Arrays.fill(junk, (byte) 'x');
        Files.write(jar, junk, StandardOpenOption.TRUNCATE_EXISTING);
    }

    @Test
    void aJarOverwrittenUnderARunningPoolNeverLeavesItHanging() throws Exception {
        Path jar = jarCopy();
        int port = startPool(jar);
        // The running JVM's view of its classes is now garbage: every class it has not loaded yet is gone.
        overwrite(jar);
        try {
            getWork(port, "bad\u0001name"); // a path the pool has not run yet: it may need classes it cannot load
        } catch (IOException e) {
            // the pool may have failed on it and closed everything: that is allowed, hanging is not
        }
        if (pool.isAlive()) {
            sigterm();
        }
        assertThat(pool.waitFor(HANG_GUARD_SECONDS, TimeUnit.SECONDS))
                .as("the pool exited; it printed:%n%s", output()).isTrue();
        assertThat(output()).as("one clear line, no stack trace").doesNotContain("\tat ");
        if (pool.exitValue() != 0) {
            assertThat(output()).as("why it failed").containsPattern("WARN .*(event loop failed|did not stop)");
        }
    }
}
