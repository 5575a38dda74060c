package dev.minepool.server;

import static dev.minepool.server.HttpApiTest.field;
import static org.assertj.core.api.Assertions.assertThat;

import dev.minepool.protocol.Message;
import dev.minepool.protocol.MinerName;
import dev.minepool.protocol.ledger.Ed25519;
import dev.minepool.protocol.ledger.NameRegistration;
import dev.minepool.protocol.ledger.Transfer;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Wallets and signed transactions through real HTTP against a real pool, with hand-written miners on real
 * sockets: the full flow, and every attack of issue 14 that reaches the pool.
 */
@Timeout(300) // a hang guard only
class LedgerApiTest extends LedgerPoolFixture {
    HttpResponse<String> postBody(String body) throws Exception {
        return http.send(postRequest(body), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(byte[] record) throws Exception {
        return postBody("{\"tx\":\"" + HexFormat.of().formatHex(record) + "\"}");
    }

    Transfer send(MinerName from, KeyPair key, MinerName to, long units, long nonce) {
        return Transfer.sign(from, to, units, nonce, key.getPrivate());
    }

    static void assertRejected(HttpResponse<String> r, int status, String reason) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json; charset=utf-8");
        assertThat(field(r.body(), "reason")).as(r.body()).isEqualTo(reason);
        assertThat(field(r.body(), "error")).as("a sentence").isNotBlank();
    }

    /** name → coins, from {@code /api/balances}. */
    Map<String, BigDecimal> balances() throws Exception {
        String body = get("/api/balances").body();
        Map<String, BigDecimal> out = new TreeMap<>();
        Matcher m = Pattern.compile("\"([^\"]+)\":(\\d+\\.\\d{8})").matcher(body.substring(body.indexOf("\"balances\"")));
        while (m.find()) {
            out.put(m.group(1), new BigDecimal(m.group(2)));
        }
        return out;
    }

    @Test
    void registerMineTransferConfirmAndSurviveARestart() throws Exception {
        NameRegistration aliceN = register(alice, aliceKey);
        HttpResponse<String> r = post(aliceN);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        assertThat(r.body()).isEqualTo("{\"txid\":\"" + aliceN.txidHex() + "\",\"status\":\"pending\"}");
        String status = get("/api/transactions/" + aliceN.txidHex()).body();
        assertThat(field(status, "status")).isEqualTo("pending");
        assertThat(field(status, "kind")).isEqualTo("N");
        assertThat(field(status, "key")).isEqualTo(HexFormat.of().formatHex(aliceN.publicKey()));
        String account = get("/api/accounts/alice").body();
        assertThat(field(account, "keyPending")).isEqualTo("true");

        mine("alice"); // block 1 carries alice's registration, then pays her
        status = get("/api/transactions/" + aliceN.txidHex()).body();
        assertThat(field(status, "status")).isEqualTo("confirmed");
        assertThat(field(status, "height")).isEqualTo("1");

        assertThat(post(register(bob, bobKey)).statusCode()).isEqualTo(202);
        mine("alice"); // block 2: bob's registration; alice has 2 coins
        Transfer pay = send(alice, aliceKey, bob, COIN / 2, 1);
        assertThat(post(pay).statusCode()).isEqualTo(202);
        account = get("/api/accounts/alice").body();
        assertThat(account).contains("\"balance\":2.00000000,\"balanceUnits\":200000000,"
                + "\"spendable\":1.50000000,\"spendableUnits\":150000000,"
                + "\"pendingBalance\":1.50000000,\"pendingBalanceUnits\":150000000,");
        assertThat(field(account, "nextNonce")).isEqualTo("2");
        assertThat(field(account, "key")).isEqualTo(HexFormat.of().formatHex(aliceN.publicKey()));
        assertThat(field(get("/api/accounts/bob").body(), "pendingBalance")).isEqualTo("0.50000000");

        mine("bob"); // block 3: the transfer, then bob's coin
        String tx = get("/api/transactions/" + pay.txidHex()).body();
        assertThat(tx).contains("\"kind\":\"X\",\"status\":\"confirmed\",\"height\":3,\"from\":\"alice\","
                + "\"to\":\"bob\",\"amount\":0.50000000,\"amountUnits\":50000000,\"nonce\":1");
        assertThat(get("/api/blocks/3").body()).contains("\"transactions\":[{\"txid\":\"" + pay.txidHex());
        assertThat(get("/api/accounts/alice").body()).contains("\"recent\":[{\"txid\":\"" + pay.txidHex(),
                aliceN.txidHex());
        assertRejected(post(pay), 409, "bad-nonce"); // a replay of a confirmed transfer

        Map<String, BigDecimal> balances = balances();
        assertThat(balances).containsExactly(Map.entry("alice", new BigDecimal("1.50000000")),
                Map.entry("bob", new BigDecimal("1.50000000")));
        assertThat(balances.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add))
                .as("the sum of all balances is the blocks mined, one coin each").isEqualByComparingTo("3");
        assertThat(get("/api/miners").body()).isNotNull();
        String p = get("/api/pool").body();
        assertThat(p).contains("\"rules\":{\"difficulty\":{\"rule\":\"fixed\",\"startBits\":8,\"targetBlockTimeMs\":0,"
                + "\"tauMs\":0,\"firstHeight\":1},\"transactionsFromHeight\":1}");

        pool.close();
        startPool();
        assertThat(balances()).as("the same balances from the chain after a restart").isEqualTo(balances);
        assertThat(field(get("/api/transactions/" + pay.txidHex()).body(), "height")).isEqualTo("3");
        assertThat(field(get("/api/accounts/alice").body(), "nextNonce")).isEqualTo("2");
    }

