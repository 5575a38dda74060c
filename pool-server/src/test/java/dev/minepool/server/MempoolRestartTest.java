package dev.minepool.server;

import static dev.minepool.server.HttpApiTest.field;
import static org.assertj.core.api.Assertions.assertThat;

import dev.minepool.protocol.MinerName;
import dev.minepool.protocol.ledger.Ed25519;
import dev.minepool.protocol.ledger.NameRegistration;
import dev.minepool.protocol.ledger.Transfer;
import dev.minepool.protocol.ledger.TxRecord;
import dev.minepool.server.ledger.MempoolFile;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The mempool file through a real pool: a record acknowledged with 202 is pending again after a restart and is
 * mined then; a torn tail, damage and records made stale or invalid across the restart are dropped with a line
 * that says so; a disk that fails turns the POST into a clear 503 and the pool mines on.
 */
@Timeout(120) // a hang guard only
class MempoolRestartTest extends LedgerPoolFixture {
    /** Stops the pool and starts a new one on the same files, with a fresh log. */
    void restart() throws Exception {
        pool.close();
        log = new CapturingLog();
        startPool();
    }

    Path mempoolFile() {
        return dir.resolve("chain.dat.mempool");
    }

    String status(TxRecord record) throws Exception {
        return get("/api/transactions/" + record.txidHex()).body();
    }

    String restoredLine() {
        return log.lines().stream().filter(l -> l.contains("restored from")).findFirst().orElse(null);
    }

    @Test
    void anAcknowledgedTransferIsPendingAfterARestartAndIsMinedThen() throws Exception {
        twoCoinsForAlice();
        Transfer pay = Transfer.sign(alice, bob, COIN / 2, 1, aliceKey.getPrivate());
        accepted(pay);

        restart();
        assertThat(field(status(pay), "status")).as("after the restart").isEqualTo("pending");
        assertThat(restoredLine()).isEqualTo("INFO mempool: 1 pending transaction restored from " + mempoolFile()
                + ", 2 dropped (2 already in block 1)");
        assertThat(field(get("/api/accounts/alice").body(), "nextNonce")).isEqualTo("2");

        mine("bob");
        assertThat(field(status(pay), "status")).isEqualTo("confirmed");
        assertThat(field(status(pay), "height")).isEqualTo("3");
    }

    @Test
    void aTornTailIsDroppedWithOneWarningAndTheRecordsBeforeItStay() throws Exception {
        NameRegistration first = register(alice, aliceKey);
        NameRegistration second = register(bob, bobKey);
        accepted(first);
        accepted(second);
        pool.close();
        long size = Files.size(mempoolFile());
        try (FileChannel f = FileChannel.open(mempoolFile(), StandardOpenOption.WRITE)) {
            f.truncate(size - 40); // the second frame cut short, as a crash during its write leaves it
        }

        log = new CapturingLog();
        startPool();
        assertThat(log.lines()).filteredOn(l -> l.startsWith("WARN")).containsExactly("WARN mempool file "
                + mempoolFile() + ": a torn tail of " + (111 - 40) + " bytes at byte "
                + (MempoolFile.HEADER_LENGTH + 111)
                + " dropped (a crash while records"
                + " were written leaves this; none of them was acknowledged)");
        assertThat(field(status(first), "status")).isEqualTo("pending");
        assertThat(get("/api/transactions/" + second.txidHex()).statusCode()).isEqualTo(404);
        assertThat(Files.size(mempoolFile())).as("rewritten with the one record").isEqualTo(
                MempoolFile.HEADER_LENGTH + NameRegistration.LENGTH + MempoolFile.FRAME_CRC_LENGTH);
    }

