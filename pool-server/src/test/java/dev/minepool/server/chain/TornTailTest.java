package dev.minepool.server.chain;

import dev.minepool.protocol.chain.DifficultyRule;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a crash in the middle of an append leaves: set aside in a side file, byte for byte, never deleted. */
class TornTailTest {
    static final List<Block> CHAIN = TestChains.blocks(3, 52, 4, "alice", "bob", "carol");
    static final DifficultyRule RULE = DifficultyRule.fixed(4);

    @TempDir
    Path dir;

    @Test
    void everyPrefixOfARecordAtTheEndIsSetAsideAndTheGoodBlocksRemain() throws Exception {
        byte[] good = TestChains.file(CHAIN.subList(0, 2));
        byte[] record = TestChains.record(CHAIN.get(2));
        for (int cut = 1; cut < record.length; cut++) {
            Path run = Files.createDirectory(dir.resolve("cut-" + cut));
            Path file = run.resolve("chain.dat");
            byte[] torn = concat(good, Arrays.copyOf(record, cut));
            Files.write(file, torn);

            TestChains.Command command = TestChains.Command.run(file);
            assertThat(command.status()).as("chain command, %d bytes of record 3", cut)
                    .isEqualTo(ChainCommand.EXIT_DAMAGED);
            assertThat(command.err()).as("%d bytes of record 3", cut).contains("torn tail", "record 3")
                    .hasLineCount(1);
            assertThat(command.out()).as("the good blocks are printed").contains("alice", "bob");

            TestChains.Log log = new TestChains.Log();
            try (ChainFile chain = ChainFile.open(file, RULE, log, TestChains.CLOCK)) {
                assertThat(chain.tip().height()).as("%d bytes of record 3", cut).isEqualTo(2);
                chain.append(CHAIN.get(2));
            }
            Path side = run.resolve("chain.dat.torn-" + TestChains.SIDE_FILE_STAMP);
            assertThat(Files.readAllBytes(side)).as("the side file holds the cut bytes, %d", cut)
                    .isEqualTo(Arrays.copyOf(record, cut));
            assertThat(log.lines).as("one line says where they went").singleElement().asString()
                    .startsWith("WARN").contains("record 3", "torn append", side.toString());
            assertThat(Files.readAllBytes(file)).as("the chain continues where the good blocks end")
                    .isEqualTo(TestChains.file(TestChains.fixedRule(CHAIN), CHAIN, 3));
        }
    }

    @Test
    void aSideFileIsNeverOverwritten() throws Exception {
        Path file = dir.resolve("chain.dat");
        Path taken = dir.resolve("chain.dat.torn-" + TestChains.SIDE_FILE_STAMP);
        Files.writeString(taken, "an earlier torn tail");
        byte[] record = TestChains.record(CHAIN.get(1));
        Files.write(file, concat(TestChains.file(CHAIN.subList(0, 1)), Arrays.copyOf(record, 20)));

        TestChains.Log log = new TestChains.Log();
        ChainFile.open(file, RULE, log, TestChains.CLOCK).close();

        assertThat(Files.readString(taken)).isEqualTo("an earlier torn tail");
        Path next = dir.resolve("chain.dat.torn-" + TestChains.SIDE_FILE_STAMP + "-2");
        assertThat(Files.readAllBytes(next)).isEqualTo(Arrays.copyOf(record, 20));
        assertThat(log.lines).singleElement().asString().contains(next.toString());
    }

    @Test
    void aVersion2FileHeaderCutShortIsSetAsideAndAVersion3OneWrittenInItsPlace() throws Exception {
        // Pools of format version 2 wrote their header in place, so a crash could leave part of it.
        byte[] header = ChainFile.version2FileHeader();
        for (int cut = 1; cut < header.length; cut++) {
            Path run = Files.createDirectory(dir.resolve("header-" + cut));
            Path file = run.resolve("chain.dat");
            Files.write(file, Arrays.copyOf(header, cut));

            assertThat(TestChains.Command.run(file).err()).as("%d header bytes", cut)
                    .contains("torn tail", "file header is incomplete");
            TestChains.Log log = new TestChains.Log();
            try (ChainFile chain = ChainFile.open(file, RULE, log, TestChains.CLOCK)) {
                assertThat(chain.tip().height()).isZero();
            }
            assertThat(Files.readAllBytes(file)).isEqualTo(ChainFile.fileHeader(RULE, 1));
            assertThat(Files.readAllBytes(run.resolve("chain.dat.torn-" + TestChains.SIDE_FILE_STAMP)))
                    .isEqualTo(Arrays.copyOf(header, cut));
            assertThat(log.lines).singleElement().asString().contains("file header is incomplete");
            try (Stream<Path> files = Files.list(run)) {
                assertThat(files).as("the chain and the side file, no temporary file").hasSize(2);
            }
        }
    }

    @Test
    void aVersion4FileHeaderCutShortIsDamageBecauseItIsNeverWrittenInPlace() throws Exception {
        byte[] header = ChainFile.fileHeader(RULE, 1);
        for (int cut = ChainFile.HEADER_LENGTH_OFFSET + 2; cut < header.length; cut++) {
            Path file = dir.resolve("chain.dat");
            Files.write(file, Arrays.copyOf(header, cut));
            TestChains.Command command = TestChains.Command.run(file);
            assertThat(command.status()).isEqualTo(ChainCommand.EXIT_DAMAGED);
            assertThat(command.err()).as("%d header bytes", cut).contains("file header is corrupt")
                    .doesNotContain("torn");
        }
    }

    @Test
    void aCompleteRecordHeaderOfZerosIsCorruptionNotATornTail() throws Exception {
        // Some file systems can leave zeros where an append was cut by a crash; a whole record header of zeros
        // fails its CRC, and the pool refuses rather than guess: the operator decides.
        Path file = dir.resolve("chain.dat");
        byte[] bytes = concat(TestChains.file(CHAIN.subList(0, 2)), new byte[ChainFile.RECORD_HEADER_LENGTH + 5]);
        Files.write(file, bytes);
        TestChains.Command command = TestChains.Command.run(file);
        assertThat(command.status()).isEqualTo(ChainCommand.EXIT_DAMAGED);
        assertThat(command.err()).contains("record 3", "record header's CRC32").doesNotContain("torn");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void aCleanFileOpensWithoutALineAndWithoutASideFile() throws Exception {
        Path file = dir.resolve("chain.dat");
        Files.write(file, TestChains.file(CHAIN));
        TestChains.Log log = new TestChains.Log();
        try (ChainFile chain = ChainFile.open(file, RULE, log, TestChains.CLOCK)) {
            assertThat(chain.tip().height()).isEqualTo(3);
        }
        assertThat(log.lines).isEmpty();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
        assertThat(TestChains.Command.run(file).status()).isEqualTo(ChainCommand.EXIT_OK);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
