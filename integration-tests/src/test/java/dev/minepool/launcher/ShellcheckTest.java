package dev.minepool.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The scripts in {@code bin/} are clean under shellcheck: no warning, no note, no blanket disable. Without
 * shellcheck the test is skipped and says why; with {@value #REQUIRE_ENV} set in the environment, as
 * {@code .ci/run} sets it after installing shellcheck, a missing shellcheck fails it instead (the same pattern as
 * {@code MINEPOOL_REQUIRE_WIRESHARK} for the dissector's tests).
 */
class ShellcheckTest {
    static final String REQUIRE_ENV = "MINEPOOL_REQUIRE_SHELLCHECK";
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

    @Test
    void theScriptsInBinAreCleanUnderShellcheck() throws Exception {
        assumeShellcheck();
        Process process = new ProcessBuilder("shellcheck", "bin/minepool", "bin/bench-swarm",
                "bin/wireshark-screenshots")
                .directory(REPO.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = process.waitFor();
        assertThat(output).as("what shellcheck says about bin/minepool, bin/bench-swarm and bin/wireshark-screenshots")
                .isEmpty();
        assertThat(exit).as("shellcheck's exit status").isZero();
    }

    @Test
    void noDisableInBinCoversAWholeFile() throws IOException {
        // A targeted disable sits on the line before the one it excuses, with a reason; one before the first
        // command (right after the shebang and comments) would silence that check for the whole script.
        for (String script : new String[] {"bin/minepool", "bin/bench-swarm", "bin/wireshark-screenshots"}) {
            String text = Files.readString(REPO.resolve(script));
            assertThat(text).as("%s has no shellcheck directive at file scope", script)
                    .doesNotContainPattern("\\A(#[^\n]*\n)*#\\s*shellcheck\\s+disable")
                    .doesNotContain("disable=all");
        }
    }

    private static void assumeShellcheck() {
        String path = System.getenv("PATH");
        boolean found = path != null && Stream.of(path.split(File.pathSeparator))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, "shellcheck")));
        if (found) {
            return;
        }
        String reason = "shellcheck is not on the PATH (Debian: apt-get install shellcheck)";
        if (System.getenv(REQUIRE_ENV) != null) {
            Assertions.fail(reason + " (and " + REQUIRE_ENV + " is set, so this fails instead of skipping)");
        }
        // Surefire prints skipped tests only as a count: say why on the console too.
        System.err.println("SKIPPED (shellcheck test): " + reason);
        Assumptions.abort(reason);
    }
}
