package dev.minepool.server.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
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
    void theFileHeaderIsMagicVersionLengthAndCrc() {
        assertThat(HexFormat.of().formatHex(ChainFile.fileHeader())).isEqualTo("4d504348" + "0002" + "000c"
                + "1f1212ed");
    }

    @Test
    void aPoolWritesTheGoldenBytes() throws Exception {
        Path file = dir.resolve("chain.dat");
        try (ChainFile chain = ChainFile.open(file, log)) {
            for (var block : TestChains.golden()) {
                chain.append(block);
            }
        }
        assertThat(HexFormat.of().formatHex(Files.readAllBytes(file)))
                .as("the file a pool wrote, against chain-v2-golden.hex")
                .isEqualTo(HexFormat.of().formatHex(TestChains.goldenHex("chain-v2-golden.hex")));
        assertThat(log.lines).as("a new file is no event").isEmpty();
    }

    @Test
    void theGoldenReadsBackFieldForField() throws Exception {
        Path file = dir.resolve("chain.dat");
        Files.write(file, TestChains.goldenHex("chain-v2-golden.hex"));
        assertThat(TestChains.scan(file)).containsExactlyElementsOf(TestChains.golden());
        ChainFile.ReadResult result = ChainFile.scan(file, b -> { });
        assertThat(result.version()).isEqualTo(2);
        assertThat(result.tip().hashHex())
                .isEqualTo("00fcfb2b2986d9fd12693abdeec99ea0d5edbab4a298365e546b8b153692addb");
        assertThat(result.torn()).isFalse();
    }

    @Test
    void theVersion1EncoderOfTheTestsWritesTheVersion1Golden() {
        assertThat(HexFormat.of().formatHex(TestChains.v1File(TestChains.golden())))
                .isEqualTo(HexFormat.of().formatHex(TestChains.goldenHex("chain-v1-golden.hex")));
    }

    @Test
    void anOptionalHeaderFieldIsSkippedAndARequiredOneIsRefused() throws Exception {
        Path file = dir.resolve("chain.dat");
        Files.write(file, withHeaderField(0x8001, new byte[] {1, 2, 3}));
        assertThat(TestChains.scan(file)).containsExactlyElementsOf(TestChains.golden());

        Files.write(file, withHeaderField(0x0001, new byte[] {1, 2, 3}));
        assertThatThrownBy(() -> ChainFile.open(file, log)).isInstanceOf(ChainCorruptException.class)
                .hasMessageContaining("file header holds field 0x0001, which this pool does not know");
    }

    @Test
    void aNewerVersionIsRefusedNamingIt() throws Exception {
        Path file = dir.resolve("chain.dat");
        byte[] bytes = TestChains.v2File(TestChains.golden());
        bytes[ChainFile.VERSION_OFFSET + 1] = 3;
        Files.write(file, bytes);
        assertThatThrownBy(() -> ChainFile.open(file, log)).isInstanceOf(ChainCorruptException.class)
                .hasMessageContaining("format version 3; this pool reads versions 1 and 2");
        assertThat(Files.readAllBytes(file)).isEqualTo(bytes);
    }

    /** The golden chain under a file header that carries one field (tag, length, value), its CRC made good. */
    static byte[] withHeaderField(int tag, byte[] value) {
        byte[] golden = TestChains.v2File(TestChains.golden());
        int headerLength = ChainFile.FILE_HEADER_LENGTH + ChainFile.FIELD_VALUE_OFFSET + value.length;
        ByteBuffer file = ByteBuffer.allocate(golden.length - ChainFile.FILE_HEADER_LENGTH + headerLength);
        file.put(ChainFile.MAGIC).putShort((short) 2).putShort((short) headerLength)
                .putShort((short) tag).putShort((short) value.length).put(value);
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
