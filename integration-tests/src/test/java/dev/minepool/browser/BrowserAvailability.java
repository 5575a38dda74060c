package dev.minepool.browser;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Where the Chromium binary is, or why the browser tests cannot run here, as the Wireshark tests'
 * {@code Availability} does it for tshark.
 *
 * <p>Call {@link #assumeChromium()} in a {@code @BeforeEach} (a {@code @BeforeAll} is reported by Surefire as
 * zero tests run rather than as skipped ones). With {@value #REQUIRE_ENV} set, as {@code .ci/run} sets it, a
 * missing browser fails the test instead of skipping it.
 */
public final class BrowserAvailability {
    public static final String REQUIRE_ENV = "MINEPOOL_REQUIRE_BROWSER";
    /** Names a binary other than those on the PATH below; when set, it is the only one tried. */
    public static final String BINARY_ENV = "CHROMIUM";
    static final List<String> NAMES = List.of("chromium", "chromium-browser", "google-chrome");

    private static final Set<String> REPORTED = ConcurrentHashMap.newKeySet();

    private BrowserAvailability() {
    }

    /** The browser to run, or skips the calling test (fails it with {@value #REQUIRE_ENV}) if there is none. */
    public static Path assumeChromium() {
        Optional<Path> binary = find();
        if (binary.isPresent()) {
            return binary.get();
        }
        String reason = whyMissing();
        if (System.getenv(REQUIRE_ENV) != null) {
            Assertions.fail(reason + " (and " + REQUIRE_ENV + " is set, so this fails instead of skipping)");
        }
        // Surefire prints skipped tests only as a count; say why on the console too, once.
        if (REPORTED.add(reason)) {
            System.err.println("SKIPPED (browser tests): " + reason);
        }
        Assumptions.abort(reason);
        throw new AssertionError("unreachable");
    }

    static Optional<Path> find() {
        String named = System.getenv(BINARY_ENV);
        if (named != null && !named.isBlank()) {
            Path path = Path.of(named);
            return Files.isExecutable(path) ? Optional.of(path) : onPath(named);
        }
        for (String name : NAMES) {
            Optional<Path> found = onPath(name);
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    private static String whyMissing() {
        String named = System.getenv(BINARY_ENV);
        if (named != null && !named.isBlank()) {
            return "$" + BINARY_ENV + " is " + named + ", which is not an executable file nor on the PATH";
        }
        return "no Chromium: none of " + String.join(", ", NAMES) + " is on the PATH (apt-get install chromium,"
                + " or set $" + BINARY_ENV + " to the browser's binary)";
    }

    private static Optional<Path> onPath(String name) {
        if (name.contains(File.separator)) {
            return Optional.empty();
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