    @Test
    void aDamagedRecordInTheMiddleIsDroppedLoudlyTheOthersKeptAndTheFileCopiedAside() throws Exception {
        NameRegistration a = register(alice, aliceKey);
        NameRegistration b = register(bob, bobKey);
        NameRegistration c = register(MinerName.parse("carol"), Ed25519.generate());
        accepted(a);
        accepted(b);
        accepted(c);
        pool.close();
        byte[] bytes = Files.readAllBytes(mempoolFile());
        int middle = MempoolFile.HEADER_LENGTH + 111 + 50;
        bytes[middle] ^= 0x01; // one flipped bit in bob's record
        Files.write(mempoolFile(), bytes);

        log = new CapturingLog();
        startPool();
        List<String> warnings = log.lines().stream().filter(l -> l.startsWith("WARN")).toList();
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0)).contains("mempool file " + mempoolFile() + " is DAMAGED")
                .contains("the N record at byte " + (MempoolFile.HEADER_LENGTH + 111) + " fails its CRC32")
                .contains("kept in " + mempoolFile() + ".damaged-");
        try (var side = Files.list(dir)) {
            Path copy = side.filter(p -> p.getFileName().toString().startsWith("chain.dat.mempool.damaged-"))
                    .findFirst().orElseThrow();
            assertThat(Files.readAllBytes(copy)).as("the damaged file, byte for byte").isEqualTo(bytes);
        }
        assertThat(field(status(a), "status")).isEqualTo("pending");
        assertThat(get("/api/transactions/" + b.txidHex()).statusCode()).isEqualTo(404);
        assertThat(field(status(c), "status")).as("the record after the damage").isEqualTo("pending");
        assertThat(restoredLine()).contains("2 pending transactions restored");
    }

    @Test
    void aRecordThatBecameInvalidAcrossTheRestartIsDroppedWithItsReason() throws Exception {
        twoCoinsForAlice();
        Transfer pay = Transfer.sign(alice, bob, COIN / 2, 1, aliceKey.getPrivate());
        accepted(pay);
        pool.close();
        // Another record for the same nonce, appended as if a pool had accepted it: only one can stand.
        Transfer rival = Transfer.sign(alice, MinerName.parse("carol"), COIN, 1, aliceKey.getPrivate());
        Files.write(mempoolFile(), MempoolFile.frame(rival), StandardOpenOption.APPEND);

        log = new CapturingLog();
        startPool();
        assertThat(restoredLine()).isEqualTo("INFO mempool: 1 pending transaction restored from " + mempoolFile()
                + ", 3 dropped (2 already in block 1, 1 bad-nonce)");
        assertThat(field(status(pay), "status")).isEqualTo("pending");
        String dropped = status(rival);
        assertThat(field(dropped, "status")).isEqualTo("dropped");
        assertThat(field(dropped, "reason")).isEqualTo("bad-nonce");
    }

    @Test
    void aMempoolFileThatCannotBeReadStopsTheStartWithOneSentence() throws Exception {
        pool.close();
        Files.delete(mempoolFile());
        Files.createDirectory(mempoolFile()); // not a file: root cannot read it as one either
        PoolServer other = new PoolServer(PoolConfig.forTest(chain(), 8).withLog(log).withHttp("127.0.0.1:0"));
        try {
            org.assertj.core.api.Assertions.assertThatThrownBy(other::start).isInstanceOf(IOException.class)
                    .hasMessage("cannot read the mempool file " + mempoolFile() + ": Is a directory");
        } finally {
            other.close();
        }
    }

    @Test
    void aWriterThatFailsGivesThePostA503AndThePoolMinesOn() throws Exception {
        twoCoinsForAlice();
        pool.mempoolWriter().channel().close(); // every write now fails, as a dead disk's would
        Transfer pay = Transfer.sign(alice, bob, COIN / 2, 1, aliceKey.getPrivate());
        HttpResponse<String> r = post(pay);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
        assertThat(field(r.body(), "reason")).isEqualTo("not-stored");
        assertThat(field(r.body(), "error")).startsWith("the pool could not store the record on its disk (")
                .endsWith("); it is not pending: send it again later");
        assertThat(log.await("WARN mempool file " + mempoolFile() + ": cannot store 1 transaction (", WAIT))
                .as("one line for the operator").endsWith("); their senders are told so and they are not pending");
        assertThat(get("/api/transactions/" + pay.txidHex()).statusCode()).as("not pending").isEqualTo(404);
        assertThat(field(get("/api/accounts/alice").body(), "nextNonce")).isEqualTo("1");

        mine("bob");
        assertThat(pool.ledger().transactions(3)).as("no record in the block after the failure").isEmpty();
        assertThat(pool.failed()).isFalse();
    }

    @Test
    void manyConcurrentPostsShareForcesAndAllSurviveARestart() throws Exception {
        KeyPair key = Ed25519.generate();
        byte[] raw = Ed25519.rawPublicKey(key.getPublic());
        List<NameRegistration> records = new ArrayList<>();
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            NameRegistration n = NameRegistration.sign(MinerName.parse("g" + i), raw, key.getPrivate());
            records.add(n);
            answers.add(http.sendAsync(postRequest(n), HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> answer : answers) {
            HttpResponse<String> r = answer.get();
            assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        }
        assertThat(pool.mempoolWriter().written()).isEqualTo(300);
        assertThat(pool.mempoolWriter().groups()).as("forces shared by the 300 records").isLessThan(300);

        restart();
        assertThat(restoredLine()).isEqualTo("INFO mempool: 300 pending transactions restored from "
                + mempoolFile() + ", 0 dropped");
        for (NameRegistration n : records) {
            assertThat(field(status(n), "status")).isEqualTo("pending");
        }
    }

    @Test
    void theFileIsCompactedOnceBlocksHaveConfirmedMostOfIt() throws Exception {
        pool.close();
        pool = new PoolServer(PoolConfig.forTest(chain(), 8).withDataSize(65_535).withLog(log)
                .withHttp("127.0.0.1:0")); // about 600 registrations a block
        pool.start();
        base = pool.httpUrl();
        KeyPair key = Ed25519.generate();
        byte[] raw = Ed25519.rawPublicKey(key.getPublic());
        int n = PoolServer.COMPACTION_SLACK + 100;
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            answers.add(http.sendAsync(postRequest(NameRegistration.sign(MinerName.parse("c" + i), raw,
                    key.getPrivate())), HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> answer : answers) {
            assertThat(answer.get().statusCode()).isEqualTo(202);
        }
        while (pool.ledger().pendingCount() > 0) {
            mine("miner");
        }
        assertThat(log.await("INFO mempool file " + mempoolFile() + " compacted: " + n + " records down to 0"
                + " pending", WAIT)).as("one line when the file is rewritten").isNotNull();
        assertThat(Files.size(mempoolFile())).as("the header alone").isEqualTo(MempoolFile.HEADER_LENGTH);

        NameRegistration after = register(alice, aliceKey);
        accepted(after);
        restart();
        assertThat(restoredLine()).as("appends go on in the new file").isEqualTo("INFO mempool: 1 pending"
                + " transaction restored from " + mempoolFile() + ", 0 dropped");
    }
}
