package dev.minepool.client.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.minepool.client.api.ApiException;
import dev.minepool.client.api.FakeApi;
import dev.minepool.client.api.PoolApi;
import dev.minepool.protocol.MinerName;
import dev.minepool.protocol.ledger.Ed25519;
import dev.minepool.protocol.ledger.NameRegistration;
import dev.minepool.protocol.ledger.Transfer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The verifier against a chain built in the test and served by a fake API: what it accepts and what it names. */
class ChainCheckTest {
    private static final MinerName ALICE = MinerName.parse("alice");
    private static final MinerName BOB = MinerName.parse("bob");

    @TempDir
    Path dir;

    private final FakeApi api;
    private final List<String> notes = new ArrayList<>();
    private final KeyPair aliceKey = Ed25519.generate();

    ChainCheckTest() throws Exception {
        api = new FakeApi();
    }

    @AfterEach
    void stop() {
        api.close();
    }

    /** Alice registers, mines three blocks, and pays bob 1.5 coins in block 4; bob mines blocks 4 and 5. */
    private TestChain chainWithATransfer() throws Exception {
        TestChain chain = new TestChain();
        byte[] raw = Ed25519.rawPublicKey(aliceKey.getPublic());
        chain.mine("alice", NameRegistration.sign(ALICE, raw, aliceKey.getPrivate()));
        chain.mine("alice").mine("alice");
        chain.mine("bob", Transfer.sign(ALICE, BOB, 150_000_000L, 1, aliceKey.getPrivate()));
        chain.mine("bob");
        return chain;
    }

    private ChainCheck.Outcome check(Path copy) throws Exception {
        try (ChainCheck check = new ChainCheck(PoolApi.of(api.url()), copy, notes::add)) {
            return check.run();
        }
    }

    private long blockRequests() {
        return api.requests().stream().filter(r -> r.path().matches("/api/blocks/\\d+")).count();
    }

    private long batchRequests() {
        return api.requests().stream().filter(r -> r.path().startsWith("/api/blocks?")).count();
    }

    @Test
    void passesAChainWithATransferAndAgreesWithThePoolsBalances() throws Exception {
        TestChain chain = chainWithATransfer();
        chain.serve(api);
        ChainCheck.Outcome outcome = check(dir.resolve("copy"));
        assertThat(outcome.height()).isEqualTo(5);
        assertThat(outcome.downloaded()).isEqualTo(5);
        assertThat(outcome.accounts()).isEqualTo(2);
        assertThat(outcome.totalUnits()).isEqualTo(500_000_000L);
        assertThat(outcome.summary()).startsWith("verified 5 blocks up to ")
                .endsWith(", balances agree (2 accounts, 5.00000000 coins)");
        assertThat(chain.balancesJson(Map.of())).contains("\"alice\":1.50000000", "\"bob\":3.50000000");
    }

    @Test
    void fetchesOnlyNewBlocksOnTheNextRun() throws Exception {
        TestChain chain = chainWithATransfer();
        chain.serve(api);
        Path copy = dir.resolve("copy");
        check(copy);
        chain.mine("bob").mine("alice");
        chain.serve(api);
        long before = blockRequests();
        int requestsBefore = api.requests().size();
        ChainCheck.Outcome outcome = check(copy);
        assertThat(outcome.fromCopy()).as("blocks re-checked from the copy").isEqualTo(5);
        assertThat(outcome.downloaded()).isEqualTo(2);
        assertThat(blockRequests() - before).as("block 5, to compare the tip").isEqualTo(1);
        assertThat(api.requests().subList(requestsBefore, api.requests().size()).stream()
                .filter(r -> r.path().startsWith("/api/blocks?")).map(FakeApi.Request::path))
                .as("blocks 6 and 7, in one request").containsExactly("/api/blocks?from=7&limit=2&data=true");
        assertThat(notes).isEmpty();
    }

    @Test
    void downloadsALongChainABatchPerRequest() throws Exception {
        TestChain chain = new TestChain(System.currentTimeMillis() - 3_600_000); // a block a second, an hour ago
        byte[] raw = Ed25519.rawPublicKey(aliceKey.getPublic());
        chain.mine("alice", NameRegistration.sign(ALICE, raw, aliceKey.getPrivate()));
        for (int i = 0; i < 1_100; i++) {
            chain.mine(i % 3 == 0 ? "bob" : "alice");
        }
        // Routes for the three batches a verifier asks for, not every range: 1,101 blocks.
        chain.serveBlockByBlock(api, 1);
        for (int top : new int[] {500, 1000, 1101}) {
            int limit = top == 1101 ? 101 : 500;
            StringBuilder list = new StringBuilder("{\"tipHeight\":1101,\"blocks\":[");
            for (int h = top; h > top - limit; h--) {
                list.append(h == top ? "" : ",").append(chain.blockJson.get(h - 1));
            }
            api.on("GET /api/blocks?from=" + top + "&limit=" + limit + "&data=true", 200, list + "]}");
        }
        ChainCheck.Outcome outcome = check(dir.resolve("copy"));
        assertThat(outcome.height()).isEqualTo(1101);
        assertThat(outcome.downloaded()).isEqualTo(1101);
        assertThat(batchRequests()).as("500 + 500 + 101 blocks").isEqualTo(3);
        assertThat(blockRequests()).isZero();
        assertThat(notes).isEmpty();
    }

