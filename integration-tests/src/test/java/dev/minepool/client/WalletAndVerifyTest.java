package dev.minepool.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.minepool.client.api.JsonValue;
import dev.minepool.client.api.PoolApi;
import dev.minepool.client.verify.VerifyCommand;
import dev.minepool.client.wallet.WalletCommand;
import dev.minepool.client.wallet.WalletFile;
import dev.minepool.protocol.MinerName;
import dev.minepool.protocol.ledger.Coins;
import dev.minepool.server.PoolConfig;
import dev.minepool.server.PoolLog;
import dev.minepool.server.PoolServer;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The wallet and the verifier against the real pool, in one JVM over loopback (the pool's HTTP API on port 0):
 * a name registered and confirmed, a transfer that moves coins exactly, a chain with transfers that verifies,
 * and a changed byte or a wrong balance that the verifier names. The waits are hang guards, not speed goals.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class WalletAndVerifyTest {
    private static final int BITS = 12; // a few thousand hashes a block: milliseconds
    private static final String WAIT = "60"; // seconds: a hang guard for --wait, far above a block's time

    @TempDir
    Path dir;

    private PoolServer pool;
    private String url;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<Miner> miners = new ArrayList<>();

    @BeforeEach
    void startPool() throws Exception {
        PrintStream silent = new PrintStream(OutputStream.nullOutputStream());
        pool = new PoolServer(PoolConfig.forTest(dir.resolve("chain.dat"), BITS).withSlotSize(1 << 16)
                .withHttp("127.0.0.1:0").withLog(new PoolLog(silent, System.err)));
        pool.start();
        url = pool.httpUrl();
    }

    @AfterEach
    void stopAll() {
        miners.forEach(Miner::stop);
        pool.close();
        threads.shutdownNow();
    }

    /** A miner on its own thread until stopped. */
    private Miner mine(String name) {
        Miner miner = new Miner(MinerConfig.of(name, "127.0.0.1", pool.port(), 1, true),
                new PrintStream(OutputStream.nullOutputStream()));
        miners.add(miner);
        threads.submit(miner::run);
        return miner;
    }

    record Run(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    private Run wallet(String... args) {
        List<String> all = new ArrayList<>(List.of("wallet"));
        all.addAll(List.of(args));
        all.addAll(List.of("--api", url));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = WalletCommand.run(all.toArray(String[]::new), 1, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), dir);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Run verify(String api, Path copy) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = VerifyCommand.run(new String[] {"verify", "--api", api, "--copy", copy.toString()}, 1,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                dir);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private JsonValue account(String name) throws Exception {
        return PoolApi.of(url).account(MinerName.parse(name));
    }

    /** Polls the account until it holds at least {@code units}; the deadline is a hang guard. */
    private void awaitBalance(String name, long units) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (account(name).get("balanceUnits").longValue() < units) {
            assertThat(System.nanoTime() - deadline).as("%s has %s coins within 60 s", name, Coins.format(units))
                    .isNegative();
            pool.awaitBlocks(pool.blocksMined() + 1, Duration.ofSeconds(5));
        }
    }

    @Test
    void aMinerWithVerifyChecksTheChainAfterEachBlock() throws Exception {
        CapturedOutput output = new CapturedOutput();
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        threads.submit(() -> PoolClientMain.run(new String[] {"--name", "frank", "--host", "127.0.0.1", "--port",
                String.valueOf(pool.port()), "--threads", "1", "--engine", "digest", "--verify", "--api", url, "--copy",
                dir.resolve("frank.copy").toString(), "--verify-every", "600"}, output.stream(), output.stream(), dir,
                miner -> {
                    miners.add(miner);
                    started.countDown();
                }));
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        // The first check runs at start; with one every 600 s, a second can only come from a block heard of.
        java.util.concurrent.atomic.AtomicInteger checks = new java.util.concurrent.atomic.AtomicInteger();
        String second = output.awaitLine(line -> line.contains("verify: verified") && checks.incrementAndGet() == 2,
                "a second 'verify: verified' line");
        assertThat(second).containsPattern("verify: verified [1-9]\\d* blocks? up to [0-9a-f]{12}…, balances agree "
                + "\\(1 account, [1-9]\\d*\\.00000000 coins\\)");
    }

    private static final Pattern CONFIRMED = Pattern.compile("confirmed in block (\\d+)");

    private static long confirmedHeight(Run run) {
        Matcher m = CONFIRMED.matcher(run.out());
        assertThat(m.find()).as("a 'confirmed in block' line in:%n%s", run).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    void aNewWalletRegistersItsNameAndABlockConfirmsIt() throws Exception {
        mine("carol"); // someone must mine the block that carries the registration
        Path file = dir.resolve("alice.key");
        Run run = wallet("new", "--name", "alice", "--file", file.toString(), "--wait", "--timeout", WAIT);
        assertThat(run.code()).as("%s", run).isZero();
        assertThat(run.out()).contains("registration of alice sent: txid ");
        long height = confirmedHeight(run);
        assertThat(height).isPositive();
        JsonValue alice = account("alice");
        assertThat(alice.get("key").string()).isEqualTo(HexFormat.of().formatHex(WalletFile.read(file).publicKey()));
        assertThat(alice.get("keyPending").bool()).isFalse();

        Run again = wallet("new", "--name", "alice", "--file", dir.resolve("other.key").toString());
        assertThat(again.code()).as("%s", again).isEqualTo(1);
        assertThat(again.err()).contains("already registered to a key");
    }

    @Test
    void aTransferMovesCoinsExactlyAndTheChainVerifies() throws Exception {
        Miner carol = mine("carol"); // mines for herself: her coins are the only ones that move with blocks
        Path aliceKey = dir.resolve("alice.key");
        assertThat(wallet("new", "--name", "alice", "--file", aliceKey.toString(), "--wait", "--timeout", WAIT)
                .code()).isZero();
        assertThat(wallet("new", "--name", "bob", "--file", dir.resolve("bob.key").toString(), "--wait",
                "--timeout", WAIT).code()).isZero();
        // Alice mines two coins, then stops; one more block of carol's puts every block of alice's in the ledger.
        Miner alice = mine("alice");
        awaitBalance("alice", 2 * Coins.UNITS_PER_COIN);
        alice.stop();
        assertThat(alice.awaitFinished(Duration.ofSeconds(20))).isTrue();
        assertThat(pool.awaitBlocks(pool.blocksMined() + 1, Duration.ofSeconds(30))).isTrue();
        long aliceBefore = account("alice").get("balanceUnits").longValue();
        long bobBefore = account("bob").get("balanceUnits").longValue();

        Run send = wallet("send", "--file", aliceKey.toString(), "--to", "bob", "--amount", "1.25", "--wait",
                "--timeout", WAIT);
        assertThat(send.code()).as("%s", send).isZero();
        assertThat(send.out()).contains("sent 1.25000000 coins from alice to bob");
        long height = confirmedHeight(send);
        assertThat(account("alice").get("balanceUnits").longValue()).isEqualTo(aliceBefore - 125_000_000L);
        assertThat(account("bob").get("balanceUnits").longValue()).isEqualTo(bobBefore + 125_000_000L);
        Run history = wallet("history", "--name", "bob");
        assertThat(history.out()).contains("block " + String.format("%6d", height) + "  +1.25000000 from alice");

        // A second spend takes the next nonce.
        Run second = wallet("send", "--file", aliceKey.toString(), "--to", "bob", "--amount", "0.00000001",
                "--wait", "--timeout", WAIT);
        assertThat(second.code()).as("%s", second).isZero();
        assertThat(second.out()).contains("nonce 2");

        // The chain, transfers and all, verifies; the balances agree with the pool's.
        Path copy = dir.resolve("copies/pool.copy");
        Run verified = verify(url, copy);
        assertThat(verified.code()).as("%s", verified).isZero();
        assertThat(verified.out()).containsPattern("verified \\d+ blocks up to [0-9a-f]{12}…, balances agree "
                + "\\(3 accounts, [0-9]+\\.00000000 coins\\)");
        carol.stop();

        // One byte of the transfer's block changed in the copy: the copy's checksum names the block.
        byte[] original = Files.readAllBytes(copy);
        long at = dataOffset(original, height) + 60;
        byte[] changed = original.clone();
        changed[(int) at] ^= 0x01;
        Files.write(copy, changed);
        Run damaged = verify(url, copy);
        assertThat(damaged.code()).as("%s", damaged).isEqualTo(1);
        assertThat(damaged.err()).contains("FAILED").contains("the record of block " + height)
                .contains("fails its CRC");

        // The same byte changed and the checksum made to match: the block's proof names it.
        fixCrc(changed, height);
        Files.write(copy, changed);
        Run forged = verify(url, copy);
        assertThat(forged.code()).as("%s", forged).isEqualTo(1);
        assertThat(forged.err()).contains("FAILED: block " + height + " is bad: the pool says its hash is ");
    }

    @Test
    void verifyNamesTheAccountWhoseBalanceThePoolMisstates() throws Exception {
        mine("carol");
        mine("dave");
        assertThat(pool.awaitBlocks(6, Duration.ofSeconds(60))).isTrue();
        // A proxy in front of the pool that adds one base unit to dave's balance.
        HttpClient client = HttpClient.newHttpClient();
        HttpServer proxy = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        proxy.createContext("/", exchange -> {
            try {
                HttpResponse<String> answer = client.send(HttpRequest.newBuilder(URI.create(url.replaceAll("/$", "")
                        + exchange.getRequestURI())).build(), HttpResponse.BodyHandlers.ofString());
                String body = answer.body();
                if (exchange.getRequestURI().getPath().equals("/api/balances")) {
                    Matcher m = Pattern.compile("\"dave\":([0-9.]+)").matcher(body);
                    if (m.find()) {
                        long units = Coins.parse(m.group(1)) + 1;
                        body = body.substring(0, m.start(1)) + Coins.format(units) + body.substring(m.end(1));
                    }
                }
                byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(answer.statusCode(), bytes.length);
                exchange.getResponseBody().write(bytes);
            } catch (InterruptedException e) {
                exchange.sendResponseHeaders(500, -1);
            } finally {
                exchange.close();
            }
        });
        proxy.start();
        try {
            // Until dave has won a block, there is no balance of his to misstate.
            awaitBalance("dave", Coins.UNITS_PER_COIN);
            Run run = verify("http://127.0.0.1:" + proxy.getAddress().getPort() + "/", dir.resolve("copy"));
            assertThat(run.code()).as("%s", run).isEqualTo(1);
            assertThat(run.err()).containsPattern("FAILED: the balance of dave disagrees at height \\d+: the pool "
                    + "says \\d+\\.00000001 coins, the chain says \\d+\\.00000000");

            // A miner verifying beside mining through the same proxy warns, loudly, and keeps mining.
            CapturedOutput output = new CapturedOutput();
            String proxyUrl = "http://127.0.0.1:" + proxy.getAddress().getPort() + "/";
            Miner[] erin = new Miner[1];
            java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
            threads.submit(() -> PoolClientMain.run(new String[] {"--name", "erin", "--host", "127.0.0.1", "--port",
                    String.valueOf(pool.port()), "--threads", "1", "--engine", "digest", "--verify", "--api", proxyUrl,
                    "--copy", dir.resolve("erin.copy").toString()}, output.stream(), output.stream(), dir, miner -> {
                        erin[0] = miner;
                        miners.add(miner);
                        started.countDown();
                    }));
            output.awaitLine("WARNING: verify FAILED: the balance of dave disagrees");
            output.awaitLine("WARNING: the pool's chain or its balances cannot be trusted");
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            erin[0].stop();
        } finally {
            proxy.stop(0);
        }
    }

    /**
     * Where block {@code height}'s job data starts in a copy file, found by walking its records as README
     * documents them: a 12-byte header, then per block a u32 body length, a CRC-32C, and the body (height u32,
     * hash 32, nonce u32, zero bits u8, found-at i64, winner length u8, winner, data).
     */
    private static long dataOffset(byte[] copy, long height) {
        ByteBuffer b = ByteBuffer.wrap(copy);
        int at = 12;
        while (at < copy.length) {
            int length = b.getInt(at);
            int body = at + 8;
            if (Integer.toUnsignedLong(b.getInt(body)) == height) {
                return body + 50 + Byte.toUnsignedInt(b.get(body + 49));
            }
            at = body + length;
        }
        throw new AssertionError("no block " + height + " in the copy");
    }

    private static void fixCrc(byte[] copy, long height) {
        ByteBuffer b = ByteBuffer.wrap(copy);
        int at = 12;
        while (at < copy.length) {
            int length = b.getInt(at);
            if (Integer.toUnsignedLong(b.getInt(at + 8)) == height) {
                CRC32C crc = new CRC32C();
                crc.update(copy, at + 8, length);
                b.putInt(at + 4, (int) crc.getValue());
                return;
            }
            at += 8 + length;
        }
        throw new AssertionError("no block " + height + " in the copy");
    }
}
