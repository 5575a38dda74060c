package dev.minepool.server.chain;

import dev.minepool.protocol.chain.DifficultyRule;
import dev.minepool.protocol.chain.Difficulty;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pool-server chain}: exit 0 only for a file that verifies to its last byte, every block's bits against the
 * rule included, names printed safely.
 */
class ChainCommandTest {
    static final DifficultyRule RETARGET = DifficultyRule.retarget(4, 1000);
    /** Job timestamps: 8 blocks in the same millisecond, then two 0.5 s apart, then 6 s and 12 s apart. */
    static final long[] SPEEDING_UP_THEN_SLOWING_DOWN = {0, 0, 0, 0, 0, 0, 0, 0, 500, 1000, 7000, 19000};

    @TempDir
    Path dir;

    @Test
    void aVerifiedFilePrintsEveryBlockAndTheBalancesAndExits0() throws Exception {
        Path file = dir.resolve("chain.dat");
        Files.write(file, TestChains.goldenHex("chain-v3-golden.hex"));
        TestChains.Command command = TestChains.Command.run(file);
        assertThat(command.status()).as(command.err()).isEqualTo(ChainCommand.EXIT_OK);
        assertThat(command.err()).isEmpty();
        assertThat(command.out()).contains(
                "       1  0043c8172ee36285390fd7984a8b1af96aec33c7c54e9767465f19b2a22d7975  alice          8"
                        + "  0x000002c8         1.5 s\n",
                "       2  00fcfb2b2986d9fd12693abdeec99ea0d5edbab4a298365e546b8b153692addb  żółw           8"
                        + "  0x0000018f         3.0 s\n",
                "2 blocks, every link and proof of work verified; tip hash 00fcfb2b",
                "difficulty rule: retarget to 1 s a block from 8 zero bits (tau 4 s); every block's zero bits follow"
                        + " it, and the next block needs 8 (F = 8.0000)\n",
                "chain work: 2^9.00 (512 hashes on average)\n",
                "block time: mean 1.000 s over the last 1 block (from their found-at times), target 1 s\n",
                "  alice       1.00000000\n", "  żółw        1.00000000\n",
                "  total       2.00000000 (2 blocks × 1 coin)\n", "format version 3 (no transactions)");
    }

    @Test
    void aRetargetingChainVerifiesItsBitsGoingUpAndDown() throws Exception {
        List<Block> blocks = TestChains.mine(RETARGET, SPEEDING_UP_THEN_SLOWING_DOWN, "alice", "bob");
        assertThat(blocks).extracting(Block::zeroBits).as("the rule moves the bits both ways")
                .containsExactly(4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 5);
        Path file = dir.resolve("chain.dat");
        Files.write(file, TestChains.file(RETARGET, blocks));
        TestChains.Command command = TestChains.Command.run(file);
        assertThat(command.status()).as(command.err()).isEqualTo(ChainCommand.EXIT_OK);
        assertThat(command.out()).contains("12 blocks, every link and proof of work verified",
                "difficulty rule: retarget to 1 s a block from 4 zero bits (tau 4 s); every block's zero bits follow"
                        + " it, and the next block needs 4 (F = 3.5000)",
                "block time: mean 1.727 s over the last 11 blocks");
    }

    @Test
    void aCorruptedBitsValueIsCaughtNamingTheBlock() throws Exception {
        // Lowering a block's bits never breaks its proof of work (its hash still has the zeros), so only the rule
        // can catch it: the CRCs are made good, as a careful forger would.
        List<Block> blocks = TestChains.mine(RETARGET, SPEEDING_UP_THEN_SLOWING_DOWN, "alice", "bob");
        byte[] good = TestChains.file(RETARGET, blocks);
        Path file = dir.resolve("chain.dat");
        for (int height : new int[] {1, 8, 12}) {
            int bits = blocks.get(height - 1).zeroBits();
            Files.write(file, TestChains.withBits(good, height, bits - 1));
            TestChains.Command command = TestChains.Command.run(file);
            assertThat(command.status()).isEqualTo(ChainCommand.EXIT_DAMAGED);
            assertThat(command.err()).as("block %d", height).hasLineCount(1).contains("record " + height
                    + " (at byte " + TestChains.recordOffset(good, height) + ") (height " + height + ") breaks the"
                    + " difficulty rule: it says " + (bits - 1) + " zero bits, but the chain's rule (retarget to 1 s"
                    + " a block from 4 zero bits (tau 4 s)) requires " + bits);
            assertThat(command.out()).doesNotContain("blocks, every link");
            assertThatThrownBy(() -> ChainFile.open(file, RETARGET, new TestChains.Log(), TestChains.CLOCK))
                    .isInstanceOf(ChainCorruptException.class).hasMessageContaining("(height " + height + ") breaks");
        }
        Files.write(file, TestChains.withBits(TestChains.file(TestChains.golden()), 2, 7));
        assertThat(TestChains.Command.run(file).err()).contains("record 2", "it says 7 zero bits, but the chain's"
                + " rule (fixed at 8 zero bits) requires 8");
    }

    @Test
    void timestampsThatGoBackwardsOrLieInTheFutureAreCaught() throws Exception {
        Path file = dir.resolve("chain.dat");
        long t = 1_764_644_100_000L;
        Files.write(file, TestChains.file(RETARGET, TestChains.mine(RETARGET, new long[] {t, t + 1000, t + 999})));
        assertThat(TestChains.Command.run(file).err()).contains("record 3", "(height 3) breaks the difficulty rule:"
                + " its timestamp 2025-12-02T02:55:00.999Z is before the one of block 2 (2025-12-02T02:55:01Z): time"
                + " must not go backwards");

        long now = System.currentTimeMillis();
        long ahead = now + Difficulty.FUTURE_BOUND_MILLIS + 60_000;
        Files.write(file, TestChains.file(RETARGET, TestChains.mine(RETARGET, new long[] {now, ahead})));
        assertThat(TestChains.Command.run(file).err()).contains("record 2", "s ahead of this machine's clock, more"
                + " than the 120 s allowed");
        Files.write(file, TestChains.file(RETARGET, TestChains.mine(RETARGET, new long[] {now, now + 60_000})));
        assertThat(TestChains.Command.run(file).status()).as("a minute ahead is within the bound")
                .isEqualTo(ChainCommand.EXIT_OK);
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
                .containsPattern("(?m)^  ev\\\\u\\{000A\\}\\\\u\\{001B\\}\\[2J  1.00000000$");
        assertThat(command.out().lines()).as("one line per block, none added by a name (14 with the total)").hasSize(14);
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