    @Test
    void aPoolWithoutTheListWithDataIsAskedBlockByBlockAndTheNoteSaysSo() throws Exception {
        chainWithATransfer().serveBlockByBlock(api, 1);
        ChainCheck.Outcome outcome = check(dir.resolve("copy"));
        assertThat(outcome.height()).isEqualTo(5);
        assertThat(blockRequests()).as("each of the 5 blocks").isEqualTo(5);
        assertThat(batchRequests()).as("asked once, then no more").isEqualTo(1);
        assertThat(notes).containsExactly("the pool does not list blocks with their data; downloading them one by one");
    }

    @Test
    void aListThatSkipsABlockIsABadAnswer() throws Exception {
        TestChain chain = chainWithATransfer();
        chain.serve(api);
        api.on("GET /api/blocks?from=5&limit=5&data=true", 200, "{\"tipHeight\":5,\"blocks\":["
                + chain.blockJson.get(4) + "," + chain.blockJson.get(2) + "," + chain.blockJson.get(1) + ","
                + chain.blockJson.get(0) + "]}"); // no block 4
        assertThatThrownBy(() -> check(dir.resolve("copy"))).isInstanceOf(ApiException.class)
                .hasMessageContaining("block");
    }

    @Test
    void namesTheAccountWhoseBalanceDisagrees() throws Exception {
        TestChain chain = chainWithATransfer();
        chain.serve(api);
        api.on("GET /api/balances", 200, chain.balancesJson(Map.of("bob", "3.50000001")));
        assertThatThrownBy(() -> check(dir.resolve("copy"))).isInstanceOf(VerifyException.class)
                .hasMessage("the balance of bob disagrees at height 5: the pool says 3.50000001 coins, the chain "
                        + "says 3.50000000");
    }

    @Test
    void asksAgainWhenThePoolPairsItsHeightWithTheBalancesOfTheBlockBefore() throws Exception {
        TestChain chain = chainWithATransfer();
        chain.serve(api);
        String right = chain.balancesJson(Map.of());
        String stale = right.replace("\"bob\":3.50000000", "\"bob\":2.50000000");
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        api.on("GET /api/balances", request -> new FakeApi.Answer(200, asked.incrementAndGet() == 1 ? stale : right));
        assertThat(check(dir.resolve("copy")).height()).isEqualTo(5);
        assertThat(asked.get()).isEqualTo(2);
    }

    /** A miner heard of block 5 (its A) a moment before the pool's API shows it: the check waits for it. */
    @Test
    void waitsForABlockHeardOfThatTheApiDoesNotShowYet() throws Exception {
        TestChain chain = chainWithATransfer();
        String atFive = chain.balancesJson(Map.of());
        chain.serve(api);
        String atFour = "{\"height\":4,\"balances\":{\"alice\":1.50000000,\"bob\":2.50000000}}";
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        api.on("GET /api/balances", request -> new FakeApi.Answer(200, asked.incrementAndGet() <= 2 ? atFour : atFive));
        try (ChainCheck check = new ChainCheck(PoolApi.of(api.url()), dir.resolve("copy"), notes::add)) {
            assertThat(check.run(5, java.time.Duration.ofSeconds(30)).height()).isEqualTo(5);
        }
        assertThat(asked.get()).as("asked until the API showed block 5").isEqualTo(3);
    }

    /** A block heard of that the API never shows (it came from another pool): the check goes on at the API's tip. */
    @Test
    void checksAtTheApisHeightWhenABlockHeardOfDoesNotComeInTime() throws Exception {
        TestChain chain = chainWithATransfer();
        chain.serve(api);
        try (ChainCheck check = new ChainCheck(PoolApi.of(api.url()), dir.resolve("copy"), notes::add)) {
            ChainCheck.Outcome outcome = check.run(6, java.time.Duration.ofMillis(300));
            assertThat(outcome.height()).isEqualTo(5);
            assertThat(outcome.summary()).startsWith("verified 5 blocks up to ");
        }
        assertThat(notes).isEmpty();
    }

    @Test
    void namesAnAccountThePoolInvents() throws Exception {
        TestChain chain = chainWithATransfer();
        chain.serve(api);
        api.on("GET /api/balances", 200, chain.balancesJson(Map.of()).replace("}}", ",\"mallory\":1.00000000}}"));
        assertThatThrownBy(() -> check(dir.resolve("copy"))).hasMessageContaining("the balance of mallory "
                + "disagrees at height 5: the pool says 1.00000000 coins, the chain says 0.00000000");
    }

