package dev.minepool.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.minepool.protocol.Direction;
import dev.minepool.protocol.Message;
import dev.minepool.protocol.MessageReader;
import dev.minepool.protocol.ProofOfWork;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/minepool} for real: a pool started by the launcher keeps serving miners, and stops cleanly on
 * SIGTERM, after a second launcher command has rebuilt the jars under it. Until the launcher ran its JVMs from a
 * copy of each build, the rebuild rewrote the jars the running pool was loading its classes from.
 *
 * <p>It works on a copy of the sources in a temporary directory (Maven must not rebuild this very build's
 * target directories while it runs), so it costs two Maven builds of the project, tests skipped.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES) // a hang guard only: two Maven builds on a busy 2-core machine
class LauncherRebuildTest {
    private static final Pattern LISTENING = Pattern.compile("listening on [^ ]*:(\\d+)");
    private static final int ZERO_BITS = 8; // the test solves its own block in a few hundred hashes

    @TempDir
    Path dir;

    @Test
    void aRebuildLeavesTheRunningPoolServingAndItStopsWithExitZero() throws Exception {
        assumeTrue(onPath("bash") && onPath("mvn"), "bin/minepool needs bash and Maven (mvn) on the PATH");
        Path repo = dir.resolve("repo");
        copySources(Path.of("..").toAbsolutePath().normalize(), repo);
        Path chain = dir.resolve("chain.dat");

        Result first = launcher(repo, "build");
        assertThat(first.exitCode()).as("the first build:%n%s", first.output()).isZero();

        Process pool = new ProcessBuilder(repo.resolve("bin/minepool").toString(), "server", "--bind", "127.0.0.1",
                "--port", "0", "--bits", String.valueOf(ZERO_BITS), "--chain", chain.toString(),
                "--http", "off") // not the default 127.0.0.1:8080, which another pool on the machine may hold
                .directory(repo.toFile()).redirectErrorStream(true).start();
        List<String> poolLines = new CopyOnWriteArrayList<>();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread reader = new Thread(() -> readLines(pool, poolLines, port), "pool output");
        reader.start();
        try {
            int poolPort = port.get(2, TimeUnit.MINUTES);

            // A source newer than the build: the next launcher command rebuilds before it runs anything.
            Path source = repo.resolve("pool-server/src/main/java/dev/minepool/server/PoolServer.java");
            Files.setLastModifiedTime(source, FileTime.from(Instant.now()));
            Result second = launcher(repo, "client", "--help");
            assertThat(second.exitCode()).as("bin/minepool client --help:%n%s", second.output()).isZero();
            assertThat(second.output()).as("the second command rebuilt the jars").contains("building the jars");

            // The pool still serves a miner: work, a solved block, an accept, and work for the next block.
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), poolPort)) {
                OutputStream out = socket.getOutputStream();
                MessageReader in = new MessageReader(socket.getInputStream(), Direction.SERVER_TO_CLIENT);
                out.write(new Message.GetWork("tester").toBytes());
                Message task = in.read();
                assertThat(task).as("the answer to G, pool output:%n%s", String.join("\n", poolLines))
                        .isInstanceOf(Message.Task.class);
                Message.Task t = (Message.Task) task;
                out.write(new Message.Submit(t.job(), solve(t)).toBytes());
                assertThat(in.read()).as("the answer to a valid S").isEqualTo(new Message.Accepted(t.job()));
                out.write(new Message.GetWork("tester").toBytes());
                assertThat(in.read()).as("work on the next block").isInstanceOf(Message.Task.class);

                pool.destroy(); // SIGTERM, to the JVM itself: the launcher execs java
                assertThat(in.read()).as("the pool's goodbye").isEqualTo(new Message.Quit(Message.Quit.Reason.SHUTDOWN));
            }
            assertThat(pool.waitFor(1, TimeUnit.MINUTES)).as("the pool exited").isTrue();
            reader.join();
            assertThat(pool.exitValue()).as("exit status on SIGTERM, output:%n%s", String.join("\n", poolLines))
                    .isZero();
            assertThat(poolLines).as("the pool's output").noneMatch(line -> line.contains("Error")
                    || line.contains("Exception"));
            assertThat(String.join("\n", poolLines)).contains("block 1 found by tester");
            try (Stream<Path> builds = Files.list(repo.resolve(".minepool/jars"))) {
                assertThat(builds.filter(p -> !Files.isSymbolicLink(p) && !p.getFileName().toString().startsWith(".")))
                        .as("a directory per build, the pool's and the rebuild's").hasSize(2);
            }
        } finally {
            pool.destroyForcibly();
        }
    }

    private static long solve(Message.Task task) {
        for (long nonce = task.firstNonce(); nonce < task.endNonce(); nonce++) {
            if (ProofOfWork.verify(task.data(), nonce, task.zeroBits())) {
                return nonce;
            }
        }
        throw new IllegalStateException("no nonce with " + task.zeroBits() + " zero bits in " + task);
    }

    private static void readLines(Process process, List<String> lines, CompletableFuture<Integer> port) {
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lines.add(line);
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    port.complete(Integer.parseInt(m.group(1)));
                }
            }
        } catch (IOException e) {
            port.completeExceptionally(e);
        }
        port.completeExceptionally(new IllegalStateException("the pool ended without listening:\n"
                + String.join("\n", lines)));
    }

    private record Result(int exitCode, String output) {
    }

    private static Result launcher(Path repo, String... args) throws IOException, InterruptedException {
        String[] command = new String[args.length + 1];
        command[0] = repo.resolve("bin/minepool").toString();
        System.arraycopy(args, 0, command, 1, args.length);
        Process process = new ProcessBuilder(command).directory(repo.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(process.waitFor(), output);
    }

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        return path != null && Stream.of(path.split(java.io.File.pathSeparator))
                .anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }

    /** The launcher, the poms and every module's sources; no build output, no earlier launcher builds. */
    private static void copySources(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path relative = from.relativize(file);
                String first = relative.getNameCount() == 0 ? "" : relative.getName(0).toString();
                boolean wanted = relative.toString().isEmpty() || first.equals("pom.xml") || first.equals("bin")
                        || first.equals("protocol") || first.equals("pool-server") || first.equals("pool-client")
                        || first.equals("integration-tests");
                boolean built = false;
                for (Path part : relative) {
                    built |= part.toString().equals("target") || part.toString().startsWith(".");
                }
                if (!wanted || built) {
                    continue;
                }
                Path target = to.resolve(relative.toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }
}
