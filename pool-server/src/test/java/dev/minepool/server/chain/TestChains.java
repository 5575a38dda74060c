package dev.minepool.server.chain;

import dev.minepool.protocol.chain.DifficultyRule;
import dev.minepool.protocol.chain.Difficulty;
import dev.minepool.protocol.BlockHeader;
import dev.minepool.protocol.ProofOfWork;
import dev.minepool.protocol.MinerName;
import dev.minepool.protocol.ledger.Ed25519;
import dev.minepool.protocol.ledger.NameRegistration;
import dev.minepool.protocol.ledger.Transfer;
import dev.minepool.protocol.ledger.TxRecord;
import dev.minepool.protocol.ledger.TxRegion;
import java.security.PrivateKey;
import dev.minepool.server.PoolLog;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.CRC32;

/** Small, fully deterministic chains, the version 1 encoder the pool no longer has, and a log that keeps lines. */
final class TestChains {
    /** 2026-12-02T03:15:00Z: names the side files. */
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-02T03:15:00Z"), ZoneOffset.UTC);
    static final String SIDE_FILE_STAMP = "20261202T031500Z";
    static final long FIRST_JOB_MILLIS = 1_764_644_100_000L;

    private TestChains() {
    }

    /**
     * {@code count} blocks from genesis with {@code dataSize} data bytes, the first nonce from 0 that meets {@code
     * zeroBits}, winners taken in turn from {@code winners}. The same arguments always give the same blocks (the
     * golden files were made with 2 blocks, 56 bytes, 8 bits, alice and żółw).
     */
    static List<Block> blocks(int count, int dataSize, int zeroBits, String... winners) {
        return blocks(Integer.MAX_VALUE, count, dataSize, zeroBits, winners);
    }

    /**
     * Like {@link #blocks(int, int, int, String...)}, but from height {@code regionsFrom} on the data after the
     * block header is an empty transaction region (a count of 0) and then the filler, as a pool of version 4 fills
     * it with no record pending.
     */
    static List<Block> blocks(int regionsFrom, int count, int dataSize, int zeroBits, String... winners) {
        List<Block> blocks = new ArrayList<>();
        byte[] previous = Genesis.hash();
        for (int height = 1; height <= count; height++) {
            long jobMillis = FIRST_JOB_MILLIS + height * 1000L;
            byte[] data = new byte[dataSize];
            new BlockHeader(previous, height, jobMillis, 0).writeTo(data);
            for (int i = BlockHeader.LENGTH; i < dataSize; i++) {
                data[i] = (byte) (i * 7 + height);
            }
            if (height >= regionsFrom) {
                data[BlockHeader.LENGTH] = 0;
                data[BlockHeader.LENGTH + 1] = 0;
            }
            long nonce = 0;
            while (!ProofOfWork.meets(ProofOfWork.hash(data, nonce), zeroBits)) {
                nonce++;
            }
            Block block = new Block(height, previous, data, nonce, zeroBits, winners[(height - 1) % winners.length],
                    jobMillis + 1500, 1500L * height);
            blocks.add(block);
            previous = block.hash();
        }
        return blocks;
    }

    static List<Block> golden() {
        return blocks(2, 56, 8, "alice", "żółw");
    }

    /**
     * The blocks of chain-v4-golden.hex (see make_goldens.py): their job data carries a region; block 1 (alice)
     * registers alice's key, block 2 (żółw) moves 0.5 coin from alice to żółw.
     */
    static List<Block> goldenV4() {
        PrivateKey alice = seededKey("alice");
        MinerName aliceName = MinerName.parse("alice");
        TxRecord[] records = {
                NameRegistration.sign(aliceName, Ed25519.rawPublicKeyOf(alice), alice),
                Transfer.sign(aliceName, MinerName.parse("żółw"), 50_000_000L, 1, alice)};
        String[] winners = {"alice", "żółw"};
        List<Block> blocks = new ArrayList<>();
        byte[] previous = Genesis.hash();
        for (int height = 1; height <= 2; height++) {
            long jobMillis = FIRST_JOB_MILLIS + height * 1000L;
            byte[] record = records[height - 1].toBytes();
            byte[] data = new byte[BlockHeader.LENGTH + 2 + record.length + 2];
            new BlockHeader(previous, height, jobMillis, 0).writeTo(data);
            int end = TxRegion.write(data, List.of(records[height - 1]));
            data[end] = (byte) height;
            data[end + 1] = (byte) (height + 1);
            long nonce = 0;
            while (!ProofOfWork.meets(ProofOfWork.hash(data, nonce), 8)) {
                nonce++;
            }
            Block block = new Block(height, previous, data, nonce, 8, winners[height - 1], jobMillis + 1500,
                    1500L * height);
            blocks.add(block);
            previous = block.hash();
        }
        return blocks;
    }