    /** Alice registered, and two blocks won by her: 2 coins; bob registered. */
    @Test
    void forgeriesAndTamperedRecordsAreRefusedAsBadSignatures() throws Exception {
        twoCoinsForAlice();
        assertRejected(post(send(alice, bobKey, bob, COIN, 1)), 400, "bad-signature"); // signed by bob's key
        byte[] good = send(alice, aliceKey, bob, 1, 1).toBytes();
        byte[] flipped = good.clone();
        flipped[21 + 7] ^= 0x01; // the amount's last byte: 1 unit becomes 0 or 2... under alice's signature
        flipped[21] = 0x01; // and a big one
        assertRejected(post(flipped), 400, "bad-signature");
        byte[] redirected = good.clone();
        System.arraycopy("carol".getBytes(), 0, redirected, 11, 5);
        assertRejected(post(redirected), 400, "bad-signature");
        byte[] forgedN = register(MinerName.parse("dave"), aliceKey).toBytes();
        forgedN[100] ^= 0x20;
        assertRejected(post(forgedN), 400, "bad-signature");
        assertThat(post(good).statusCode()).as("the untampered record passes").isEqualTo(202);
    }

    @Test
    void theRulesOfTheLedgerAreEnforcedWithTheirReasons() throws Exception {
        twoCoinsForAlice();
        MinerName carol = MinerName.parse("carol");
        KeyPair carolKey = Ed25519.generate();
        assertRejected(post(send(carol, carolKey, alice, 1, 1)), 422, "unknown-sender"); // an unbound name
        assertRejected(post(register(alice, carolKey)), 409, "name-taken"); // bound on the chain
        assertThat(post(register(carol, carolKey)).statusCode()).isEqualTo(202);
        assertRejected(post(register(carol, Ed25519.generate())), 409, "name-taken"); // bound by a pending N
        assertRejected(post(send(alice, aliceKey, bob, 3 * COIN, 1)), 422, "insufficient-funds");
        assertRejected(post(send(alice, aliceKey, bob, -1L, 1)), 422, "insufficient-funds"); // 2^64 - 1 units
        assertRejected(post(send(alice, aliceKey, bob, 0, 1)), 422, "zero-amount");
        assertRejected(post(send(alice, aliceKey, alice, 1, 1)), 422, "self-transfer");
        assertRejected(post(send(alice, aliceKey, bob, 1, 5)), 409, "bad-nonce"); // a gap
        Transfer first = send(alice, aliceKey, bob, COIN, 1);
        assertThat(post(first).statusCode()).isEqualTo(202);
        assertRejected(post(first), 409, "bad-nonce"); // a replay of a pending transfer
        assertRejected(post(send(alice, aliceKey, bob, COIN + 1, 2)), 422, "insufficient-funds");
        // Coins on their way to a name are not spendable until confirmed.
        assertRejected(post(send(bob, bobKey, alice, 1, 1)), 422, "insufficient-funds");
        assertThat(post(send(alice, aliceKey, bob, COIN, 2)).statusCode()).isEqualTo(202);
        String account = get("/api/accounts/alice").body();
        assertThat(field(account, "spendableUnits")).isEqualTo("0");
        assertThat(field(account, "nextNonce")).isEqualTo("3");
    }

