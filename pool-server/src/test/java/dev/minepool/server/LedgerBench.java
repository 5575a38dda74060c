package dev.minepool.server;

import dev.minepool.protocol.BlockHeader;
import dev.minepool.protocol.Message;
import dev.minepool.protocol.MinerName;
import dev.minepool.protocol.ledger.Ed25519;
import dev.minepool.protocol.ledger.NameRegistration;
import dev.minepool.protocol.ledger.Transfer;
import dev.minepool.protocol.ledger.TxRecord;
import dev.minepool.protocol.ledger.TxRegion;
import dev.minepool.server.chain.Block;
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
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ledger's figures for BENCHMARKS.md, without JMH (a test-scope main; see BENCHMARKS.md for the command).
 *
 * <ul>
 *   <li>{@code validate [N]}: records the mempool checks and accepts per second on the loop's path ({@link
 *       Mempool#offer}: the chain's rules against the pending view, the signature verified once), N transfers
 *       from 64 senders, after a warm-up round.</li>
 *   <li>{@code latency [BITS]}: a real pool (HTTP on loopback, a fixed rule of BITS zero bits) and one in-process
 *       miner that mines without pause; 1,000 registrations are posted, then one more, whose time from its POST to
 *       {@code confirmed} (polled every 5 ms) is the figure, with the blocks it waited and their mean time.</li>
 *   <li>{@code announce [BLOCKS]}: what the pool's {@code BlockSink.announced} does per block, which until it was
 *       split off sat between the block's fsync and its {@code A}: a copy of the balances and {@link
 *       Ledger#append} (readers' view), then {@link Mempool#blockOnDisk}. With 100, 1,000 and 10,000 registered
 *       names with coins, and with no record pending, 1,000 pending on the mempool's fast path (the block holds
 *       the first pending records, as every block the pool builds does) and 1,000 on its slow path (the same
 *       records in another order: every pending record is checked again). BLOCKS blocks are timed after as many
 *       again of warm-up, and the whole table is run twice (the first for the JIT); 1,024-byte blocks, 9
 *       transfers each.</li>
 *   <li>{@code posts [N]}: POST to 202 through a real pool (HTTP on loopback, no miner), N registrations with 1,
 *       then 8, then 32 POSTs in flight from one client: records answered a second and the median and 99th
 *       percentile POST to 202. Each 202 now waits for the mempool file's force, so this is where the force shows
 *       and where group commit earns its keep. Each concurrency runs on a fresh pool, after 200 posts of warm-up.</li>
 *   <li>{@code writer [N]}: the mempool file's writer alone, on a real file in the temporary directory: N records
 *       each waited for before the next (one write and one force each), then N records from 1, 8 and 32 threads
 *       that each wait for their own (groups form while a force runs).</li>
 * </ul>
 */
