package dev.minepool.server.chain;

import dev.minepool.protocol.chain.DifficultyRule;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chain file's bytes, pinned by goldens that make_goldens.py (next to them) writes without ChainFile. */
class ChainFormatTest {
    @TempDir
    Path dir;

    final TestChains.Log log = new TestChains.Log();

    @Test
    void offsetsMatchTheDrawing() {
        assertThat(ChainFile.FILE_HEADER_LENGTH).isEqualTo(12);
        assertThat(ChainFile.RECORD_HEADER_LENGTH).isEqualTo(12);
        assertThat(ChainFile.RECORD_HEADER_CRC_OFFSET).isEqualTo(8);
        assertThat(ChainFile.V1_RECORD_HEADER_LENGTH).isEqualTo(8);
        assertThat(ChainFile.WINNER_OFFSET).isEqualTo(41);
        assertThat(ChainFile.FOUND_AT_OFFSET).isEqualTo(51);
        assertThat(ChainFile.DATA_LENGTH_OFFSET).isEqualTo(67);
        assertThat(ChainFile.DATA_OFFSET).isEqualTo(69);
    }

    @Test
    void theFileHeaderIsMagicVersionLengthTheRuleAndCrc() {
        assertThat(ChainFile.RULE_HEADER_LENGTH).isEqualTo(30);
        assertThat(HexFormat.of().formatHex(ChainFile.fileHeader(TestChains.GOLDEN_RULE))).isEqualTo("4d504348"
                + "0003" + "001e" + "0001" + "000e" + "02" + "08" + "000003e8" + "00000fa0" + "00000001" + "da2b9f54");
        assertThat(HexFormat.of().formatHex(ChainFile.version2FileHeader())).isEqualTo("4d504348" + "0002" + "000c"
                + "1f1212ed");
    }