    @Test
    void twoSpendsPostedAtOnceThatAreValidAloneButNotTogetherGetExactlyOne202() throws Exception {
        twoCoinsForAlice();
        for (int round = 0; round < 5; round++) {
            long nonce = round + 1;
            // Each spends the whole remaining spendable balance under the same nonce, to different recipients.
            long spendable = Long.parseLong(field(get("/api/accounts/alice").body(), "spendableUnits"));
            long amount = spendable / 2 + 1;
            Transfer a = send(alice, aliceKey, bob, amount, nonce);
            Transfer b = send(alice, aliceKey, MinerName.parse("erin" + round), amount, nonce);
            CountDownLatch go = new CountDownLatch(1);
            List<Integer> statuses = java.util.Collections.synchronizedList(new ArrayList<>());
            List<Thread> threads = new ArrayList<>();
            for (Transfer t : List.of(a, b)) {
                Thread thread = new Thread(() -> {
                    try {
                        go.await();
                        statuses.add(post(t).statusCode());
                    } catch (Exception e) {
                        statuses.add(-1);
                    }
                });
                thread.start();
                threads.add(thread);
            }
            go.countDown();
            for (Thread t : threads) {
                t.join(WAIT.toMillis());
            }
            assertThat(statuses).as("round %d", round).hasSize(2);
            assertThat(statuses.stream().filter(s -> s == 202).count()).as("exactly one passes, round %d", round)
                    .isEqualTo(1);
            assertThat(statuses).allMatch(s -> s == 202 || s == 409 || s == 422);
        }
    }

