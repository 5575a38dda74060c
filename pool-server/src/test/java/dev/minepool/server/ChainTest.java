package dev.minepool.server;

import dev.minepool.server.chain.Block;
import dev.minepool.server.chain.ChainCorruptException;
import dev.minepool.server.chain.Genesis;
import dev.minepool.server.chain.ChainFile;
import dev.minepool.protocol.chain.DifficultyRule;
import dev.minepool.server.chain.RuleMismatchException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.minepool.protocol.BlockHeader;
import dev.minepool.protocol.Message;
import dev.minepool.protocol.ProofOfWork;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chain file across restarts, crashes and damage, and {@code pool-server chain}. */
class ChainTest {
    static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    final CapturingLog log = new CapturingLog();

    Path chainFile() {
        return dir.resolve("chain.dat");
    }

    PoolConfig config() {
        return PoolConfig.forTest(chainFile(), 8).withLog(log);
    }

    /** Runs a pool until {@code blocks} blocks are mined by one hand-written miner; returns their hashes. */
    List<byte[]> mine(int blocks, String name) throws Exception {
        List<byte[]> hashes = new ArrayList<>();
        try (PoolServer pool = new PoolServer(config())) {
            pool.start();
            try (TestMiner miner = new TestMiner(pool.port())) {
                for (int i = 0; i < blocks; i++) {
                    Message.Task task = miner.getWork(name);
                    long nonce = TestMiner.validNonce(task);
                    miner.send(new Message.Submit(task.job(), nonce));
                    assertThat(miner.read()).isEqualTo(new Message.Accepted(task.job()));
                    hashes.add(ProofOfWork.hash(task.data(), nonce));
                }
            }
        }
        return hashes;
    }

    /** The header of the first job a fresh pool on the chain file hands out. */
    BlockHeader nextJob() throws Exception {
        try (PoolServer pool = new PoolServer(config())) {
            pool.start();
            try (TestMiner miner = new TestMiner(pool.port())) {
                return BlockHeader.readFrom(miner.getWork("probe").data());
            }
        }
    }

    @Test
    void genesisHashIsTheDocumentedConstant() {
        assertThat(Genesis.hashHex())
                .isEqualTo("c87973b9ec5ec8520562222e444a6a269f97aa856072fcb6f1d6113e87ceb189")
                .isEqualTo(HexFormat.of().formatHex(ProofOfWork.sha256().digest(
                        "minepool genesis block".getBytes(StandardCharsets.US_ASCII))));
    }

    @Test
    void theChainSurvivesARestartAndTheNextJobLinksToTheLastBlock() throws Exception {
        List<byte[]> hashes = mine(2, "alice");
        hashes.addAll(mine(1, "bob"));

        BlockHeader next = nextJob();
        assertThat(next.height()).isEqualTo(4);
        assertThat(next.previousHash()).as("block 4 links to block 3").isEqualTo(hashes.get(2));

        List<Block> blocks = new ArrayList<>();
        ChainFile.ReadResult result = ChainFile.scan(chainFile(), blocks::add);
        assertThat(result.blocks()).isEqualTo(3);
        assertThat(blocks).extracting(Block::winner).containsExactly("alice", "alice", "bob");
        assertThat(blocks.get(0).previousHash()).isEqualTo(Genesis.hash());
        assertThat(blocks.get(2).previousHash()).as("across the restart").isEqualTo(hashes.get(1));
    }

    @Test
    void aTornLastRecordIsTruncatedWithAWarning() throws Exception {
        List<byte[]> hashes = mine(2, "alice");
        long full = Files.size(chainFile());
        try (var channel = java.nio.channels.FileChannel.open(chainFile(), StandardOpenOption.WRITE)) {
            channel.truncate(full - 100); // a crash in the middle of appending block 2
        }

        BlockHeader next = nextJob();
        assertThat(log.await("torn append", WAIT)).as("the warning").contains("record 2").contains(".torn-");
        assertThat(next.height()).isEqualTo(2);
        assertThat(next.previousHash()).isEqualTo(hashes.get(0));
        assertThat(ChainFile.scan(chainFile(), b -> { }).torn()).as("the tail is gone").isFalse();
    }

    @Test
    void aCorruptCompleteRecordIsRefusedNamingIt() throws Exception {
        mine(3, "alice");
        byte[] bytes = Files.readAllBytes(chainFile());
        int recordLength = ChainFile.RECORD_HEADER_LENGTH + ChainFile.DATA_OFFSET + 1024;
        int inRecord2 = ChainFile.FILE_HEADER_LENGTH + recordLength + ChainFile.RECORD_HEADER_LENGTH
                + ChainFile.DATA_OFFSET + 500;
        bytes[inRecord2] ^= 0x01;
        Files.write(chainFile(), bytes);

        PoolServer pool = new PoolServer(config());
        assertThatThrownBy(pool::start).isInstanceOf(ChainCorruptException.class)
                .hasMessageContaining("record 2").hasMessageContaining("CRC32");
        pool.close();
        assertThat(Files.readAllBytes(chainFile())).as("a refused file is left as it was").isEqualTo(bytes);
    }

    @Test
    void aRecordThatDoesNotLinkIsRefusedEvenWithAGoodChecksum() throws Exception {
        mine(1, "alice");
        byte[] data = new byte[64];
        byte[] wrongPrevious = new byte[32];
        new BlockHeader(wrongPrevious, 2, 0, 0).writeTo(data);
        long nonce = TestMiner.findNonce(data, 0, 1L << 32, 8, true);
        Block stray = new Block(2, wrongPrevious, data, nonce, 8, "mallory", 0, 0);
        ByteBuffer record = ChainFile.encode(stray);
        Files.write(chainFile(), java.util.Arrays.copyOfRange(record.array(), 0, record.limit()),
                StandardOpenOption.APPEND);

        assertThatThrownBy(() -> ChainFile.scan(chainFile(), b -> { }))
                .isInstanceOf(ChainCorruptException.class)
                .hasMessageContaining("record 2").hasMessageContaining("does not link");
    }

