package dev.minepool.server.chain;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pool-server chain}: exit 0 only for a file that verifies to its last byte, names printed safely. */
class ChainCommandTest {
    @TempDir
    Path dir;

    @Test
    void aVerifiedFilePrintsEveryBlockAndTheBalancesAndExits0() throws Exception {
        Path file = dir.resolve("chain.dat");
        Files.write(file, TestChains.goldenHex("chain-v2-golden.hex"));
        TestChains.Command command = TestChains.Command.run(file);
        assertThat(command.status()).as(command.err()).isEqualTo(ChainCommand.EXIT_OK);
        assertThat(command.err()).isEmpty();
        assertThat(command.out()).contains(
                "       1  0043c8172ee36285390fd7984a8b1af96aec33c7c54e9767465f19b2a22d7975  alice          8"
                        + "  0x000002c8         1.5 s\n",
                "       2  00fcfb2b2986d9fd12693abdeec99ea0d5edbab4a298365e546b8b153692addb  żółw           8"
                        + "  0x0000018f         3.0 s\n",
                "2 blocks, every link and proof of work verified; tip hash 00fcfb2b",
                "  alice       1\n", "  żółw        1\n").doesNotContain("format version 1");
    }

    @Test
    void namesWithControlCharactersAreEscapedAndTheColumnsKept() throws Exception {
        Path file = dir.resolve("chain.dat");
        String hostile = "ev\n\u001b[2J"; // 7 bytes: an older pool took any bytes as a name
        List<Block> blocks = TestChains.blocks(2, 52, 4, hostile, "bob");
        Files.write(file, TestChains.v1File(blocks));

        TestChains.Command command = TestChains.Command.run(file);
        assertThat(command.status()).isEqualTo(ChainCommand.EXIT_OK);
        assertThat(command.out()).doesNotContain("\u001b").doesNotContain("ev\n")
                .contains("ev\\u{000A}\\u{001B}[2J")
                .containsPattern("(?m)^       1  [0-9a-f]{64}  ev\\\\u\\{000A\\}\\\\u\\{001B\\}\\[2J     4  0x")
                .containsPattern("(?m)^       2  [0-9a-f]{64}  bob            4  0x")
                .containsPattern("(?m)^  ev\\\\u\\{000A\\}\\\\u\\{001B\\}\\[2J  1$");
        assertThat(command.out().lines()).as("one line per block, none added by a name").hasSize(10);
    }

    @Test
    void everyKindOfDamageExits1WithOneLine() throws Exception {
        Path missing = dir.resolve("missing.dat");
        assertThat(TestChains.Command.run(missing)).satisfies(c -> {
            assertThat(c.status()).isEqualTo(ChainCommand.EXIT_DAMAGED);
            assertThat(c.err()).isEqualTo("pool-server chain: no chain file " + missing + "\n");
        });
        Path empty = Files.createFile(dir.resolve("empty.dat"));
        assertThat(TestChains.Command.run(empty)).satisfies(c -> {
            assertThat(c.status()).isEqualTo(ChainCommand.EXIT_DAMAGED);
            assertThat(c.err()).contains("is empty").hasLineCount(1);
        });
        Path notAChain = Files.writeString(dir.resolve("text.dat"), "hello, this is not a chain\n");
        assertThat(TestChains.Command.run(notAChain)).satisfies(c -> {
            assertThat(c.status()).isEqualTo(ChainCommand.EXIT_DAMAGED);
            assertThat(c.err()).contains("not a minepool chain file").hasLineCount(1).doesNotContain("Exception");
        });
    }

    @Test
    void aBadArgumentExits2AndHelpExits0() {
        TestChains.Command bad = run("chain", "--frobnicate");
        assertThat(bad.status()).isEqualTo(ChainCommand.EXIT_USAGE);
        assertThat(bad.err()).isEqualTo("pool-server chain: unknown argument '--frobnicate'\n");
        assertThat(run("chain", "--chain").err()).contains("--chain needs a value");
        TestChains.Command help = run("chain", "--help");
        assertThat(help.status()).isEqualTo(ChainCommand.EXIT_OK);
        assertThat(help.out()).contains("usage: pool-server chain [--chain FILE]");
    }

    static TestChains.Command run(String... args) {
        var out = new java.io.ByteArrayOutputStream();
        var err = new java.io.ByteArrayOutputStream();
        int status = ChainCommand.run(args, new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8),
                new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
        return new TestChains.Command(status, out.toString(java.nio.charset.StandardCharsets.UTF_8),
                err.toString(java.nio.charset.StandardCharsets.UTF_8));
    }
}
