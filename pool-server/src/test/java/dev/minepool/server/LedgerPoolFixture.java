package dev.minepool.server;

import static dev.minepool.server.HttpApiTest.field;
import static org.assertj.core.api.Assertions.assertThat;

import dev.minepool.protocol.Message;
import dev.minepool.protocol.MinerName;
import dev.minepool.protocol.ledger.Ed25519;
import dev.minepool.protocol.ledger.NameRegistration;
import dev.minepool.protocol.ledger.TxRecord;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the ledger's tests share: a real pool at 8 zero bits with its HTTP API, alice and bob with their keys, and
 * the calls those tests make of it (post a record, mine a block as a name on a fresh connection). No tests here.
 */
abstract class LedgerPoolFixture {
    static final Duration WAIT = Duration.ofSeconds(20);
    static final long COIN = 100_000_000L;

    @TempDir
    Path dir;

    CapturingLog log = new CapturingLog();
    final HttpClient http = HttpClient.newBuilder().connectTimeout(WAIT).build();
    PoolServer pool;
    String base;
    final KeyPair aliceKey = Ed25519.generate();
    final KeyPair bobKey = Ed25519.generate();
    final MinerName alice = MinerName.parse("alice");
    final MinerName bob = MinerName.parse("bob");

    @BeforeEach
    void start() throws Exception {
        startPool();
    }

    void startPool() throws Exception {
        pool = new PoolServer(PoolConfig.forTest(chain(), 8).withLog(log).withHttp("127.0.0.1:0"));
        pool.start();
        base = pool.httpUrl();
    }

    @AfterEach
    void stop() {
        pool.close();
    }

    Path chain() {
        return dir.resolve("chain.dat");
    }

    HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path.substring(1))).timeout(WAIT).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpRequest postRequest(String body) {
        return HttpRequest.newBuilder(URI.create(base + "api/transactions")).timeout(WAIT)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    HttpRequest postRequest(TxRecord record) {
        return postRequest("{\"tx\":\"" + HexFormat.of().formatHex(record.toBytes()) + "\"}");
    }

    HttpResponse<String> post(TxRecord record) throws Exception {
        return http.send(postRequest(record), HttpResponse.BodyHandlers.ofString());
    }

    /** Posts the record and asserts it was acknowledged. */
    void accepted(TxRecord record) throws Exception {
        HttpResponse<String> r = post(record);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    }

    NameRegistration register(MinerName name, KeyPair key) {
        return NameRegistration.sign(name, Ed25519.rawPublicKey(key.getPublic()), key.getPrivate());
    }

    /** Mines the next block as {@code name} on a fresh connection, and waits until the API shows it. */
    void mine(String name) throws Exception {
        long before = pool.ledger().height();
        try (TestMiner miner = new TestMiner(pool.port())) {
            Message.Task task = miner.getWork(name);
            miner.send(new Message.Submit(task.job(), TestMiner.validNonce(task)));
            assertThat(miner.read()).isEqualTo(new Message.Accepted(task.job()));
        }
        // The A may arrive a moment before the ledger and the mempool have the block (the miners are told first);
        // the snapshot that shows the block is published after them.
        assertThat(pool.awaitSnapshot(s -> s.tipHeight() == before + 1, WAIT)).as("a snapshot with block %d",
                before + 1).isNotNull();
        assertThat(pool.ledger().height()).isEqualTo(before + 1);
    }

    /** Alice and bob registered, alice has won two blocks: 2 coins. */
    void twoCoinsForAlice() throws Exception {
        accepted(register(alice, aliceKey));
        accepted(register(bob, bobKey));
        mine("alice");
        mine("alice");
        assertThat(field(get("/api/accounts/alice").body(), "balanceUnits")).isEqualTo(String.valueOf(2 * COIN));
    }
}
