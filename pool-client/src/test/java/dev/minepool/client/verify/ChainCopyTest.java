package dev.minepool.client.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChainCopyTest {
    @TempDir
    Path dir;

    private static CopiedBlock block(long height, int dataSize) {
        byte[] data = new byte[dataSize];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7 + height);
        }
        byte[] hash = new byte[32];
        hash[31] = (byte) height;
        return new CopiedBlock(height, hash, 0xFFFF_FFF0L + height, 12, height % 2 == 0 ? "bob" : "élise", 1_700_000L
                + height, data);
    }

    private List<CopiedBlock> read(Path file, StringBuilder notes) throws Exception {
        List<CopiedBlock> blocks = new ArrayList<>();
        try (ChainCopy copy = ChainCopy.open(file, blocks::add, notes)) {
            return blocks;
        }
    }

    private Path copyOf(int blocks) throws Exception {
        Path file = dir.resolve("chains/pool.copy");
        try (ChainCopy copy = ChainCopy.open(file, b -> {
        }, new StringBuilder())) {
            for (int h = 1; h <= blocks; h++) {
                copy.append(block(h, 1024));
            }
            copy.flush();
        }
        return file;
    }

    @Test
    void readsBackEveryBlockAsAppended() throws Exception {
        Path file = copyOf(3);
        List<CopiedBlock> blocks = read(file, new StringBuilder());
        assertThat(blocks).hasSize(3);
        for (int h = 1; h <= 3; h++) {
            CopiedBlock expected = block(h, 1024);
            CopiedBlock got = blocks.get(h - 1);
            assertThat(got.height()).isEqualTo(h);
            assertThat(got.hash()).isEqualTo(expected.hash());
            assertThat(got.nonce()).isEqualTo(expected.nonce());
            assertThat(got.zeroBits()).isEqualTo(12);
            assertThat(got.winner()).isEqualTo(expected.winner());
            assertThat(got.foundAtMillis()).isEqualTo(expected.foundAtMillis());
            assertThat(got.data()).isEqualTo(expected.data());
        }
        assertThat(Files.size(file)).isEqualTo(ChainCopy.HEADER_LENGTH
                + 3L * (ChainCopy.RECORD_HEADER_LENGTH + ChainCopy.WINNER_OFFSET + 1024) + 2 * "élise".getBytes(
                        java.nio.charset.StandardCharsets.UTF_8).length + "bob".length());
    }

    @Test
    void namesTheBlockWhoseRecordHasAChangedByte() throws Exception {
        Path file = copyOf(3);
        long secondRecord = ChainCopy.HEADER_LENGTH + ChainCopy.RECORD_HEADER_LENGTH + ChainCopy.WINNER_OFFSET
                + "élise".getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 1024;
        long aDataByte = secondRecord + ChainCopy.RECORD_HEADER_LENGTH + ChainCopy.WINNER_OFFSET + 3 + 500;
        byte[] bytes = Files.readAllBytes(file);
        bytes[(int) aDataByte] ^= 0x01;
        Files.write(file, bytes);
        assertThatThrownBy(() -> read(file, new StringBuilder())).isInstanceOf(ChainCopy.Damaged.class)
                .hasMessageContaining("the record of block 2 (at byte " + secondRecord + ", if its height is right;"
                        + " the block after 1) fails its CRC");
    }

    @Test
    void cutsOffARecordThatAnInterruptedRunLeftHalfWritten() throws Exception {
        Path file = copyOf(2);
        long whole = Files.size(file);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            channel.write(java.nio.ByteBuffer.wrap(new byte[] {0, 0, 4, 0, 1, 2, 3, 4, 5}));
        }
        StringBuilder notes = new StringBuilder();
        assertThat(read(file, notes)).hasSize(2);
        assertThat(notes.toString()).contains("ended in 9 bytes of an unfinished record");
        assertThat(Files.size(file)).isEqualTo(whole);
    }

    @Test
    void refusesAFileThatIsNotACopy() throws Exception {
        Path file = dir.resolve("chain.dat");
        Files.write(file, "MPCH and more bytes than a header".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> read(file, new StringBuilder())).isInstanceOf(ChainCopy.Damaged.class)
                .hasMessageContaining("does not start with a chain copy header");
    }

    @Test
    void startsEmptyAndIsEmptiedForAResetPool() throws Exception {
        Path file = copyOf(2);
        try (ChainCopy copy = ChainCopy.open(file, b -> {
        }, new StringBuilder())) {
            copy.clear();
            copy.append(block(1, 100));
        }
        List<CopiedBlock> blocks = read(file, new StringBuilder());
        assertThat(blocks).hasSize(1);
        assertThat(blocks.get(0).data()).hasSize(100);
    }
}