    @Test
    void aPoolWritesTheGoldenBytes() throws Exception {
        Path file = dir.resolve("chain.dat");
        try (ChainFile chain = ChainFile.open(file, TestChains.GOLDEN_RULE, log)) {
            for (var block : TestChains.golden()) {
                chain.append(block);
            }
        }
        assertThat(HexFormat.of().formatHex(Files.readAllBytes(file)))
                .as("the file a pool wrote, against chain-v3-golden.hex")
                .isEqualTo(HexFormat.of().formatHex(TestChains.goldenHex("chain-v3-golden.hex")));
        assertThat(log.lines).as("a new file is no event").isEmpty();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).as("the header was written beside the file and renamed: nothing is left")
                    .containsExactly(file);
        }
    }

    @Test
    void theGoldensReadBackFieldForField() throws Exception {
        Path file = dir.resolve("chain.dat");
        for (int version : new int[] {3, 2}) {
            Files.write(file, TestChains.goldenHex("chain-v" + version + "-golden.hex"));
            assertThat(TestChains.scan(file)).containsExactlyElementsOf(TestChains.golden());
            ChainFile.ReadResult result = ChainFile.scan(file, b -> { });
            assertThat(result.version()).isEqualTo(version);
            assertThat(result.rule()).as("version 2 recorded no rule").isEqualTo(version == 3
                    ? TestChains.GOLDEN_RULE : null);
            assertThat(result.tip().hashHex())
                    .isEqualTo("00fcfb2b2986d9fd12693abdeec99ea0d5edbab4a298365e546b8b153692addb");
            assertThat(result.chainWork().value()).as("2^8 + 2^8").isEqualTo(512);
            assertThat(result.torn()).isFalse();
        }
    }

    @Test
    void aVersion3HeaderWithoutARuleOrWithTwoIsRefused() throws Exception {
        Path file = dir.resolve("chain.dat");
        Files.write(file, withHeaderFields(3, new int[0], new byte[0][]));
        assertThatThrownBy(() -> ChainFile.scan(file, b -> { })).isInstanceOf(ChainCorruptException.class)
                .hasMessageContaining("records no difficulty rule");
        byte[] rule = TestChains.GOLDEN_RULE.encode();
        Files.write(file, withHeaderFields(3, new int[] {1, 1}, new byte[][] {rule, rule}));
        assertThatThrownBy(() -> ChainFile.scan(file, b -> { })).isInstanceOf(ChainCorruptException.class)
                .hasMessageContaining("two difficulty rules");
        byte[] unknown = rule.clone();
        unknown[DifficultyRule.RULE_OFFSET] = 9;
        Files.write(file, withHeaderFields(3, new int[] {1}, new byte[][] {unknown}));
        assertThatThrownBy(() -> ChainFile.scan(file, b -> { })).isInstanceOf(ChainCorruptException.class)
                .hasMessageContaining("difficulty rule 9 is unknown");
    }

    @Test
    void theVersion1EncoderOfTheTestsWritesTheVersion1Golden() {
        assertThat(HexFormat.of().formatHex(TestChains.v1File(TestChains.golden())))
                .isEqualTo(HexFormat.of().formatHex(TestChains.goldenHex("chain-v1-golden.hex")));
    }

    @Test
    void anOptionalHeaderFieldIsSkippedAndAnUnknownRequiredOneIsRefused() throws Exception {
        Path file = dir.resolve("chain.dat");
        byte[] rule = TestChains.GOLDEN_RULE.encode();
        Files.write(file, withHeaderFields(3, new int[] {1, 0x8001}, new byte[][] {rule, {1, 2, 3}}));
        assertThat(TestChains.scan(file)).containsExactlyElementsOf(TestChains.golden());

        Files.write(file, withHeaderFields(3, new int[] {1, 0x0002}, new byte[][] {rule, {1, 2, 3}}));
        assertThatThrownBy(() -> ChainFile.open(file, TestChains.GOLDEN_RULE, log))
                .isInstanceOf(ChainCorruptException.class)
                .hasMessageContaining("file header holds field 0x0002, which this pool does not know");

        Files.write(file, withHeaderFields(2, new int[] {1}, new byte[][] {rule}));
        assertThatThrownBy(() -> ChainFile.open(file, TestChains.GOLDEN_RULE, log))
                .as("version 2 defined no field: a rule in it is not one").isInstanceOf(ChainCorruptException.class)
                .hasMessageContaining("file header holds field 0x0001, which this pool does not know");
    }

    @Test
    void aNewerVersionIsRefusedNamingIt() throws Exception {
        Path file = dir.resolve("chain.dat");
        byte[] bytes = TestChains.file(TestChains.golden());
        bytes[ChainFile.VERSION_OFFSET + 1] = 4;
        Files.write(file, bytes);
        assertThatThrownBy(() -> ChainFile.open(file, TestChains.fixedRule(TestChains.golden()), log))
                .isInstanceOf(ChainCorruptException.class)
                .hasMessageContaining("format version 4; this pool reads versions 1, 2 and 3");
        assertThat(Files.readAllBytes(file)).isEqualTo(bytes);
    }

    /** The golden chain under a file header of {@code version} that carries these fields, its CRC made good. */
    static byte[] withHeaderFields(int version, int[] tags, byte[][] values) {
        byte[] golden = TestChains.v2File(TestChains.golden());
        int headerLength = ChainFile.FILE_HEADER_LENGTH;
        for (byte[] value : values) {
            headerLength += ChainFile.FIELD_VALUE_OFFSET + value.length;
        }
        ByteBuffer file = ByteBuffer.allocate(golden.length - ChainFile.FILE_HEADER_LENGTH + headerLength);
        file.put(ChainFile.MAGIC).putShort((short) version).putShort((short) headerLength);
        for (int i = 0; i < tags.length; i++) {
            file.putShort((short) tags[i]).putShort((short) values[i].length).put(values[i]);
        }
        file.putInt(ChainFile.crc(file.array(), 0, file.position()));
        file.put(golden, ChainFile.FILE_HEADER_LENGTH, golden.length - ChainFile.FILE_HEADER_LENGTH);
        return file.array();
    }

    @Test
    void blocksOfTheGoldenAreTheDocumentedOnes() {
        List<Block> golden = TestChains.golden();
        assertThat(golden).extracting(Block::nonce).containsExactly(0x2c8L, 0x18fL);
    }
}