    @Test
    void namesABlockWhoseDataWasChangedUnderItsProof() throws Exception {
        TestChain chain = chainWithATransfer();
        chain.serve(api);
        // Block 4's transfer, its amount's lowest byte flipped: the hash no longer matches.
        String tampered = chain.blockJson.get(3).replaceFirst("(\"data\":\"[0-9a-f]{" + (2 * (54 + 28)) + "})([0-9a-f]{2})",
                "$1ff");
        chain.blockJson.set(3, tampered);
        chain.serve(api); // in the list with data and on its own
        assertThatThrownBy(() -> check(dir.resolve("copy"))).isInstanceOf(VerifyException.class)
                .hasMessageStartingWith("block 4 is bad: the pool says its hash is ")
                .satisfies(e -> assertThat(((VerifyException) e).height()).isEqualTo(4));
    }

    @Test
    void namesABlockWhoseTransferIsNotSignedByTheSender() throws Exception {
        TestChain chain = new TestChain();
        byte[] raw = Ed25519.rawPublicKey(aliceKey.getPublic());
        chain.mine("alice", NameRegistration.sign(ALICE, raw, aliceKey.getPrivate())).mine("alice");
        // Mallory signs a spend of alice's coins with her own key, and a dishonest pool mines it anyway.
        KeyPair mallory = Ed25519.generate();
        chain.mineUnchecked("bob", Transfer.sign(ALICE, BOB, 100_000_000L, 1, mallory.getPrivate()));
        chain.serve(api);
        api.on("GET /api/balances", 200, "{\"height\":3,\"balances\":{\"alice\":1.00000000,\"bob\":2.00000000}}");
        assertThatThrownBy(() -> check(dir.resolve("copy"))).isInstanceOf(VerifyException.class)
                .hasMessageStartingWith("block 3 is bad: a transaction breaks a rule (bad signature)");
    }

    @Test
    void countsAnOldBlockWonUnderANameNoLongerValidAsThePoolDoes() throws Exception {
        TestChain chain = new TestChain();
        chain.mineUnchecked("tab\\there").mine("alice");
        chain.serve(api, 2); // an upgraded chain: transactions from block 2
        api.on("GET /api/balances", 200, "{\"height\":2,\"balances\":{\"alice\":1.00000000,"
                + "\"tab\\there\":1.00000000}}");
        assertThat(check(dir.resolve("copy")).accounts()).isEqualTo(2);
    }

    @Test
    void namesABlockWithTransactionsWonUnderAnInvalidName() throws Exception {
        TestChain chain = new TestChain();
        chain.mine("alice").mineUnchecked("tab\\there");
        chain.serve(api);
        assertThatThrownBy(() -> check(dir.resolve("copy"))).hasMessage("block 2 is bad: its winner 'tab\\u{0009}here'"
                + " is not a valid miner name (the miner name \"tab\\u{0009}here\" contains a control character"
                + " (U+0009))");
    }

    @Test
    void downloadsAgainWhenThePoolsChainWasReplaced() throws Exception {
        TestChain first = chainWithATransfer();
        first.serve(api);
        Path copy = dir.resolve("copy");
        check(copy);
        TestChain second = new TestChain().mine("carol").mine("carol").mine("carol").mine("carol").mine("carol")
                .mine("carol");
        second.serve(api);
        ChainCheck.Outcome outcome = check(copy);
        assertThat(notes).anySatisfy(n -> assertThat(n).startsWith("the pool's block 5 is ")
                .contains("the pool's chain was reset or forked since the copy was made; downloading it again"));
        assertThat(outcome.height()).isEqualTo(6);
        assertThat(outcome.downloaded()).isEqualTo(6);
        assertThat(outcome.accounts()).isEqualTo(1);
    }

    @Test
    void downloadsAgainWhenThePoolsChainIsShorter() throws Exception {
        chainWithATransfer().serve(api);
        Path copy = dir.resolve("copy");
        check(copy);
        try (FakeApi fresh = new FakeApi()) {
            TestChain shorter = new TestChain().mine("carol").mine("carol");
            shorter.serve(fresh);
            try (ChainCheck check = new ChainCheck(PoolApi.of(fresh.url()), copy, notes::add)) {
                assertThat(check.run().height()).isEqualTo(2);
            }
        }
        assertThat(notes).anySatisfy(n -> assertThat(n).startsWith("the pool has no block 5, the copy's tip"));
    }

    @Test
    void refusesADamagedCopyNamingTheBlock() throws Exception {
        chainWithATransfer().serve(api);
        Path copy = dir.resolve("copy");
        check(copy);
        byte[] bytes = Files.readAllBytes(copy);
        bytes[bytes.length - 100] ^= 0x40; // in block 5's job data
        Files.write(copy, bytes);
        assertThatThrownBy(() -> check(copy)).isInstanceOf(ChainCopy.Damaged.class)
                .hasMessageContaining("the record of block 5").hasMessageContaining("fails its CRC");
    }
}
