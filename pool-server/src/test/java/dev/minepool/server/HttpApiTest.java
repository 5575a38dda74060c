package dev.minepool.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minepool.protocol.Message;
import dev.minepool.protocol.ProofOfWork;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The JSON API through real HTTP, against a real pool with hand-written miners on real sockets. */
@Timeout(60) // a hang guard only
class HttpApiTest {
    static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    final CapturingLog log = new CapturingLog();
    final HttpClient http = HttpClient.newBuilder().connectTimeout(WAIT).build();
    PoolServer pool;
    String base;

    @BeforeEach
    void start() throws Exception {
        pool = new PoolServer(PoolConfig.forTest(dir.resolve("chain.dat"), 10).withLog(log).withHttp("127.0.0.1:0"));
        pool.start();
        base = pool.httpUrl();
        assertThat(log.await("http on " + base, WAIT)).as("the startup line names the URL").isNotNull();
    }

    @AfterEach
    void stop() {
        pool.close();
    }

    HttpResponse<String> get(String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path.substring(1))).timeout(WAIT).GET().build());
    }

    HttpResponse<String> send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** Mines one block as {@code name}; returns the task it was mined from. */
    Message.Task mine(TestMiner miner, String name) throws Exception {
        Message.Task task = miner.getWork(name);
        miner.send(new Message.Submit(task.job(), TestMiner.validNonce(task)));
        assertThat(miner.read()).isEqualTo(new Message.Accepted(task.job()));
        return task;
    }

    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\":(\"[^\"]*\"|[^,}\\]]*)").matcher(json);
        assertThat(m.find()).as("field %s in %s", name, json).isTrue();
        String v = m.group(1);
        return v.startsWith("\"") ? v.substring(1, v.length() - 1) : v;
    }

    @Test
    void aRetargetingPoolShowsItsTargetAndTheBlockTimeItMeasures() throws Exception {
        pool.close();
        pool = new PoolServer(PoolConfig.forTest(dir.resolve("retarget.dat"), 4).withLog(log).withHttp("127.0.0.1:0")
                .withTargetBlockTime(Duration.ofSeconds(2)));
        pool.start();
        base = pool.httpUrl();
        try (TestMiner alice = new TestMiner(pool.port())) {
            for (int i = 0; i < 3; i++) {
                mine(alice, "alice");
            }
        }
        assertThat(pool.awaitSnapshot(s -> s.tipHeight() == 3, WAIT)).isNotNull();
        String p = get("/api/pool").body();
        assertThat(field(p, "difficultyRule")).isEqualTo("retarget");
        assertThat(field(p, "targetBlockTimeSeconds")).isEqualTo("2");
        assertThat(Double.parseDouble(field(p, "measuredBlockTimeSeconds"))).as("3 blocks mined at once")
                .isBetween(0.0, 2.0);
        assertThat(field(p, "measuredOverBlocks")).isEqualTo("2");
        assertThat(Double.parseDouble(field(p, "fractionalBits"))).as("two fast gaps counted: just under 4.5")
                .isBetween(4.4, 4.5);
        String metrics = get("/metrics").body();
        assertThat(metrics).contains("minepool_target_block_time_seconds 2\n", "minepool_block_time_seconds ");
    }

    @Test
    void poolMinersBlocksAndBalancesDescribeTheChainAndWhoIsMining() throws Exception {
        try (TestMiner alice = new TestMiner(pool.port()); TestMiner bob = new TestMiner(pool.port())) {
            Message.Task task = mine(alice, "alice");
            bob.getWork("bob");
            assertThat(pool.awaitSnapshot(s -> s.tipHeight() == 1 && s.connections().size() == 2
                    && s.connections().stream().allMatch(c -> c.name() != null), WAIT)).isNotNull();

            long askedAt = System.currentTimeMillis();
            HttpResponse<String> poolResponse = get("/api/pool");
            assertThat(poolResponse.statusCode()).isEqualTo(200);
            assertThat(poolResponse.headers().firstValue("content-type")).hasValue("application/json; charset=utf-8");
            String p = poolResponse.body();
            assertThat(field(p, "height")).isEqualTo("1");
            assertThat(field(p, "miningHeight")).isEqualTo("2");
            assertThat(field(p, "zeroBits")).isEqualTo("10");
            assertThat(field(p, "difficultyRule")).isEqualTo("fixed");
            assertThat(field(p, "targetBlockTimeSeconds")).isEqualTo("null");
            assertThat(field(p, "measuredBlockTimeSeconds")).as("one block: no gap yet").isEqualTo("null");
            assertThat(field(p, "chainWork")).isEqualTo("1024");
            assertThat(field(p, "minersConnected")).isEqualTo("2");
            assertThat(field(p, "blocksFound")).isEqualTo("1");
            assertThat(field(p, "tipHash")).isEqualTo(pool.snapshot().tipHash());
            assertThat(p).contains("\"hashRate\":{\"1m\":", "\"version\":\"");
            assertThat(Double.parseDouble(field(p, "uptimeSeconds")))
                    .as("uptime at the request, not at the last snapshot (an idle pool publishes none for a minute)")
                    .isGreaterThanOrEqualTo((askedAt - pool.snapshot().startedAtMillis()) / 1000.0);

            String miners = get("/api/miners").body();
            assertThat(field(miners, "total")).isEqualTo("2");
            assertThat(miners).contains("\"name\":\"alice\"", "\"name\":\"bob\"", "\"balance\":1.00000000", "\"blocksWon\":1");

            String list = get("/api/blocks").body();
            assertThat(field(list, "tipHeight")).isEqualTo("1");
            assertThat(field(list, "winner")).isEqualTo("alice");

            String one = get("/api/blocks/1").body();
            byte[] data = HexFormat.of().parseHex(field(one, "data"));
            long nonce = Long.parseLong(field(one, "nonce"));
            assertThat(data).as("the data the miner was sent").isEqualTo(task.data());
            byte[] hash = ProofOfWork.hash(data, nonce);
            assertThat(HexFormat.of().formatHex(hash)).as("anyone can re-check the proof").isEqualTo(field(one, "hash"));
            assertThat(ProofOfWork.meets(hash, Integer.parseInt(field(one, "zeroBits")))).isTrue();
            assertThat(HexFormat.of().formatHex(data, 0, 32)).isEqualTo(field(one, "previousHash"));

            assertThat(get("/api/balances").body()).isEqualTo("{\"height\":1,\"balances\":{\"alice\":1.00000000}}");
        }
    }

    @Test
    void minersArePagedFastestFirst() throws Exception {
        TestMiner[] miners = new TestMiner[5];
        try {
            for (int i = 0; i < miners.length; i++) {
                miners[i] = new TestMiner(pool.port());
                miners[i].getWork("m" + i);
            }
            assertThat(pool.awaitSnapshot(s -> s.connections().size() == 5 && s.connections().stream()
                    .allMatch(c -> c.name() != null), WAIT)).isNotNull();
            String page = get("/api/miners?offset=1&limit=2").body();
            assertThat(field(page, "total")).isEqualTo("5");
            assertThat(page.split("\"name\":", -1)).as("two miners on the page").hasSize(3);
            String all = get("/api/miners?limit=1000").body();
            assertThat(all.split("\"name\":", -1)).hasSize(6);
        } finally {
            for (TestMiner m : miners) {
                if (m != null) {
                    m.close();
                }
            }
        }
    }

    /**
     * A block on an otherwise idle pool: the loop publishes no further snapshot for a long while, yet the event
     * stream must still send the stats that carry the winner's new balance, within one stats period.
     */
    @Test
    void theEventStreamSendsABlocksNewBalancesEvenWhenThePoolThenFallsIdle() throws Exception {
        java.util.concurrent.BlockingQueue<String> events = new java.util.concurrent.LinkedBlockingQueue<>();
        HttpResponse<java.util.stream.Stream<String>> stream = http.send(HttpRequest.newBuilder(
                URI.create(base + "api/events")).build(), HttpResponse.BodyHandlers.ofLines());
        Thread reader = new Thread(() -> stream.body().filter(l -> l.startsWith("data: ")).forEach(events::add),
                "test-sse-reader");
        reader.setDaemon(true);
        reader.start();
        assertThat(events.poll(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)).as("the greeting")
                .contains("\"zeroBits\":10,\"targetBlockTimeSeconds\":null,\"measuredBlockTimeSeconds\":null,");
        try (TestMiner alice = new TestMiner(pool.port())) {
            mine(alice, "alice");
            String balanced = null;
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (balanced == null && System.nanoTime() < deadline) {
                String data = events.poll(deadline - System.nanoTime(), java.util.concurrent.TimeUnit.NANOSECONDS);
                if (data != null && data.contains("\"name\":\"alice\"") && data.contains("\"balance\":1.00000000")) {
                    balanced = data;
                }
            }
            assertThat(balanced).as("a stats event with alice's coin, with no snapshot after the block's").isNotNull();
        }
    }

    @Test
    void anIdlePoolsHashRateIsSeenFallingInTheApiTheMetricsAndTheEvents() throws Exception {
        java.util.concurrent.BlockingQueue<String> stats = new java.util.concurrent.LinkedBlockingQueue<>();
        HttpResponse<java.util.stream.Stream<String>> stream = http.send(HttpRequest.newBuilder(
                URI.create(base + "api/events")).build(), HttpResponse.BodyHandlers.ofLines());
        Thread reader = new Thread(() -> stream.body().filter(l -> l.startsWith("data: {\"at\"")).forEach(stats::add),
                "test-sse-reader");
        reader.setDaemon(true);
        reader.start();
        try (TestMiner alice = new TestMiner(pool.port())) {
            alice.getWork("alice");
            alice.getWork("alice"); // asking again: the first slot was searched to the end, so there is a rate
            assertThat(pool.awaitSnapshot(s -> s.hashRate().m1() > 0, WAIT)).as("a snapshot with a rate").isNotNull();
            // Nothing more happens: the pool publishes no snapshot for a minute. What readers see must still fall.
            double first = Double.parseDouble(field(get("/api/pool").body(), "1m")); // the first "1m": the pool's
            assertThat(first).isPositive();
            double later = first;
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (later >= first && System.nanoTime() < deadline) {
                later = Double.parseDouble(field(get("/api/pool").body(), "1m"));
            }
            assertThat(later).as("/api/pool's 1-minute rate a moment later").isLessThan(first).isPositive();
            String metrics = get("/metrics").body();
            Matcher m = Pattern.compile("minepool_hashrate_hashes_per_second\\{window=\"1m\"} (\\S+)").matcher(metrics);
            assertThat(m.find()).as("the 1m gauge in %s", metrics).isTrue();
            assertThat(Double.parseDouble(m.group(1))).as("the gauge as of the scrape").isLessThan(first).isPositive();
            // Two stats events in a row from the same idle snapshot: the second's rates are lower, pool and miner.
            String one = null;
            String two = null;
            deadline = System.nanoTime() + WAIT.toNanos();
            while (two == null && System.nanoTime() < deadline) {
                String data = stats.poll(deadline - System.nanoTime(), java.util.concurrent.TimeUnit.NANOSECONDS);
                if (data != null && data.contains("\"name\":\"alice\"")) {
                    if (one == null) {
                        one = data;
                    } else {
                        two = data;
                    }
                }
            }
            assertThat(two).as("a second stats event while the pool is idle").isNotNull();
            assertThat(Double.parseDouble(field(two, "1m"))).isLessThan(Double.parseDouble(field(one, "1m")));
            assertThat(Double.parseDouble(field(two, "hashRate1m")))
                    .isLessThan(Double.parseDouble(field(one, "hashRate1m"))).isPositive();
            assertThat(java.time.Instant.parse(field(two, "at"))).as("the event's time moves on")
                    .isAfter(java.time.Instant.parse(field(one, "at")));
        }
    }

    @Test
    void blocksAreListedWithTheirDataForAVerifierWhenAskedFor() throws Exception {
        try (TestMiner alice = new TestMiner(pool.port())) {
            mine(alice, "alice");
            mine(alice, "alice");
            assertThat(pool.awaitBlocks(2, WAIT)).isTrue();
        }
        String plain = get("/api/blocks").body();
        assertThat(plain).doesNotContain("\"data\"");
        String listed = get("/api/blocks?from=2&limit=2&data=true").body();
        for (int h = 1; h <= 2; h++) {
            String one = get("/api/blocks/" + h).body();
            String data = field(one, "data");
            assertThat(data).hasSize(2 * 1024);
            assertThat(listed).as("block %d's data in the list", h).contains("\"height\":" + h + ",")
                    .contains("\"data\":\"" + data + "\"");
        }
        assertThat(listed.indexOf("\"height\":2,")).as("newest first").isLessThan(listed.indexOf("\"height\":1,"));
        HttpResponse<String> bad = get("/api/blocks?data=yes");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).isEqualTo("{\"error\":\"data must be true or false, not 'yes'\"}");
    }

    @Test
    void aNamesConnectionsAreOneRowAndEqualRatesGoInNameOrder() throws Exception {
        try (TestMiner zed1 = new TestMiner(pool.port()); TestMiner amy = new TestMiner(pool.port());
             TestMiner zed2 = new TestMiner(pool.port()); TestMiner bo = new TestMiner(pool.port())) {
            zed1.getWork("zed");
            amy.getWork("amy");
            zed2.getWork("zed");
            bo.getWork("bo");
            assertThat(pool.awaitSnapshot(s -> s.connections().stream().filter(c -> c.name() != null).count() == 4,
                    WAIT)).isNotNull();
            String miners = get("/api/miners").body();
            assertThat(field(miners, "total")).isEqualTo("3");
            assertThat(miners.indexOf("\"amy\"")).isLessThan(miners.indexOf("\"bo\""));
            assertThat(miners.indexOf("\"bo\"")).isLessThan(miners.indexOf("\"zed\""));
            assertThat(miners.substring(miners.indexOf("\"zed\""))).contains("\"connections\":2");
        }
    }

    @Test
    void badRequestsGetJsonErrorsThatSayWhatIsWrong() throws Exception {
        HttpResponse<String> r = get("/api/blocks/99");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).isEqualTo("{\"error\":\"no block at height 99 (the chain's tip is block 0)\"}");
        r = get("/api/blocks/x");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("a whole number");
        r = get("/api/miners?limit=abc");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).isEqualTo("{\"error\":\"limit must be a whole number from 1 to 1000, not 'abc'\"}");
        r = get("/api/miners?offset=-1");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("offset must be from 0");
        r = get("/api/blocks?from=0");
        assertThat(r.statusCode()).isEqualTo(400);
        r = get("/api/nothing");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).startsWith("{\"error\":\"no such endpoint: /api/nothing");
        r = get("/api/pool/extra");
        assertThat(r.statusCode()).isEqualTo(404);
        // The server routes by prefix: these reach the resources of /api/blocks, /api/accounts and
        // /api/transactions, and must not be read as block 1, account "alice" or a txid.
        for (String path : new String[] {"/api/blocksX1", "/api/accountsXalice",
                "/api/transactionsX" + "a".repeat(64)}) {
            r = get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            assertThat(r.body()).as(path).startsWith("{\"error\":\"no such endpoint: /api/");
        }
        r = send(HttpRequest.newBuilder(URI.create(base + "api/pool")).POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build());
        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(r.headers().firstValue("allow")).hasValue("GET, HEAD");
        assertThat(r.body()).doesNotContain("Exception").contains("use GET");
    }

    @Test
    void aNameIsEscapedInJsonSoItCannotBecomeMarkup() throws Exception {
        try (TestMiner miner = new TestMiner(pool.port())) {
            mine(miner, "<b>x</b>\"&");
            assertThat(pool.awaitSnapshot(s -> s.tipHeight() == 1, WAIT)).isNotNull();
            String balances = get("/api/balances").body();
            assertThat(balances).contains("\"\\u003cb\\u003ex\\u003c/b\\u003e\\\"\\u0026\":1.00000000").doesNotContain("<b>");
        }
    }

    @Test
    void theDashboardIsOneSelfContainedPageWithAStrictPolicy() throws Exception {
        HttpResponse<String> page = get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
        assertThat(page.headers().firstValue("content-security-policy")).get().asString()
                .contains("default-src 'none'", "script-src 'sha256-").doesNotContain("unsafe-inline");
        assertThat(page.body()).as("nothing loaded from elsewhere, no markup built from strings")
                .contains("new EventSource(\"/api/events\")")
                .doesNotContain("src=\"http", "href=\"http", "rel=\"stylesheet", "<script src", "innerHTML", "insertAdjacentHTML");
    }
}