    @Test
    void chainCommandPrintsBlocksAndBalancesAndFailsOnABadRecord() throws Exception {
        mine(2, "alice");
        mine(1, "bob");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = PoolServerMain.run(new String[] {"chain", "--chain", chainFile().toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(printed).contains("3 blocks, every link and proof of work verified")
                .containsPattern("alice\\s+2.00000000\\n").containsPattern("bob\\s+1.00000000\\n")
                .containsPattern("\\s+3\\s+[0-9a-f]{64}\\s+bob\\s+8\\s+0x[0-9a-f]{8}");

        byte[] bytes = Files.readAllBytes(chainFile());
        bytes[bytes.length - 1] ^= 0x40; // block 3's last data byte
        Files.write(chainFile(), bytes);
        err.reset();
        status = PoolServerMain.run(new String[] {"chain", "--chain=" + chainFile()},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(status).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("record 3").doesNotContain("Exception");
    }

    @Test
    void aSecondPoolCannotAppendToTheSameChainFile() throws Exception {
        try (PoolServer first = new PoolServer(config())) {
            first.start();
            PoolServer second = new PoolServer(config());
            assertThatThrownBy(second::start).hasMessageContaining("in use by another pool server");
        }
    }

    @Test
    void aFileThatIsNotAChainIsRefused() throws Exception {
        Files.writeString(chainFile(), "hello, this is not a chain\n");
        PoolServer pool = new PoolServer(config());
        assertThatThrownBy(pool::start).isInstanceOf(ChainCorruptException.class)
                .hasMessageContaining("not a minepool chain file");
    }

    @Test
    void aChainThatRecordsAnotherRuleIsRefusedNamingTheOptionsThatExtendIt() throws Exception {
        mine(2, "alice"); // fixed at 8 bits
        byte[] before = Files.readAllBytes(chainFile());
        for (PoolConfig asked : List.of(config().withZeroBits(9),
                config().withTargetBlockTime(Duration.ofSeconds(2)))) {
            PoolServer pool = new PoolServer(asked);
            try {
                assertThatThrownBy(pool::start).isInstanceOf(RuleMismatchException.class)
                        .hasMessage("chain file " + chainFile() + " records the difficulty rule \"fixed at 8 zero"
                                + " bits\" (2 blocks), but the command line asks for \"" + asked.difficultyRule()
                                .describe() + "\"; run with --bits 8 to extend this chain, or give another --chain to"
                                + " start a new one");
            } finally {
                pool.close();
            }
        }
        assertThat(Files.readAllBytes(chainFile())).as("the file is left as it was").isEqualTo(before);
    }

    @Test
    void aRetargetingChainRestartedWithOtherBitsGoesOnWhereItsRuleIs() throws Exception {
        PoolConfig retarget = config().withZeroBits(4).withTargetBlockTime(Duration.ofSeconds(10));
        try (PoolServer pool = new PoolServer(retarget)) {
            pool.start();
            try (TestMiner miner = new TestMiner(pool.port())) {
                // Blocks far faster than 10 s: a quarter bit more each from block 3 on (a hair less, since each took
                // a few ms), so block 4 or 5 needs 5 bits, and block 6 does for sure.
                for (int i = 0; i < 5; i++) {
                    Message.Task task = miner.getWork("alice");
                    miner.send(new Message.Submit(task.job(), TestMiner.validNonce(task)));
                    assertThat(miner.read()).isEqualTo(new Message.Accepted(task.job()));
                }
            }
            assertThat(log.await("needs 5 zero bits (was 4)", WAIT)).contains("difficulty: block ", "target 10 s");
        }
        try (PoolServer pool = new PoolServer(retarget.withZeroBits(20))) {
            pool.start();
            assertThat(log.await("--bits 20 is where a new chain starts", WAIT))
                    .contains("this one started at 4 and its rule sets the bits from there");
            try (TestMiner miner = new TestMiner(pool.port())) {
                Message.Task task = miner.getWork("alice");
                assertThat(task.zeroBits()).as("block 6, by the chain's rule, not --bits").isEqualTo(5);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = PoolServerMain.run(new String[] {"chain", "--chain", chainFile().toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()));
        assertThat(status).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("difficulty rule: retarget to 10 s a block from 4 zero bits (tau 40 s)");
    }

    @Test
    void anAppendedBlockReadsBackFieldForField() throws Exception {
        byte[] data = new byte[100];
        new BlockHeader(Genesis.hash(), 1, 1_700_000_000_000L, 3).writeTo(data);
        long nonce = TestMiner.findNonce(data, 0, 1L << 32, 6, true);
        Block block = new Block(1, Genesis.hash(), data, nonce, 6, "żółw", 1_700_000_001_234L, 1_234L);
        try (ChainFile chain = ChainFile.open(chainFile(), DifficultyRule.fixed(6), log)) {
            chain.append(block);
            assertThat(chain.tip().hash()).isEqualTo(block.hash());
        }
        List<Block> read = new ArrayList<>();
        ChainFile.scan(chainFile(), read::add);
        assertThat(read).containsExactly(block);
        assertThat(Files.size(chainFile())).isEqualTo(ChainFile.HEADER_LENGTH
                + ChainFile.RECORD_HEADER_LENGTH + ChainFile.DATA_OFFSET + data.length);
    }
}
