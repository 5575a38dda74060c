package dev.minepool.server.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A flipped bit anywhere in a chain file is refused as corruption, naming the file header or a record, and never
 * taken for a torn tail: the bug this format exists to fix cut off every block after a flipped length field.
 */
class ChainBitFlipTest {
    static final List<Block> CHAIN = TestChains.blocks(2, 52, 4, "alice", "bob"); // record 1 is followed by another; 2 is last

    @TempDir
    Path dir;

    @Test
    void everyFlippedBitOfAVersion3FileIsRefusedAndNeverTruncates() throws Exception {
        int refused = flipEveryBit(TestChains.file(CHAIN));
        assertThat(refused).as("every bit of a v3 file is covered by a CRC").isEqualTo(
                TestChains.file(CHAIN).length * 8);
    }

    @Test
    void everyFlippedBitOfAVersion2FileIsRefusedAndNeverTruncates() throws Exception {
        int refused = flipEveryBit(TestChains.v2File(CHAIN));
        assertThat(refused).as("every bit of a v2 file is covered by a CRC").isEqualTo(
                TestChains.v2File(CHAIN).length * 8);
    }

    @Test
    void everyFlippedBitOfAVersion1FileIsRefusedAndNeverTruncates() throws Exception {
        // Version 1 has no CRC on record lengths; a length that runs past the end is still told from a torn tail
        // by the body's data length and CRC, so a v1 file is not silently cut before it is upgraded.
        int refused = flipEveryBit(TestChains.v1File(CHAIN));
        assertThat(refused).isEqualTo(TestChains.v1File(CHAIN).length * 8);
    }

    /** Flips every bit in turn and checks open and the chain command; returns how many flips were refused. */
    private int flipEveryBit(byte[] good) throws IOException {
        Path file = dir.resolve("chain.dat");
        TestChains.Log log = new TestChains.Log();
        int refused = 0;
        for (int bit = 0; bit < good.length * 8; bit++) {
            byte[] flipped = good.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            Files.write(file, flipped);
            String where = "bit " + (bit % 8) + " of byte " + (bit / 8);

            TestChains.Command command = TestChains.Command.run(file);
            assertThat(command.status()).as("chain command on a file with %s flipped: %s", where, command.err())
                    .isEqualTo(ChainCommand.EXIT_DAMAGED);
            assertThat(command.err()).as(where).doesNotContain("torn tail");

            try (ChainFile chain = ChainFile.open(file, TestChains.fixedRule(CHAIN), log, TestChains.CLOCK)) {
                assertThat(chain.tip().height()).as("a file that opens after %s flipped keeps every block", where)
                        .isEqualTo(CHAIN.size());
                assertThat(chain.tip().hash()).as(where).isEqualTo(CHAIN.get(CHAIN.size() - 1).hash());
            } catch (ChainCorruptException e) {
                assertThat(e.getMessage()).as(where).containsAnyOf("record ", "file header", "not a minepool chain");
                assertThat(Files.readAllBytes(file)).as("a refused file is left as it was (%s)", where)
                        .isEqualTo(flipped);
                refused++;
            }
            try (Stream<Path> files = Files.list(dir)) {
                List<Path> others = files.filter(p -> !p.equals(file)).toList();
                if (!others.isEmpty()) {
                    fail("after %s flipped, open left %s: a flipped bit was taken for a torn tail or an upgrade",
                            where, others);
                }
            }
            assertThat(log.lines).as(where).isEmpty();
        }
        return refused;
    }
}
