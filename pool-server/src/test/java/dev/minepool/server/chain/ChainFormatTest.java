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
    void theFileHeaderIsMagicVersionLengthTheRuleTheTransactionsHeightAndCrc() {
        assertThat(ChainFile.HEADER_LENGTH).isEqualTo(38);
        assertThat(HexFormat.of().formatHex(ChainFile.fileHeader(TestChains.GOLDEN_RULE, 1))).isEqualTo("4d504348"
                + "0004" + "0026" + "0001" + "000e" + "02" + "08" + "000003e8" + "00000fa0" + "00000001"
                + "0002" + "0004" + "00000001" + "c481133a");
        assertThat(HexFormat.of().formatHex(ChainFile.fileHeader(DifficultyRule.retarget(12, 2000), 1)))
                .as("PROTOCOL.md's example").isEqualTo("4d504348" + "0004" + "0026" + "0001" + "000e" + "020c000007d0"
                        + "00001f40" + "00000001" + "0002" + "0004" + "00000001" + "ca19e7bb");
        assertThat(ChainFile.RULE_HEADER_LENGTH).isEqualTo(30);
        assertThat(HexFormat.of().formatHex(ChainFile.version3FileHeader(TestChains.GOLDEN_RULE))).isEqualTo("4d504348"
                + "0003" + "001e" + "0001" + "000e" + "02" + "08" + "000003e8" + "00000fa0" + "00000001" + "da2b9f54");
        assertThat(HexFormat.of().formatHex(ChainFile.version2FileHeader())).isEqualTo("4d504348" + "0002" + "000c"
                + "1f1212ed");
    }

    @Test
    void aPoolWritesTheGoldenBytes() throws Exception {
        Path file = dir.resolve("chain.dat");
        try (ChainFile chain = ChainFile.open(file, TestChains.GOLDEN_RULE, log)) {
            for (var block : TestChains.goldenV4()) {
                chain.append(block);
            }
            assertThat(chain.balances().balances()).as("the ledger after both blocks")
                    .containsExactly(java.util.Map.entry("alice", 50_000_000L), java.util.Map.entry("żółw", 150_000_000L));
        }
        assertThat(HexFormat.of().formatHex(Files.readAllBytes(file)))
                .as("the file a pool wrote, against chain-v4-golden.hex")
                .isEqualTo(HexFormat.of().formatHex(TestChains.goldenHex("chain-v4-golden.hex")));
        assertThat(log.lines).as("a new file is no event").isEmpty();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).as("the header was written beside the file and renamed: nothing is left")
                    .containsExactly(file);
        }
    }

    @Test
    void theVersion4GoldenReadsBackWithItsLedger() throws Exception {
        Path file = dir.resolve("chain.dat");
        Files.write(file, TestChains.goldenHex("chain-v4-golden.hex"));
        assertThat(TestChains.scan(file)).containsExactlyElementsOf(TestChains.goldenV4());
        ChainFile.ReadResult result = ChainFile.scan(file, b -> { });
        assertThat(result.version()).isEqualTo(4);
        assertThat(result.rule()).isEqualTo(TestChains.GOLDEN_RULE);
        assertThat(result.transactionsFrom()).isEqualTo(1);
        assertThat(result.tip().hashHex())
                .isEqualTo("00b8a4fc9527f493fda263534d3a7502956a450b02d0621629bec5497b8a970d");
        assertThat(result.balances().balances()).as("1 coin each, then 0.5 from alice to żółw")
                .containsExactly(java.util.Map.entry("alice", 50_000_000L), java.util.Map.entry("żółw", 150_000_000L));
        assertThat(TestChains.goldenV4().get(1).data()).as("the transfer's txid, as make_goldens.py printed it")
                .satisfies(d -> assertThat(dev.minepool.protocol.ledger.TxRegion.read(d).get(0).txidHex())
                        .isEqualTo("95db24ad10723bd85a23a7f11db2c2241fd07e7a5b15e15a6950d68d0ed57699"));
    }

    @Test
    void aBlockWhoseRecordBreaksARuleIsDamageNamingTheBlock() throws Exception {
        // Block 2's transfer with its amount raised to 2 coins (more than alice has), its signature left as it was,
        // its proof of work redone and both CRCs made good: only the ledger's rules can tell.
        List<Block> good = TestChains.goldenV4();
        Block second = good.get(1);
        byte[] data = second.data();
        int amountAt = dev.minepool.protocol.BlockHeader.TRANSACTIONS_OFFSET + 2 + 21;
        ByteBuffer.wrap(data).putLong(amountAt, 200_000_000L);
        long nonce = 0;
        while (!dev.minepool.protocol.ProofOfWork.meets(dev.minepool.protocol.ProofOfWork.hash(data, nonce), 8)) {
            nonce++;
        }
        Block forged = new Block(2, second.previousHash(), data, nonce, 8, second.winner(), second.foundAtMillis(),
                second.millisToMine());
        Path file = dir.resolve("chain.dat");
        Files.write(file, TestChains.file(TestChains.GOLDEN_RULE, List.of()));
        try (ChainFile chain = ChainFile.open(file, TestChains.GOLDEN_RULE, log)) {
            chain.append(good.get(0));
            assertThatThrownBy(() -> chain.append(forged)).as("the pool never writes such a block")
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("block 2 breaks the ledger");
        }
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer withForged = ByteBuffer.allocate(bytes.length + TestChains.record(forged).length);
        withForged.put(bytes).put(TestChains.record(forged));
        Files.write(file, withForged.array());
        assertThatThrownBy(() -> ChainFile.open(file, TestChains.GOLDEN_RULE, log))
                .isInstanceOf(ChainCorruptException.class)
                .hasMessageContaining("record 2 (at byte ")
                .hasMessageContaining("(height 2) holds a record that breaks the ledger's rules (bad signature)");
        assertThat(TestChains.Command.run(file).err()).contains("(height 2) holds a record that breaks the ledger");
    }

    @Test
    void aVersion3FileIsUpgradedToVersion4WithTransactionsFromTheBlockAfterItsTip() throws Exception {
        Path file = dir.resolve("chain.dat");
        Files.write(file, TestChains.goldenHex("chain-v3-golden.hex"));
        try (ChainFile chain = ChainFile.open(file, TestChains.GOLDEN_RULE, log)) {
            assertThat(chain.transactionsFrom()).isEqualTo(3);
            assertThat(chain.tip().height()).isEqualTo(2);
        }
        byte[] upgraded = Files.readAllBytes(file);
        assertThat(java.util.Arrays.copyOf(upgraded, ChainFile.HEADER_LENGTH)).as("the rule it recorded, and 3")
                .isEqualTo(ChainFile.fileHeader(TestChains.GOLDEN_RULE, 3));
        assertThat(TestChains.scan(file)).as("the same blocks").containsExactlyElementsOf(TestChains.golden());
        assertThat(Files.readAllBytes(dir.resolve("chain.dat.v3"))).as("the old file is kept")
                .isEqualTo(TestChains.goldenHex("chain-v3-golden.hex"));
        assertThat(log.lines).singleElement().asString().contains("upgraded from format version 3 to 4 (2 blocks,"
                + " under the rule", "transactions from block 3", "kept as " + dir.resolve("chain.dat.v3"));
        assertThat(ChainFile.scan(file, b -> { }).balances().balances()).as("a coin per block, as before")
                .containsExactly(java.util.Map.entry("alice", 100_000_000L), java.util.Map.entry("żółw", 100_000_000L));
    }

    @Test
    void aVersion4HeaderWithoutATransactionsHeightOrWithZeroIsRefused() throws Exception {
        Path file = dir.resolve("chain.dat");
        byte[] rule = TestChains.GOLDEN_RULE.encode();
        Files.write(file, withHeaderFields(4, new int[] {1}, new byte[][] {rule}));
        assertThatThrownBy(() -> ChainFile.scan(file, b -> { })).isInstanceOf(ChainCorruptException.class)
                .hasMessageContaining("records no transactions height (field 0x0002)");
        Files.write(file, withHeaderFields(4, new int[] {1, 2}, new byte[][] {rule, {0, 0, 0, 0}}));
        assertThatThrownBy(() -> ChainFile.scan(file, b -> { })).isInstanceOf(ChainCorruptException.class)
                .hasMessageContaining("transactions height is 0");
        Files.write(file, withHeaderFields(4, new int[] {1, 2, 2}, new byte[][] {rule, {0, 0, 0, 3}, {0, 0, 0, 3}}));
        assertThatThrownBy(() -> ChainFile.scan(file, b -> { })).isInstanceOf(ChainCorruptException.class)
                .hasMessageContaining("two transactions heights");
    }

    @Test
    void theGoldensReadBackFieldForField() throws Exception {
        Path file = dir.resolve("chain.dat");
        for (int version : new int[] {3, 2}) { // the same blocks, with filler after the block header
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
                .as("version 3 defined only the rule").isInstanceOf(ChainCorruptException.class)
                .hasMessageContaining("file header holds field 0x0002, which this pool does not know");
        Files.write(file, withHeaderFields(4, new int[] {1, 2, 0x0003}, new byte[][] {rule, {0, 0, 0, 3}, {1}}));
        assertThatThrownBy(() -> ChainFile.open(file, TestChains.GOLDEN_RULE, log))
                .isInstanceOf(ChainCorruptException.class)
                .hasMessageContaining("file header holds field 0x0003, which this pool does not know");

        Files.write(file, withHeaderFields(2, new int[] {1}, new byte[][] {rule}));
        assertThatThrownBy(() -> ChainFile.open(file, TestChains.GOLDEN_RULE, log))
                .as("version 2 defined no field: a rule in it is not one").isInstanceOf(ChainCorruptException.class)
                .hasMessageContaining("file header holds field 0x0001, which this pool does not know");
    }

    @Test
    void aNewerVersionIsRefusedNamingIt() throws Exception {
        Path file = dir.resolve("chain.dat");
        byte[] bytes = TestChains.file(TestChains.golden());
        bytes[ChainFile.VERSION_OFFSET + 1] = 5;
        Files.write(file, bytes);
        assertThatThrownBy(() -> ChainFile.open(file, TestChains.fixedRule(TestChains.golden()), log))
                .isInstanceOf(ChainCorruptException.class)
                .hasMessageContaining("format version 5; this pool reads versions 1, 2, 3 and 4");
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