public final class LedgerBench {
    private LedgerBench() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "validate";
        if (mode.equals("validate")) {
            validate(args.length > 1 ? Integer.parseInt(args[1]) : Mempool.MAX_RECORDS);
        } else if (mode.equals("writer")) {
            writer(args.length > 1 ? Integer.parseInt(args[1]) : 5000);
        } else if (mode.equals("posts")) {
            posts(args.length > 1 ? Integer.parseInt(args[1]) : 2000);
        } else if (mode.equals("announce")) {
            announce(args.length > 1 ? Integer.parseInt(args[1]) : 200);
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

    /** A pool at {@code bits} with its HTTP API, on a fresh chain in a temporary directory, saying only warnings. */
    static PoolConfig benchPool(int bits) throws java.io.IOException {
        return PoolConfig.forTest(Files.createTempDirectory("ledger-bench").resolve("chain.dat"), bits)
                .withHttp("127.0.0.1:0").withLog(new PoolLog(new java.io.PrintStream(
                        java.io.OutputStream.nullOutputStream()), System.err));
    }

    static void latency(int bits) throws Exception {
        try (PoolServer pool = new PoolServer(benchPool(bits))) {
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

    /** How the blocks of one {@code announce} run carry records. */
    private enum Pending {
        NONE("no record pending"), FAST("1,000 pending, fast path"), SLOW("1,000 pending, slow path");

        final String label;

        Pending(String label) {
            this.label = label;
        }
    }

    static void announce(int blocks) throws Exception {
        int[] names = {100, 1_000, 10_000};
        int pendingRecords = 1_000;
        int senders = 100; // 10 records pending each, well within the 64 a sender may have
        int capacity = TxRegion.capacity(1024);
        int perBlock = capacity / Transfer.LENGTH;
        // One key for every name: the bench measures the ledger, not key handling. Every record is signed once and
        // verified once (the verified-signature cache keeps them), so each run pays only what the pool pays.
        KeyPair key = Ed25519.generate();
        byte[] raw = Ed25519.rawPublicKey(key.getPublic());
        List<MinerName> all = new ArrayList<>();
        List<TxRecord> registrations = new ArrayList<>();
        long signStart = System.nanoTime();
        for (int i = 0; i < names[names.length - 1]; i++) {
            MinerName name = MinerName.parse("a" + i);
            all.add(name);
            registrations.add(NameRegistration.sign(name, raw, key.getPrivate()));
        }
        List<Transfer> transfers = new ArrayList<>();
        int needed = pendingRecords + 2 * blocks * perBlock;
        for (int i = 0; i < needed; i++) {
            int s = i % senders;
            transfers.add(Transfer.sign(all.get(s), all.get((s + 1) % senders), 1, i / senders + 1, key.getPrivate()));
        }
        System.out.printf(Locale.ROOT, "signed %,d registrations and %,d transfers in %.1f s; %d transfers a block,"
                + " %d blocks timed after %d of warm-up%n", registrations.size(), transfers.size(),
                (System.nanoTime() - signStart) / 1e9, perBlock, blocks, blocks);
        // The whole table twice, the first for the JIT only: the first rows would otherwise pay for compiling
        // what the later ones reuse.
        for (String round : List.of("warm-up", "measured")) {
            System.out.println(round + ":");
            System.out.println("| names | pending | median | mean | p90 | max | ledger's part, median |");
            System.out.println("|---:|---|---:|---:|---:|---:|---:|");
            for (int n : names) {
                for (Pending pending : Pending.values()) {
                    long[] ledgerNanos = new long[blocks];
                    long[] nanos = announceRun(n, pending, registrations.subList(0, n), all, transfers,
                            pendingRecords, capacity, blocks, ledgerNanos);
                    Arrays.sort(nanos);
                    Arrays.sort(ledgerNanos);
                    double mean = Arrays.stream(nanos).average().orElse(0);
                    System.out.printf(Locale.ROOT, "| %,d | %s | %s | %s | %s | %s | %s |%n", n, pending.label,
                            micros(nanos[nanos.length / 2]), micros(mean), micros(nanos[nanos.length * 9 / 10]),
                            micros(nanos[nanos.length - 1]), micros(ledgerNanos[blocks / 2]));
                }
            }
        }
    }

    /**
     * The timed part of each measured block, ns.
     *
     * @param ledgerNanos receives the ledger's part of each (the copy of the balances and {@link Ledger#append})
     */
    private static long[] announceRun(int n, Pending pending, List<TxRecord> registrations, List<MinerName> all,
                                      List<Transfer> transfers, int pendingRecords, int capacity, int blocks,
                                      long[] ledgerNanos) throws Exception {
        ChainBalances chain = new ChainBalances();
        chain.accounts().applyBlock(registrations, all.get(0));
        for (int i = 1; i < n; i++) {
            chain.accounts().reward(all.get(i)); // every name with coins: the copy and the readers' map hold them all
        }
        Ledger ledger = Ledger.inMemory(1, chain.copy());
        Mempool mempool = new Mempool(() -> chain, ledger);
        int offered = 0;
        if (pending != Pending.NONE) {
            while (offered < pendingRecords) {
                mempool.offer(transfers.get(offered++));
            }
        }
        byte[] previous = new byte[32];
        long[] measured = new long[blocks];
        for (int b = 0; b < 2 * blocks; b++) {
            long height = b + 1;
            List<TxRecord> records = pending == Pending.NONE ? List.of() : mempool.take(capacity);
            if (pending == Pending.SLOW) {
                // The same records from different senders in reverse order: as valid, but not the pending head.
                records = new ArrayList<>(records);
                java.util.Collections.reverse(records);
            }
            MinerName winner = all.get(b % n);
            byte[] data = new byte[1024];
            new BlockHeader(previous, height, System.currentTimeMillis(), 0).writeTo(data);
            TxRegion.write(data, records);
            Block block = new Block(height, previous, data, 0, 16, winner.value(), System.currentTimeMillis(), 0);
            chain.accounts().applyBlock(records, winner); // ChainFile.append's part, before the A: not timed
            long start = System.nanoTime();
            // What the pool's BlockSink.announced does, after the fan-out (PoolServer).
            ledger.append(block, records, chain.copy());
            long ledgerDone = System.nanoTime();
            mempool.blockOnDisk(winner, records);
            long took = System.nanoTime() - start;
            if (b >= blocks) {
                measured[b - blocks] = took;
                ledgerNanos[b - blocks] = ledgerDone - start;
            }
            previous = block.hash();
            for (int i = 0; i < records.size(); i++) {
                mempool.offer(transfers.get(offered++)); // back to the same number pending
            }
        }
        if (pending != Pending.NONE && mempool.size() != pendingRecords) {
            throw new IllegalStateException(mempool.size() + " pending, not " + pendingRecords);
        }
        return measured;
    }

    static void posts(int n) throws Exception {
        KeyPair key = Ed25519.generate();
        byte[] raw = Ed25519.rawPublicKey(key.getPublic());
        System.out.printf(Locale.ROOT, "| in flight | records/s | median POST to 202 | p99 |%n|---|---|---|---|%n");
        for (int inFlight : new int[] {1, 8, 32}) {
            try (PoolServer pool = new PoolServer(benchPool(30))) {
                pool.start();
                HttpClient http = HttpClient.newHttpClient();
                URI post = URI.create(pool.httpUrl() + "api/transactions");
                List<String> bodies = new ArrayList<>();
                for (int i = 0; i < n + 200; i++) { // names q0.. fit the 64-per-sender bound: one each
                    bodies.add("{\"tx\":\"" + HexFormat.of().formatHex(NameRegistration.sign(MinerName.parse("q"
                            + i), raw, key.getPrivate()).toBytes()) + "\"}");
                }
                run(http, post, bodies.subList(0, 200), inFlight); // warm-up
                long start = System.nanoTime();
                long[] each = run(http, post, bodies.subList(200, 200 + n), inFlight);
                double seconds = (System.nanoTime() - start) / 1e9;
                java.util.Arrays.sort(each);
                System.out.printf(Locale.ROOT, "| %d | %.0f | %s | %s |%n", inFlight, n / seconds,
                        micros(each[each.length / 2]), micros(each[(int) (each.length * 0.99)]));
            }
        }
    }

    static void writer(int n) throws Exception {
        KeyPair key = Ed25519.generate();
        byte[] raw = Ed25519.rawPublicKey(key.getPublic());
        List<NameRegistration> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            records.add(NameRegistration.sign(MinerName.parse("w" + i), raw, key.getPrivate()));
        }
        System.out.printf(Locale.ROOT, "| writers waiting | records/s | records per force |%n|---|---|---|%n");
        for (int threads : new int[] {1, 8, 32}) {
            Path dir = Files.createTempDirectory("ledger-bench");
            Path file = dir.resolve("chain.dat.mempool");
            dev.minepool.server.ledger.MempoolWriter writer = new dev.minepool.server.ledger.MempoolWriter(file,
                    dev.minepool.server.ledger.MempoolFile.rewrite(file, List.of()), 0, new PoolLog(
                    new java.io.PrintStream(java.io.OutputStream.nullOutputStream()), System.err), r -> { }, r -> { });
            writer.start();
            java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
            long start = System.nanoTime();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Thread w = new Thread(() -> {
                    for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                        writer.append(records.get(i)).join();
                    }
                });
                w.start();
                workers.add(w);
            }
            for (Thread w : workers) {
                w.join();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "| %d | %.0f | %.1f |%n", threads, n / seconds,
                    (double) writer.written() / writer.groups());
            writer.close();
        }
    }

    /** Posts every body with up to {@code inFlight} at once; each one's time from POST to 202, in nanoseconds. */
    private static long[] run(HttpClient http, URI uri, List<String> bodies, int inFlight) throws Exception {
        long[] each = new long[bodies.size()];
        java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(inFlight);
        List<java.util.concurrent.CompletableFuture<?>> all = new ArrayList<>();
        for (int i = 0; i < bodies.size(); i++) {
            slots.acquire();
            int index = i;
            long sent = System.nanoTime();
            all.add(http.sendAsync(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(
                    bodies.get(i))).build(), HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> {
                        each[index] = System.nanoTime() - sent;
                        slots.release();
                        if (e != null || r.statusCode() != 202) {
                            System.err.println("not 202: " + (e != null ? e : r.statusCode() + " " + r.body()));
                        }
                    }));
        }
        for (var f : all) {
            f.join();
        }
        return each;
    }

    private static String micros(double nanos) {
        return nanos >= 1e6 ? String.format(Locale.ROOT, "%.2f ms", nanos / 1e6)
                : String.format(Locale.ROOT, "%.0f µs", nanos / 1e3);
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
