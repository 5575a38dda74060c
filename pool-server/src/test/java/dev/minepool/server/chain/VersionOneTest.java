package dev.minepool.server.chain;

import dev.minepool.protocol.chain.DifficultyRule;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chain files written before format version 3 (1: no CRC on record headers; 2: no difficulty rule): read,
 * printed, and upgraded when a pool opens them, their blocks keeping their bits and the pool's rule governing the
 * blocks after them.
 */
class VersionOneTest {
    static final DifficultyRule FIXED_8 = DifficultyRule.fixed(8);

    @TempDir
    Path dir;

    final TestChains.Log log = new TestChains.Log();

    Path file() {
        return dir.resolve("chain.dat");
    }

    @Test
    void aVersion1FileIsReadAndPrinted() throws Exception {
        Files.write(file(), TestChains.goldenHex("chain-v1-golden.hex"));
        assertThat(TestChains.scan(file())).containsExactlyElementsOf(TestChains.golden());

        TestChains.Command command = TestChains.Command.run(file());
        assertThat(command.status()).as(command.err()).isEqualTo(ChainCommand.EXIT_OK);
        assertThat(command.out()).contains("2 blocks, every link and proof of work verified", "format version 1")
                .containsPattern("alice\\s+1.00000000\\n").containsPattern("żółw\\s+1.00000000\\n");
    }

    @Test
    void openingAVersion1FileUpgradesItAndKeepsTheOldOneAsV1() throws Exception {
        byte[] v1 = TestChains.goldenHex("chain-v1-golden.hex");
        Files.write(file(), v1);
        List<Block> blocks = TestChains.blocks(3, 3, 56, 8, "alice", "żółw", "bob");
        try (ChainFile chain = ChainFile.open(file(), FIXED_8, log, TestChains.CLOCK)) {
            assertThat(chain.tip().hash()).isEqualTo(blocks.get(1).hash());
            chain.append(blocks.get(2));
        }
        Path backup = dir.resolve("chain.dat.v1");
        assertThat(Files.readAllBytes(backup)).as("the version 1 file, untouched").isEqualTo(v1);
        assertThat(Files.readAllBytes(file())).as("the upgraded file, then the appended block")
                .isEqualTo(TestChains.file(FIXED_8.from(3), blocks, 3));
        assertThat(log.lines).singleElement().asString().startsWith("INFO")
                .contains("upgraded from format version 1 to 4 (2 blocks, which keep their bits; the rule \"fixed"
                        + " at 8 zero bits, from block 3\" governs the next; transactions from block 3)",
                        backup.toString());
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).as("no temporary file is left").containsExactlyInAnyOrder(file(), backup);
        }

        log.lines.clear();
        ChainFile.open(file(), FIXED_8, log, TestChains.CLOCK).close();
        assertThat(log.lines).as("a version 3 file is not upgraded again").isEmpty();
    }

    @Test
    void anExistingBackupIsNeverOverwritten() throws Exception {
        Files.writeString(dir.resolve("chain.dat.v1"), "an older backup");
        Files.write(file(), TestChains.v1File(TestChains.golden()));
        ChainFile.open(file(), FIXED_8, log, TestChains.CLOCK).close();
        assertThat(Files.readString(dir.resolve("chain.dat.v1"))).isEqualTo("an older backup");
        assertThat(Files.readAllBytes(dir.resolve("chain.dat.v1-2")))
                .isEqualTo(TestChains.v1File(TestChains.golden()));
    }

    @Test
    void anEmptyVersion1ChainIsUpgradedToo() throws Exception {
        Files.write(file(), TestChains.v1File(List.of()));
        try (ChainFile chain = ChainFile.open(file(), FIXED_8, log, TestChains.CLOCK)) {
            assertThat(chain.tip().height()).isZero();
        }
        assertThat(Files.readAllBytes(file())).isEqualTo(ChainFile.fileHeader(FIXED_8, 1));
    }

    @Test
    void aFlippedLengthInAVersion1FileIsCorruptionNotATornTail() throws Exception {
        // The bug of the issue, on the files that exist today: the last record's length made to run past the end.
        byte[] v1 = TestChains.v1File(TestChains.golden());
        int record2 = ChainFile.V1_FILE_HEADER_LENGTH + ChainFile.V1_RECORD_HEADER_LENGTH
                + ByteBuffer.wrap(v1).getInt(ChainFile.V1_FILE_HEADER_LENGTH);
        v1[record2 + ChainFile.BODY_LENGTH_OFFSET + 2] ^= 0x01; // 125 becomes 381
        Files.write(file(), v1);

        assertThatThrownBy(() -> ChainFile.open(file(), FIXED_8, log, TestChains.CLOCK))
                .isInstanceOf(ChainCorruptException.class)
                .hasMessageContaining("record 2 (at byte " + record2 + ")")
                .hasMessageContaining("the length field is damaged");
        assertThat(Files.readAllBytes(file())).isEqualTo(v1);
        assertThat(TestChains.Command.run(file()).status()).isEqualTo(ChainCommand.EXIT_DAMAGED);
    }

    @Test
    void aTornVersion1TailIsSetAsideBeforeTheUpgrade() throws Exception {
        List<Block> blocks = TestChains.golden();
        byte[] whole = TestChains.v1File(blocks);
        byte[] one = TestChains.v1File(blocks.subList(0, 1));
        byte[] torn = Arrays.copyOf(whole, whole.length - 30);
        Files.write(file(), torn);

        assertThat(TestChains.Command.run(file()).err()).contains("torn tail", "record 2");
        try (ChainFile chain = ChainFile.open(file(), FIXED_8, log, TestChains.CLOCK)) {
            assertThat(chain.tip().height()).isEqualTo(1);
        }
        assertThat(Files.readAllBytes(dir.resolve("chain.dat.torn-" + TestChains.SIDE_FILE_STAMP)))
                .isEqualTo(Arrays.copyOfRange(torn, one.length, torn.length));
        assertThat(Files.readAllBytes(dir.resolve("chain.dat.v1"))).isEqualTo(one);
        assertThat(Files.readAllBytes(file())).isEqualTo(TestChains.file(FIXED_8.from(2), blocks.subList(0, 1)));
        assertThat(log.lines).hasSize(2);
    }

    @Test
    void aVersion2FileIsUpgradedAndTheRuleGovernsFromTheBlockAfterItsTip() throws Exception {
        // An old pool may have been restarted with other --bits, so its blocks keep whatever bits they say.
        byte[] v2 = TestChains.v2File(TestChains.mineAt(new int[] {5, 6}, new long[] {1_000, 2_000}));
        Files.write(file(), v2);
        DifficultyRule retarget = DifficultyRule.retarget(7, 2_000);
        try (ChainFile chain = ChainFile.open(file(), retarget, log, TestChains.CLOCK)) {
            assertThat(chain.difficulty().rule()).isEqualTo(retarget.from(3));
            assertThat(chain.difficulty().requiredBits()).as("block 3 starts the rule").isEqualTo(7);
            assertThat(chain.chainWork().value()).isEqualTo((1 << 5) + (1 << 6));
        }
        assertThat(Files.readAllBytes(dir.resolve("chain.dat.v2"))).isEqualTo(v2);
        assertThat(log.lines).singleElement().asString().contains("upgraded from format version 2 to 4",
                "from block 3");
        ChainFile.ReadResult read = ChainFile.scan(file(), b -> { });
        assertThat(read.version()).isEqualTo(4);
        assertThat(read.blocks()).isEqualTo(2);
    }
}
