package dev.minepool.browser;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A headless Chromium of its own: a fresh profile in a temporary directory, DevTools on a free port of
 * 127.0.0.1, a 1280x900 window. {@link #newPage()} opens a tab to drive; {@link #close()} ends every process
 * the browser started, and fails if one survives, so a test run leaves no browser behind.
 *
 * <pre>{@code
 * try (Chromium chromium = Chromium.launch(BrowserAvailability.assumeChromium())) {
 *     Page page = chromium.newPage();
 *     page.navigate("http://127.0.0.1:" + port + "/");
 *     page.awaitTrue("document.querySelector('#height').textContent === '7'", Duration.ofSeconds(10));
 * }
 * }</pre>
 */
public final class Chromium implements AutoCloseable {
    public static final int WIDTH = 1280;
    public static final int HEIGHT = 900;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(5);
    private static final String DEVTOOLS_LINE = "DevTools listening on ";
    private static final int STDERR_LINES_KEPT = 40;

    private final Process process;
    private final Path home;
    private final Deque<String> stderrTail = new ArrayDeque<>();
    private final Thread killOnExit;
    private final DevTools devTools;

    private Chromium(Path binary) throws IOException {
        home = Files.createTempDirectory("minepool-chromium-");
        List<String> command = List.of(binary.toString(),
                "--headless=new",
                // CI runs as root, where Chromium refuses to start with its sandbox.
                "--no-sandbox",
                "--disable-gpu",
                "--window-size=" + WIDTH + "," + HEIGHT,
                "--hide-scrollbars",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                "--user-data-dir=" + home.resolve("profile"),
                // A test's pages are all on loopback: no proxy from the environment, no calls home.
                "--no-proxy-server",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--mute-audio",
                // Containers often have a 64 MB /dev/shm, too small for a renderer.
                "--disable-dev-shm-usage",
                "about:blank");
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        // The crash handler detaches from the browser's process tree; with its database under our directory its
        // command line names it, which is how close() finds it. It also keeps ~/.config/chromium untouched.
        builder.environment().put("HOME", home.toString());
        builder.environment().put("XDG_CONFIG_HOME", home.resolve("config").toString());
        builder.environment().put("XDG_CACHE_HOME", home.resolve("cache").toString());
        process = builder.start();
        killOnExit = new Thread(this::killProcesses, "chromium-kill-on-exit");
        Runtime.getRuntime().addShutdownHook(killOnExit);
        try {
            devTools = DevTools.connect(URI.create(awaitDevToolsUrl()));
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Starts the browser and connects to it; {@code binary} is usually {@link BrowserAvailability#assumeChromium()}. */
    public static Chromium launch(Path binary) throws IOException {
        return new Chromium(binary);
    }

    /** A new blank tab whose page is {@link #WIDTH}x{@link #HEIGHT} CSS pixels, collecting its errors. */
    public Page newPage() {
        Map<String, Object> target = devTools.call("Target.createTarget", Map.of("url", "about:blank"));
        Map<String, Object> attached = devTools.call("Target.attachToTarget",
                Map.of("targetId", target.get("targetId"), "flatten", true));
        Page page = new Page(devTools, (String) attached.get("sessionId"));
        // The window's size includes the browser's (invisible) toolbars; set the page's own, for screenshots
        // and layouts that are the same on every machine.
        page.call("Emulation.setDeviceMetricsOverride",
                Map.of("width", WIDTH, "height", HEIGHT, "deviceScaleFactor", 1, "mobile", false));
        return page;
    }

    /** The browser-wide DevTools connection, for commands this harness has no method for. */
    public DevTools devTools() {
        return devTools;
    }

    /** The browser's process and every process it started that is still running. */
    public List<ProcessHandle> processes() {
        List<ProcessHandle> all = new ArrayList<>();
        if (process.isAlive()) {
            all.add(process.toHandle());
        }
        process.descendants().forEach(all::add);
        // Matched by our directory: only processes of this browser name it.
        String marker = home.toString();
        ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(line -> line.contains(marker)).orElse(false))
                .filter(p -> !all.contains(p))
                .forEach(all::add);
        return all;
    }

    /** The last lines the browser wrote to stderr, for a failure message. */
    public String stderrTail() {
        synchronized (stderrTail) {
            return String.join("\n", stderrTail);
        }
    }

    @Override
    public void close() {
        if (devTools != null) {
            devTools.close();
        }
        List<ProcessHandle> survivors = killProcesses();
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException alreadyExiting) {
            // the hook is running or has run; nothing left to undo
        }
        deleteHome();
        if (!survivors.isEmpty()) {
            throw new IllegalStateException("Chromium processes still running after close: "
                    + survivors.stream().map(p -> p.pid() + " " + p.info().command().orElse("?")).toList());
        }
    }

    /**
     * KILL to every process of this browser; returns any still running after that. No graceful TERM first:
     * the profile is thrown away, so a clean shutdown would save nothing, and the processes are all listed
     * before the first signal because once the browser is gone its children are re-parented and no longer
     * its descendants. A second round catches a helper started while the first was being sent.
     */
    private List<ProcessHandle> killProcesses() {
        List<ProcessHandle> alive = List.of();
        for (int round = 0; round < 2; round++) {
            List<ProcessHandle> all = processes();
            all.forEach(ProcessHandle::destroyForcibly);
            alive = awaitExit(all);
        }
        return alive;
    }

    private static List<ProcessHandle> awaitExit(List<ProcessHandle> processes) {
        // All waits at once: the JDK polls a process that is not its child, about once a second.
        CompletableFuture<?>[] exits = processes.stream().map(ProcessHandle::onExit).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(exits).get(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // the survivors are listed below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return processes.stream().filter(ProcessHandle::isAlive).toList();
    }

    /** Reads stderr until the DevTools line, and keeps draining it after, so the browser never blocks on it. */
    private String awaitDevToolsUrl() throws IOException {
        CompletableFuture<String> url = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    synchronized (stderrTail) {
                        stderrTail.addLast(line);
                        if (stderrTail.size() > STDERR_LINES_KEPT) {
                            stderrTail.removeFirst();
                        }
                    }
                    if (line.startsWith(DEVTOOLS_LINE)) {
                        url.complete(line.substring(DEVTOOLS_LINE.length()).trim());
                    }
                }
            } catch (IOException e) {
                // the browser is gone; the future below says so
            }
            url.completeExceptionally(new IOException("Chromium exited before opening DevTools"));
        }, "chromium-stderr");
        reader.setDaemon(true);
        reader.start();
        try {
            return url.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            throw new IOException("Chromium did not open DevTools within " + START_TIMEOUT.toSeconds() + " s"
                    + (e instanceof ExecutionException ? " (it exited)" : "") + "; its stderr ends with:\n"
                    + stderrTail(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting Chromium", e);
        }
    }

    private void deleteHome() {
        try (Stream<Path> paths = Files.walk(home)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is no reason to fail a test
        }
    }
}
