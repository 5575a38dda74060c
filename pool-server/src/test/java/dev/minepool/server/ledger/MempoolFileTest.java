package dev.minepool.server.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.minepool.protocol.MinerName;
import dev.minepool.protocol.ledger.Ed25519;
import dev.minepool.protocol.ledger.NameRegistration;
import dev.minepool.protocol.ledger.Transfer;
import dev.minepool.protocol.ledger.TxRecord;
import dev.minepool.server.PoolLog;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mempool file's format and its writer, on real files. */
class MempoolFileTest {
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-02T03:15:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    final KeyPair key = Ed25519.generate();
    final List<String> warnings = new CopyOnWriteArrayList<>();
    final PoolLog log = new PoolLog(new PrintStream(OutputStream.nullOutputStream()),
            new PrintStream(OutputStream.nullOutputStream())) {
        @Override
        protected void line(Level level, String message) {
            if (level == Level.WARN) {
                warnings.add(message);
            }
        }
    };

    Path file() {
        return dir.resolve("chain.dat.mempool");
    }

    NameRegistration registration(int i) {
        return NameRegistration.sign(MinerName.parse("n" + i), Ed25519.rawPublicKey(key.getPublic()), key.getPrivate());
    }

    List<TxRecord> records(int n) {
        List<TxRecord> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(i % 2 == 0 ? registration(i) : Transfer.sign(MinerName.parse("n0"), MinerName.parse("n" + i), i,
                    i, key.getPrivate()));
        }
        return out;
    }

    @Test
    void theHeaderIsTwelveFixedBytes() {
        assertThat(HexFormat.of().formatHex(MempoolFile.header())).as("as PROTOCOL.md says them")
                .isEqualTo("4d505458" + "0001" + "000c" + "63670915");
        assertThat(MempoolFile.beside(Path.of("x/minepool-chain.dat")))
                .isEqualTo(Path.of("x/minepool-chain.dat.mempool"));
    }

    @Test
    void aFrameIsTheRecordThenItsCrc32() {
        TxRecord record = registration(1);
        byte[] frame = MempoolFile.frame(record);
        assertThat(frame).hasSize(NameRegistration.LENGTH + 4);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(record.toBytes());
        assertThat(java.nio.ByteBuffer.wrap(frame, NameRegistration.LENGTH, 4).getInt())
                .isEqualTo((int) crc.getValue());
    }

    @Test
    void aRewrittenFileReadsBackInOrder() throws IOException {
        List<TxRecord> records = records(5);
        MempoolFile.rewrite(file(), records).close();
        MempoolFile.Contents contents = MempoolFile.read(file(), CLOCK);
        assertThat(contents.records()).isEqualTo(records);
        assertThat(contents.torn()).isNull();
        assertThat(contents.damage()).isNull();
        assertThat(Files.exists(dir.resolve("chain.dat.mempool.new"))).as("no temporary left").isFalse();
    }

    @Test
    void noFileIsAnEmptyMempool() throws IOException {
        assertThat(MempoolFile.read(file(), CLOCK).records()).isEmpty();
    }

    @Test
    void zerosAfterTheLastGoodFrameAreATornTail() throws IOException {
        MempoolFile.rewrite(file(), records(2)).close();
        Files.write(file(), new byte[300], java.nio.file.StandardOpenOption.APPEND); // a file system's zero fill
        MempoolFile.Contents contents = MempoolFile.read(file(), CLOCK);
        assertThat(contents.records()).hasSize(2);
        assertThat(contents.torn()).startsWith("a torn tail of 300 bytes at byte ");
        assertThat(contents.damage()).isNull();
    }

    @Test
    void aByteThatIsNoKindInTheMiddleStopsTheReadingThereAndTheFileIsCopiedAside() throws IOException {
        List<TxRecord> records = records(3);
        MempoolFile.rewrite(file(), records).close();
        byte[] bytes = Files.readAllBytes(file());
        int second = MempoolFile.HEADER_LENGTH + NameRegistration.LENGTH + 4;
        bytes[second] = 0x21;
        Files.write(file(), bytes);
        MempoolFile.Contents contents = MempoolFile.read(file(), CLOCK);
        assertThat(contents.records()).containsExactly(records.get(0));
        assertThat(contents.damage()).isEqualTo("byte " + second + ": 0x21 is no record kind, so the "
                + (bytes.length - second) + " bytes from there on could not be read");
        assertThat(contents.damagedCopy()).isEqualTo(dir.resolve("chain.dat.mempool.damaged-20261202T031500Z"));
        assertThat(Files.readAllBytes(contents.damagedCopy())).isEqualTo(bytes);
        assertThat(MempoolFile.read(file(), CLOCK).damagedCopy()).as("an existing copy is never overwritten")
                .isEqualTo(dir.resolve("chain.dat.mempool.damaged-20261202T031500Z-2"));
    }

    @Test
    void aFileThatIsNoMempoolFileIsRefusedAndLeftAsItWas() throws IOException {
        Files.writeString(file(), "hello, this is not it");
        assertThatThrownBy(() -> MempoolFile.read(file(), CLOCK)).isInstanceOf(IOException.class)
                .hasMessage("mempool file " + file() + " is not a minepool mempool file (it does not start with"
                        + " \"MPTX\"); move it away to start without it");
        byte[] later = MempoolFile.header();
        later[5] = 2;
        Files.write(file(), later);
        assertThatThrownBy(() -> MempoolFile.read(file(), CLOCK)).hasMessageContaining("format version 2, this pool"
                + " reads version 1");
    }

    MempoolWriter writer(List<List<TxRecord>> stored, List<List<TxRecord>> notStored) throws IOException {
        FileChannel channel = MempoolFile.rewrite(file(), List.of());
        return new MempoolWriter(file(), channel, 0, log, stored::add, notStored::add);
    }

    @Test
    void recordsQueuedTogetherShareOneWriteAndOneForce() throws Exception {
        List<List<TxRecord>> stored = new CopyOnWriteArrayList<>();
        MempoolWriter writer = writer(stored, new ArrayList<>());
        List<TxRecord> records = records(200);
        List<CompletableFuture<Void>> durable = new ArrayList<>();
        for (TxRecord r : records) { // queued before the thread runs: one group
            durable.add(writer.append(r));
        }
        writer.start();
        for (CompletableFuture<Void> d : durable) {
            d.get(10, TimeUnit.SECONDS);
        }
        assertThat(writer.groups()).isEqualTo(1);
        assertThat(writer.written()).isEqualTo(200);
        assertThat(stored).containsExactly(records);
        writer.close();
        assertThat(MempoolFile.read(file(), CLOCK).records()).isEqualTo(records);
    }

    @Test
    void aFailedGroupIsToldToEverySenderAndLeavesNothingInTheFile() throws Exception {
        List<List<TxRecord>> notStored = new CopyOnWriteArrayList<>();
        MempoolWriter writer = writer(new ArrayList<>(), notStored);
        writer.start();
        TxRecord first = registration(1);
        writer.append(first).get(10, TimeUnit.SECONDS);
        writer.channel().close();
        CompletableFuture<Void> failed = writer.append(registration(2));
        assertThatThrownBy(() -> failed.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(MempoolWriter.NotStoredException.class)
                .hasMessageStartingWith("the pool could not store the record on its disk (");
        assertThat(notStored).containsExactly(List.of(registration(2)));
        assertThat(warnings).hasSize(1).first().asString().startsWith("mempool file " + file()
                + ": cannot store 1 transaction (");
        writer.close();
        assertThat(MempoolFile.read(file(), CLOCK).records()).containsExactly(first);
    }

    @Test
    void compactionKeepsThePendingListAndAppendsGoOnInTheNewFile() throws Exception {
        MempoolWriter writer = writer(new ArrayList<>(), new ArrayList<>());
        writer.start();
        List<TxRecord> records = records(10);
        for (TxRecord r : records) {
            writer.append(r).get(10, TimeUnit.SECONDS);
        }
        writer.compact(List.of(records.get(3), records.get(7)));
        TxRecord after = registration(99);
        writer.append(after).get(10, TimeUnit.SECONDS);
        writer.close();
        assertThat(MempoolFile.read(file(), CLOCK).records()).containsExactly(records.get(3), records.get(7), after);
        assertThat(warnings).isEmpty();
    }

    @Test
    void anAppendAfterCloseFailsAtOnceAndTheMempoolHearsOfIt() throws Exception {
        List<List<TxRecord>> notStored = new ArrayList<>();
        MempoolWriter writer = writer(new ArrayList<>(), notStored);
        writer.start();
        writer.close();
        CompletableFuture<Void> refused = writer.append(registration(1));
        assertThat(notStored).as("withdrawn from the mempool").containsExactly(List.of(registration(1)));
        assertThatThrownBy(() -> refused.get(1, TimeUnit.SECONDS))
                .cause().hasMessage("the pool's mempool file is closed (the pool is stopping, or its writer failed),"
                        + " so it did not store the record");
    }
}