    /** The Ed25519 key whose 32-byte seed is SHA-256("minepool golden " + name), as make_goldens.py makes it. */
    static PrivateKey seededKey(String name) {
        try {
            byte[] seed = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(("minepool golden " + name).getBytes(StandardCharsets.UTF_8));
            byte[] pkcs8 = HexFormat.of().parseHex("302e020100300506032b657004220420" + HexFormat.of().formatHex(seed));
            return java.security.KeyFactory.getInstance("Ed25519")
                    .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(pkcs8));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The rule of chain-v3-golden.hex: retarget from 8 bits toward 1 s, which its two blocks meet. */
    static final DifficultyRule GOLDEN_RULE = new DifficultyRule(DifficultyRule.Kind.RETARGET, 8, 1000, 4000, 1);

    /**
     * {@code timestamps.length} blocks from genesis of 52 data bytes, each at the bits {@code rule} requires of it
     * and with the job timestamp given, found 100 ms later; winners in turn.
     */
    static List<Block> mine(DifficultyRule rule, long[] timestamps, String... winners) {
        Difficulty difficulty = new Difficulty(rule);
        return mine(height -> difficulty.requiredBits(), difficulty, timestamps, winners);
    }

    /** Like {@link #mine(DifficultyRule, long[], String...)}, at the bits given for each block: any rule or none. */
    static List<Block> mineAt(int[] bits, long[] timestamps) {
        return mine(height -> bits[height - 1], Difficulty.unrecorded(), timestamps, "alice");
    }

    private static List<Block> mine(java.util.function.IntUnaryOperator bitsOf, Difficulty difficulty,
                                    long[] timestamps, String... winners) {
        List<Block> blocks = new ArrayList<>();
        byte[] previous = Genesis.hash();
        for (int i = 0; i < timestamps.length; i++) {
            int height = i + 1;
            int bits = bitsOf.applyAsInt(height);
            byte[] data = new byte[BlockHeader.LENGTH];
            new BlockHeader(previous, height, timestamps[i], 0).writeTo(data);
            long nonce = 0;
            while (!ProofOfWork.meets(ProofOfWork.hash(data, nonce), bits)) {
                nonce++;
            }
            Block block = new Block(height, previous, data, nonce, bits,
                    winners.length == 0 ? "alice" : winners[i % winners.length],
                    timestamps[i] + 100, 100);
            difficulty.add(block.height(), block.zeroBits(), block.data(), block.foundAtMillis());
            blocks.add(block);
            previous = block.hash();
        }
        return blocks;
    }

    /** The rule a pool asked for with {@code --bits} and no target: every block at the bits of the chain's first. */
    static DifficultyRule fixedRule(List<Block> blocks) {
        return DifficultyRule.fixed(blocks.isEmpty() ? 8 : blocks.get(0).zeroBits());
    }

    /**
     * A version 4 file, as a pool with {@code --bits} of these blocks writes it once it has upgraded them, encoded
     * by ChainFile: transactions from the block after them (their data after the block header is filler).
     */
    static byte[] file(List<Block> blocks) {
        return file(fixedRule(blocks), blocks);
    }

    /** A version 4 file that records {@code rule}, transactions from the block after {@code blocks}. */
    static byte[] file(DifficultyRule rule, List<Block> blocks) {
        return file(rule, blocks, blocks.size() + 1);
    }

    /** A version 4 file that records {@code rule} and transactions from {@code transactionsFrom}. */
    static byte[] file(DifficultyRule rule, List<Block> blocks, long transactionsFrom) {
        return withHeader(ChainFile.fileHeader(rule, transactionsFrom), blocks);
    }

    /** A version 3 file that records {@code rule}, as pools before transactions wrote it. */
    static byte[] v3File(DifficultyRule rule, List<Block> blocks) {
        return withHeader(ChainFile.version3FileHeader(rule), blocks);
    }

    /** A version 2 file, as pools before the difficulty rule wrote it. */
    static byte[] v2File(List<Block> blocks) {
        return withHeader(ChainFile.version2FileHeader(), blocks);
    }

    private static byte[] withHeader(byte[] header, List<Block> blocks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(header);
        for (Block block : blocks) {
            out.writeBytes(record(block));
        }
        return out.toByteArray();
    }

    /** Block {@code height}'s record in a version 4 file rewritten to say {@code zeroBits}, both CRCs made good. */
    static byte[] withBits(byte[] file, int height, int zeroBits) {
        byte[] bytes = file.clone();
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
        int at = recordOffset(file, height);
        int bodyLength = b.getInt(at + ChainFile.BODY_LENGTH_OFFSET);
        int body = at + ChainFile.RECORD_HEADER_LENGTH;
        bytes[body + ChainFile.ZERO_BITS_OFFSET] = (byte) zeroBits;
        b.putInt(at + ChainFile.BODY_CRC_OFFSET, ChainFile.crc(bytes, body, bodyLength));
        b.putInt(at + ChainFile.RECORD_HEADER_CRC_OFFSET, ChainFile.crc(bytes, at, ChainFile.RECORD_HEADER_CRC_OFFSET));
        return bytes;
    }

    /** The byte offset of block {@code height}'s record in a version 4 file. */
    static int recordOffset(byte[] file, int height) {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.BIG_ENDIAN);
        int at = ChainFile.HEADER_LENGTH;
        for (int h = 1; h < height; h++) {
            at += ChainFile.RECORD_HEADER_LENGTH + b.getInt(at + ChainFile.BODY_LENGTH_OFFSET);
        }
        return at;
    }