    @Test
    void badBodiesAreRefusedAsMalformedWithASentence() throws Exception {
        assertRejected(postBody("x".repeat(5000)), 413, "malformed");
        assertRejected(postBody("{\"tx\":"), 400, "malformed");
        assertRejected(postBody("not json"), 400, "malformed");
        assertRejected(postBody("{\"tx\":\"00\",\"tx\":\"00\"}"), 400, "malformed");
        assertRejected(postBody("{\"tx\":\"00\",\"amount\":\"1\"}"), 400, "malformed");
        assertRejected(postBody("{\"tx\":42}"), 400, "malformed");
        assertRejected(postBody("{\"tx\":\"zz\"}"), 400, "malformed");
        assertRejected(postBody("{\"tx\":\"abc\"}"), 400, "malformed");
        assertRejected(post(new byte[100]), 400, "malformed");
        byte[] unknownKind = register(alice, aliceKey).toBytes();
        unknownKind[0] = 'Z';
        assertRejected(post(unknownKind), 400, "malformed");
        HttpResponse<String> r = postBody("{\"tx\":\"zz\"}");
        assertThat(r.body()).doesNotContain("Exception");
        r = get("/api/transactions/xyz");
        assertThat(r.statusCode()).isEqualTo(400);
        r = get("/api/transactions/" + "ab".repeat(32));
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).isEqualTo("{\"error\":\"no transaction " + "ab".repeat(32) + "\"}");
        assertThat(get("/api/accounts/%ff").statusCode()).isEqualTo(400);
        assertThat(get("/api/accounts/a%0Ab").statusCode()).isEqualTo(400);
        String nobody = get("/api/accounts/%C5%BC%C3%B3%C5%82w").body(); // żółw, percent-encoded
        assertThat(nobody).startsWith("{\"name\":\"żółw\",\"balance\":0.00000000,\"balanceUnits\":0,")
                .contains("\"key\":null,\"keyPending\":false,\"nextNonce\":1,\"recent\":[]");
    }

    @Test
    void aPerSenderBoundKeepsOneSenderFromFillingTheMempool() throws Exception {
        twoCoinsForAlice();
        for (int nonce = 1; nonce <= 64; nonce++) {
            assertThat(post(send(alice, aliceKey, bob, 1, nonce)).statusCode()).isEqualTo(202);
        }
        assertRejected(post(send(alice, aliceKey, bob, 1, 65)), 503, "mempool-full");
    }

    /**
     * 10,000 registrations from one client while a miner keeps mining: the miner keeps getting answers, the mempool
     * never holds more than its bound, and once it is full (the miner stopped) the next record is refused as such.
     */
    @Test
    void tenThousandPostsFromOneClientWhileAMinerMines() throws Exception {
        AtomicBoolean flooding = new AtomicBoolean(true);
        AtomicLong mined = new AtomicLong();
        AtomicLong maxPending = new AtomicLong();
        Thread miner = new Thread(() -> {
            try (TestMiner m = new TestMiner(pool.port())) {
                while (flooding.get()) {
                    Message.Task task = m.getWork("miner");
                    m.send(new Message.Submit(task.job(), TestMiner.validNonce(task)));
                    if (m.read() instanceof Message.Accepted) {
                        mined.incrementAndGet();
                    }
                    maxPending.accumulateAndGet(pool.ledger().pendingCount(), Math::max);
                }
            } catch (Exception e) {
                mined.set(-1_000_000);
            }
        }, "test-miner");
        miner.start();
        int accepted = 0;
        int full = 0;
        KeyPair key = Ed25519.generate();
        byte[] raw = Ed25519.rawPublicKey(key.getPublic());
        long minedBefore = mined.get();
        for (int i = 0; i < 10_000; i++) {
            int status = post(NameRegistration.sign(MinerName.parse("f" + i), raw, key.getPrivate())).statusCode();
            accepted += status == 202 ? 1 : 0;
            full += status == 503 ? 1 : 0;
        }
        flooding.set(false);
        miner.join(WAIT.toMillis());
        assertThat(mined.get()).as("blocks the miner got accepted during the flood").isGreaterThan(minedBefore + 5);
        // Its last A may come a moment before the pool takes that block's records out of the mempool: the count
        // read below must be the one after it.
        assertThat(pool.awaitSnapshot(s -> s.blocksThisRun() == mined.get(), WAIT)).as("a snapshot with all %d"
                + " blocks", mined.get()).isNotNull();
        assertThat(accepted + full).isEqualTo(10_000);
        assertThat(maxPending.get()).isLessThanOrEqualTo(10_000);
        for (int i = 10_000; pool.ledger().pendingCount() < 10_000; i++) {
            assertThat(post(NameRegistration.sign(MinerName.parse("f" + i), raw, key.getPrivate())).statusCode())
                    .isEqualTo(202);
        }
        assertRejected(post(NameRegistration.sign(MinerName.parse("last"), raw, key.getPrivate())), 503,
                "mempool-full");
        assertThat(pool.ledger().pendingCount()).isEqualTo(10_000);
    }
}
