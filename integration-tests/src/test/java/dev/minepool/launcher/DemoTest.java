package dev.minepool.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/minepool demo} as a new user runs it, on the jars of this build ({@code MINEPOOL_JARS}, so no Maven
 * runs inside Maven): three miners register their names before they mine, mine, one pays another with {@code
 * wallet send --wait}, the balances are printed before and after, and {@code client verify} agrees with the pool.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES) // a hang guard: about a dozen JVMs on a busy 2-core machine
class DemoTest {
    @TempDir
    Path dir;

    @Test
    void namesAreRegisteredCoinsAreSentAndTheChainVerifies() throws Exception {
        assumeTrue(Stream.of(System.getenv("PATH").split(java.io.File.pathSeparator))
                .anyMatch(d -> Files.isExecutable(Path.of(d, "bash"))), "bin/minepool needs bash");
        Path jars = Files.createDirectories(dir.resolve("jars"));
        Files.copy(Path.of(System.getProperty("minepool.serverJar")), jars.resolve("pool-server.jar"));
        Files.copy(Path.of(System.getProperty("minepool.clientJar")), jars.resolve("pool-client.jar"));
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        Path output = dir.resolve("demo.out");
        ProcessBuilder builder = new ProcessBuilder("bash", "bin/minepool", "demo")
                .directory(Path.of("..").toAbsolutePath().normalize().toFile())
                .redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().put("MINEPOOL_JARS", jars.toString());
        builder.environment().put("MINEPOOL_DEMO_BITS", "18"); // a block in a fraction of a second
        builder.environment().put("MINEPOOL_DEMO_BLOCKS", "3");
        builder.environment().put("TMPDIR", tmp.toString());
        Process demo = builder.start();
        boolean ended = demo.waitFor(4, TimeUnit.MINUTES);
        if (!ended) {
            demo.destroy();
            demo.waitFor(10, TimeUnit.SECONDS);
        }
        String text = Files.readString(output, StandardCharsets.UTF_8);
        assertThat(ended).as("the demo ended within 4 minutes; it printed:%n%s", text).isTrue();
        assertThat(demo.exitValue()).as("the demo's exit status; it printed:%n%s", text).isZero();

        List<String> lines = text.lines().toList();
        for (String name : List.of("alice", "bob", "carol")) {
            assertThat(lines).as("%s registers before mining", name)
                    .anySatisfy(l -> assertThat(l).startsWith("wallet | registration of " + name + " sent: txid "));
            int registered = indexOf(lines, "wallet | registration of " + name + " sent");
            int mining = indexOf(lines, String.format("%-6s | ", name));
            assertThat(registered).as("%s's registration comes before its miner's first line", name)
                    .isLessThan(mining);
        }
        int before = indexOf(lines, "demo: balances before the transfer:");
        int sent = indexOf(lines, "wallet | sent 0.50000000 coins from ");
        int confirmed = indexOf(lines, "wallet | confirmed in block ");
        int after = indexOf(lines, "demo: balances after the transfer");
        int verified = indexOf(lines, "verify | verified ");
        assertThat(List.of(before, sent, confirmed, after, verified)).as("in this order:%n%s", text).isSorted();
        // The miners' lines interleave with the demo's: the next wallet line is the table.
        assertThat(nextWalletLine(lines, before)).startsWith("wallet | balances at block ");
        assertThat(nextWalletLine(lines, after)).startsWith("wallet | balances at block ");
        assertThat(lines.get(verified)).matches("verify \\| verified \\d+ blocks up to [0-9a-f]{12}…, balances agree"
                + " \\(3 accounts, \\d+\\.00000000 coins\\) with http://127\\.0\\.0\\.1:\\d+/api/balances");

        // The recipient's history shows the transfer at the height it was confirmed at.
        Matcher m = Pattern.compile("wallet \\| sent 0\\.50000000 coins from (\\w+) to (\\w+)").matcher(text);
        assertThat(m.find()).isTrue();
        Matcher height = Pattern.compile("confirmed in block (\\d+)").matcher(text);
        assertThat(height.find()).isTrue();
        assertThat(text).containsPattern("wallet \\|   block +" + height.group(1) + "  \\+0\\.50000000 from "
                + m.group(1));
        assertThat(text).as("alice verifies beside mining").containsPattern("alice  \\| \\[[0-9:]+\\] verify: "
                + "verified \\d+ blocks? up to");
        assertThat(text).contains("demo: the chain, as the pool stored it:");
        assertThat(text).doesNotContain("WARNING: verify FAILED");
        try (Stream<Path> left = Files.list(tmp)) {
            assertThat(left).as("the demo's temporary directory is removed").isEmpty();
        }
    }

    private static String nextWalletLine(List<String> lines, int after) {
        return lines.subList(after + 1, lines.size()).stream().filter(l -> l.startsWith("wallet | ")).findFirst()
                .orElse("(no wallet line after line " + after + ")");
    }

    private static int indexOf(List<String> lines, String prefix) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                return i;
            }
        }
        throw new AssertionError("no line starting with '" + prefix + "' in:\n" + String.join("\n", lines));
    }
}