    static byte[] record(Block block) {
        ByteBuffer record = ChainFile.encode(block);
        return Arrays.copyOfRange(record.array(), 0, record.limit());
    }

    /** A version 1 file as pools before format version 2 wrote it: a reserved 0 where v2 has the header length, no CRCs on headers. */
    static byte[] v1File(List<Block> blocks) {
        ByteBuffer file = ByteBuffer.allocate(1 << 16).order(ByteOrder.BIG_ENDIAN);
        file.put(ChainFile.MAGIC).putShort((short) 1).putShort((short) 0);
        for (Block block : blocks) {
            byte[] body = Arrays.copyOfRange(record(block), ChainFile.RECORD_HEADER_LENGTH, record(block).length);
            CRC32 crc = new CRC32();
            crc.update(body);
            file.putInt(body.length).putInt((int) crc.getValue()).put(body);
        }
        return Arrays.copyOf(file.array(), file.position());
    }

    /** A hex golden from the test resources: whitespace and {@code #} comments ignored. */
    static byte[] goldenHex(String resource) {
        try (InputStream in = TestChains.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("no test resource " + resource);
            }
            StringBuilder hex = new StringBuilder();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                int comment = line.indexOf('#');
                hex.append((comment < 0 ? line : line.substring(0, comment)).replaceAll("\\s+", ""));
            }
            return HexFormat.of().parseHex(hex);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Block> scan(Path file) throws IOException {
        List<Block> blocks = new ArrayList<>();
        ChainFile.scan(file, blocks::add);
        return blocks;
    }

    static byte[] bytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What {@code pool-server chain} printed and returned. */
    record Command(int status, String out, String err) {
        static Command run(Path file) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = ChainCommand.run(new String[] {"chain", "--chain", file.toString()},
                    new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            return new Command(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        }
    }

    /** Keeps every line, prints none. */
    static final class Log extends PoolLog {
        final List<String> lines = new CopyOnWriteArrayList<>();

        Log() {
            super(new PrintStream(OutputStream.nullOutputStream()), new PrintStream(OutputStream.nullOutputStream()));
        }

        @Override
        protected void line(Level level, String message) {
            lines.add(level + " " + message);
        }
    }
}
