package dev.minepool.server;

import dev.minepool.protocol.Message;
import dev.minepool.protocol.MinerName;
import dev.minepool.protocol.ledger.Ed25519;
import dev.minepool.protocol.ledger.NameRegistration;
import dev.minepool.protocol.ledger.Transfer;
import dev.minepool.protocol.ledger.TxRecord;
import dev.minepool.server.chain.ChainBalances;
import dev.minepool.server.ledger.Ledger;
import dev.minepool.server.ledger.Mempool;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ledger's two figures for BENCHMARKS.md, without JMH (a test-scope main; see BENCHMARKS.md for the command).
 *
 * <ul>
 *   <li>{@code validate [N]}: records the mempool checks and accepts per second on the loop's path ({@link
 *       Mempool#offer}: the chain's rules against the pending view, the signature verified once), N transfers
 *       from 64 senders, after a warm-up round.</li>
 *   <li>{@code latency [BITS]}: a real pool (HTTP on loopback, a fixed rule of BITS zero bits) and one in-process
 *       miner that mines without pause; 1,000 registrations are posted, then one more, whose time from its POST to
 *       {@code confirmed} (polled every 5 ms) is the figure, with the blocks it waited and their mean time.</li>
 * </ul>
 */
public final class LedgerBench {
    private LedgerBench() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "validate";
        if (mode.equals("validate")) {
            validate(args.length > 1 ? Integer.parseInt(args[1]) : Mempool.MAX_RECORDS);
        } else {
            latency(args.length > 1 ? Integer.parseInt(args[1]) : 16);
        }
    }

    static void validate(int n) throws Exception {
        if (n > Mempool.MAX_RECORDS) {
            throw new IllegalArgumentException("at most " + Mempool.MAX_RECORDS + " records fit in one mempool");
        }
        int senders = (n + Mempool.MAX_PER_SENDER - 1) / Mempool.MAX_PER_SENDER; // each within its bound
        for (int round = 0; round < 2; round++) {
            ChainBalances chain = new ChainBalances();
            List<KeyPair> keys = new ArrayList<>();
            List<MinerName> names = new ArrayList<>();
            List<TxRecord> registrations = new ArrayList<>();
            for (int i = 0; i < senders; i++) {
                KeyPair key = Ed25519.generate();
                MinerName name = MinerName.parse("s" + i);
                keys.add(key);
                names.add(name);
                registrations.add(NameRegistration.sign(name, Ed25519.rawPublicKey(key.getPublic()),
                        key.getPrivate()));
            }
            chain.accounts().applyBlock(registrations, names.get(0));
            for (MinerName name : names) {
                for (int b = 0; b < 10; b++) {
                    chain.accounts().reward(name);
                }
            }
            List<Transfer> transfers = new ArrayList<>();
            long[] nonce = new long[senders];
            for (int i = 0; i < n; i++) {
                int s = i % senders;
                transfers.add(Transfer.sign(names.get(s), names.get((s + 1) % senders), 1, ++nonce[s],
                        keys.get(s).getPrivate()));
            }
            long verifyStart = System.nanoTime();
            for (Transfer t : transfers) {
                if (!t.signatureValid(Ed25519.rawPublicKey(keys.get(names.indexOf(t.sender())).getPublic()))) {
                    throw new IllegalStateException("a bad signature");
                }
            }
            long verifyNanos = System.nanoTime() - verifyStart;
            System.out.printf(Locale.ROOT, "%s: the signatures alone: %.0f a second (%.1f µs each)%n",
                    round == 0 ? "warm-up" : "measured", n / (verifyNanos / 1e9), verifyNanos / 1e3 / n);
            Mempool mempool = new Mempool(() -> chain, Ledger.inMemory(1, chain.copy()));
            long start = System.nanoTime();
            for (Transfer t : transfers) {
                mempool.offer(t);
            }
            long nanos = System.nanoTime() - start;
            System.out.printf(Locale.ROOT, "%s: %d transfers checked and accepted in %.3f s: %.0f records/s"
                    + " (%.1f µs each)%n", round == 0 ? "warm-up" : "measured", n, nanos / 1e9, n / (nanos / 1e9),
                    nanos / 1e3 / n);
        }
    }

    static void latency(int bits) throws Exception {
        Path dir = Files.createTempDirectory("ledger-bench");
        PoolConfig config = PoolConfig.forTest(dir.resolve("chain.dat"), bits).withHttp("127.0.0.1:0")
                .withLog(new PoolLog(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()),
                        System.err));
        try (PoolServer pool = new PoolServer(config)) {
            pool.start();
            HttpClient http = HttpClient.newHttpClient();
            URI post = URI.create(pool.httpUrl() + "api/transactions");
            AtomicBoolean mining = new AtomicBoolean(true);
            AtomicLong blocks = new AtomicLong();
            Thread miner = new Thread(() -> {
                try (TestMiner m = new TestMiner(pool.port())) {
                    while (mining.get()) {
                        Message.Task task = m.getWork("miner");
                        m.send(new Message.Submit(task.job(), TestMiner.validNonce(task)));
                        if (m.read() instanceof Message.Accepted) {
                            blocks.incrementAndGet();
                        }
                    }
                } catch (Exception e) {
                    System.err.println("miner: " + e);
                }
            }, "bench-miner");
            KeyPair key = Ed25519.generate();
            byte[] raw = Ed25519.rawPublicKey(key.getPublic());
            List<String> bodies = new ArrayList<>();
            for (int i = 0; i <= 1000; i++) {
                bodies.add("{\"tx\":\"" + HexFormat.of().formatHex(NameRegistration.sign(MinerName.parse("p" + i),
                        raw, key.getPrivate()).toBytes()) + "\"}");
            }
            for (int i = 0; i < 1000; i++) {
                send(http, post, bodies.get(i));
            }
            int pending = pool.ledger().pendingCount();
            miner.start();
            long blocksBefore = pool.ledger().height();
            long start = System.nanoTime();
            String answer = send(http, post, bodies.get(1000));
            String txid = answer.replaceAll(".*\"txid\":\"([0-9a-f]+)\".*", "$1");
            long posted = System.nanoTime();
            while (pool.ledger().confirmedHeight(txid) < 0) {
                Thread.sleep(5); // a benchmark's poll, not a test's synchronisation
            }
            long confirmed = System.nanoTime();
            long waited = pool.ledger().height() - blocksBefore;
            mining.set(false);
            miner.join(10_000);
            System.out.printf(Locale.ROOT, "%d pending before it; POST answered in %.1f ms; confirmed after %.2f s,"
                    + " %d blocks later (%.1f ms a block, %d zero bits, %d records a block)%n", pending,
                    (posted - start) / 1e6, (confirmed - start) / 1e9, waited, (confirmed - start) / 1e6 / waited,
                    bits, 9);
        }
    }

    private static String send(HttpClient http, URI uri, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers
                .ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 202) {
            throw new IllegalStateException(r.statusCode() + " " + r.body());
        }
        return r.body();
    }
}
