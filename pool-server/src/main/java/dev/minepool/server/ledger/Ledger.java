package dev.minepool.server.ledger;

import dev.minepool.protocol.MinerName;
import dev.minepool.protocol.ledger.MalformedTxException;
import dev.minepool.protocol.ledger.NameRegistration;
import dev.minepool.protocol.ledger.Transfer;
import dev.minepool.protocol.ledger.TxRecord;
import dev.minepool.protocol.ledger.TxRegion;
import dev.minepool.server.chain.Block;
import dev.minepool.server.chain.ChainBalances;
import dev.minepool.server.chain.ChainFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The chain and its ledger as readers (the HTTP threads) see them. One writer, the event loop, publishes; any
 * thread reads without a lock and sees only immutable values:
 *
 * <ul>
 *   <li>every block's header fields (not its data) in height order, the data of the latest {@value #DATA_KEPT}
 *       (older data is read back from the chain file when asked for);</li>
 *   <li>the confirmed accounts after the tip ({@link ChainBalances}, a private copy per block, never changed once
 *       published), and the index txid → height of every confirmed record;</li>
 *   <li>what the {@link Mempool} publishes: each pending or dropped record's status, and each name's view with
 *       its pending records counted ({@link PendingAccount});</li>
 *   <li>each name's recent records (txids, newest first, at most {@value #RECENT}).</li>
 * </ul>
 *
 * A reader may see a block's new balances a moment before the mempool's views that follow from them; each value
 * it reads is whole.
 */
public final class Ledger {
    /** How many of the latest blocks keep their job data in memory (1 KiB each by default). */
    public static final int DATA_KEPT = 4096;
    /** Records listed per account. */
    public static final int RECENT = 50;

    /**
     * One block without its data.
     *
     * @param foundAtMillis  when the pool accepted it, ms since the epoch
     * @param millisToMine   from the first job of its height to the accepted S
     * @param transactions   the records it carries
     */
    public record Entry(long height, String hash, String previousHash, long nonce, int zeroBits, String winner,
                        long foundAtMillis, long millisToMine, int transactions) {
        static Entry of(Block block, int transactions) {
            HexFormat hex = HexFormat.of();
            return new Entry(block.height(), hex.formatHex(block.hash()), hex.formatHex(block.previousHash()),
                    block.nonce(), block.zeroBits(), block.winner(), block.foundAtMillis(), block.millisToMine(),
                    transactions);
        }
    }

    /** A name's state with its pending records counted, as the loop last computed it (base units). */
    public record PendingAccount(long confirmed, long spendable, long pendingBalance, byte[] key, boolean keyPending,
                                 long nextNonce, int pendingRecords) {
    }

    private final Path chainFile;
    private final long transactionsFrom;
    private volatile Entry[] entries = new Entry[64];
    private volatile int size;
    private volatile ChainBalances confirmed;
    /** The balances with the height they are at, in one volatile write: see {@link #tipBalances()}. */
    private volatile TipBalances tipBalances;
    private final byte[][] recentData = new byte[DATA_KEPT][];
    private final ConcurrentHashMap<String, Long> confirmedAt = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, TxStatus> unconfirmed = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<MinerName, PendingAccount> pendingAccounts = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<MinerName, List<String>> recent = new ConcurrentHashMap<>();
    /** Dropped txids, oldest first: their statuses are kept for the last {@value Mempool#DROPPED_KEPT}. Loop only. */
    private final ArrayDeque<String> droppedOrder = new ArrayDeque<>();
    private volatile int pendingCount;

    private Ledger(Path chainFile, long transactionsFrom, ChainBalances confirmed) {
        this.chainFile = chainFile;
        this.transactionsFrom = transactionsFrom;
        this.confirmed = confirmed;
        this.tipBalances = new TipBalances(0, confirmed.balances());
    }

    /**
     * Reads every block of a chain file the pool has just opened and verified; {@code confirmed} is a copy of the
     * accounts that verification built, so the records' signatures are not checked a second time.
     */
    public static Ledger load(Path chainFile, long transactionsFrom, ChainBalances confirmed) throws IOException {
        Ledger ledger = new Ledger(chainFile, transactionsFrom, confirmed);
        ChainFile.rescan(chainFile, block -> ledger.add(block, ledger.records(block)));
        ledger.tipBalances = new TipBalances(ledger.size, confirmed.balances());
        return ledger;
    }

    /** A ledger of no chain file, for tests of the mempool: blocks are added with {@link #append}. */
    public static Ledger inMemory(long transactionsFrom, ChainBalances confirmed) {
        return new Ledger(null, transactionsFrom, confirmed);
    }

    private List<TxRecord> records(Block block) throws IOException {
        if (!carriesTransactions(block.height())) {
            return List.of();
        }
        try {
            return TxRegion.read(block.data());
        } catch (MalformedTxException e) {
            throw new IOException("block " + block.height() + ": " + e.getMessage(), e); // verified on open: a bug
        }
    }

    /** Whether the block at {@code height} carries a transaction region. */
    public boolean carriesTransactions(long height) {
        return transactionsFrom > 0 && height >= transactionsFrom;
    }

    /** The first height whose blocks carry a transaction region. */
    public long transactionsFrom() {
        return transactionsFrom;
    }

    /**
     * Adds the next block, now on disk, with its records and the accounts after it (a copy the ledger keeps, never
     * to be changed again); the event loop's thread only (one writer).
     */
    public void append(Block block, List<TxRecord> records, ChainBalances after) {
        add(block, records);
        confirmed = after;
        tipBalances = new TipBalances(block.height(), after.balances());
    }

    private void add(Block block, List<TxRecord> records) {
        Entry[] current = entries;
        int n = size;
        if (block.height() != n + 1) {
            throw new IllegalArgumentException("block " + block.height() + " does not follow block " + n);
        }
        if (n == current.length) {
            current = Arrays.copyOf(current, n * 2);
            entries = current;
        }
        current[n] = Entry.of(block, records.size());
        synchronized (recentData) {
            recentData[(int) (block.height() % DATA_KEPT)] = block.data();
        }
        for (TxRecord record : records) {
            String txid = record.txidHex();
            confirmedAt.put(txid, block.height());
            for (MinerName name : names(record)) {
                remember(name, txid);
            }
        }
        size = n + 1; // published last: a reader that sees the new size sees the entry
    }

    /** The names a record concerns: the one it registers, or sender and recipient. */
    static List<MinerName> names(TxRecord record) {
        if (record instanceof Transfer t) {
            return List.of(t.sender(), t.recipient());
        }
        return List.of(((NameRegistration) record).name());
    }

    /** Puts {@code txid} at the head of the name's recent records (once). Loop only. */
    void remember(MinerName name, String txid) {
        recent.compute(name, (n, list) -> {
            List<String> next = new ArrayList<>(RECENT);
            next.add(txid);
            if (list != null) {
                for (String old : list) {
                    if (next.size() == RECENT) {
                        break;
                    }
                    if (!old.equals(txid)) {
                        next.add(old);
                    }
                }
            }
            return List.copyOf(next);
        });
    }

    /** The mempool's status of a record that is not (yet) confirmed. Loop only. */
    void publishUnconfirmed(TxStatus status) {
        unconfirmed.put(status.txid(), status);
        if (status.state() == TxStatus.State.DROPPED) {
            droppedOrder.addLast(status.txid());
            while (droppedOrder.size() > Mempool.DROPPED_KEPT) {
                String oldest = droppedOrder.removeFirst();
                unconfirmed.computeIfPresent(oldest, (k, v) -> v.state() == TxStatus.State.DROPPED ? null : v);
            }
        }
    }

    /** A record the mempool no longer holds because its block confirmed it. Loop only, after {@link #append}. */
    void forgetUnconfirmed(String txid) {
        unconfirmed.computeIfPresent(txid, (k, v) -> v.state() == TxStatus.State.PENDING ? null : v);
    }

    /** A name's view with its pending records, or null for a name with none. Loop only. */
    void publishPendingAccount(MinerName name, PendingAccount view) {
        if (view == null) {
            pendingAccounts.remove(name);
        } else {
            pendingAccounts.put(name, view);
        }
    }

    /** The names with a published pending view. */
    java.util.Set<MinerName> pendingNames() {
        return pendingAccounts.keySet();
    }

    /** How many records the mempool holds. Loop only. */
    void publishPendingCount(int count) {
        pendingCount = count;
    }

    /** How many records wait in the mempool, as it last said. */
    public int pendingCount() {
        return pendingCount;
    }

    /** The height of the last block (0: only genesis). */
    public long height() {
        return size;
    }

    /** The block at {@code height}, or null if there is none. */
    public Entry block(long height) {
        int n = size;
        if (height < 1 || height > n) {
            return null;
        }
        return entries[(int) height - 1];
    }

    /** Up to {@code limit} blocks from {@code from} downwards (newest first). */
    public List<Entry> blocksDown(long from, int limit) {
        int n = size;
        Entry[] snapshot = entries;
        List<Entry> out = new ArrayList<>(Math.min(limit, n));
        for (long h = Math.min(from, n); h >= 1 && out.size() < limit; h--) {
            out.add(snapshot[(int) h - 1]);
        }
        return out;
    }

    /** The confirmed accounts after the tip: a published copy; read it, never change it. */
    public ChainBalances confirmed() {
        return confirmed;
    }

    /**
     * Base units per name after block {@code height}, in name order.
     *
     * <p>One object, so that a reader never pairs one block's height with the balances of the block before:
     * {@link #height()} moves first, as a block is added, and the balances just after. A verifier comparing its own
     * balances at a height with the pool's saw exactly that mismatch.
     */
    public record TipBalances(long height, Map<String, Long> byName) {
    }

    /** The balances with the height they are at, published together. */
    public TipBalances tipBalances() {
        return tipBalances;
    }

    /** Base units per name from the ledger (rewards and records), in name order. */
    public Map<String, Long> balances() {
        return tipBalances.byName();
    }

    /** A name's confirmed balance in base units (0 for any name the chain has not credited). */
    public long balance(String name) {
        return tipBalances.byName().getOrDefault(name, 0L);
    }

    /** The key bound to {@code name} on the chain, or null. */
    public byte[] confirmedKey(MinerName name) {
        return confirmed.accounts().key(name);
    }

    /** A name's view with its pending records, or null when it has none pending. */
    public PendingAccount pendingAccount(MinerName name) {
        return pendingAccounts.get(name);
    }

    /** A name's recent records, newest first (txids). */
    public List<String> recent(MinerName name) {
        return recent.getOrDefault(name, List.of());
    }

    /** The height that confirmed {@code txid}, or -1. */
    public long confirmedHeight(String txid) {
        return confirmedAt.getOrDefault(txid, -1L);
    }

    /**
     * A record's status: confirmed (with its block's height and the record, read from the block), pending or
     * dropped; null for a txid the pool does not know (or no longer: dropped long ago, or lost from a damaged
     * mempool file).
     */
    public TxStatus status(String txid) throws IOException {
        long height = confirmedHeight(txid);
        if (height > 0) {
            for (TxRecord record : transactions(height)) {
                if (record.txidHex().equals(txid)) {
                    return new TxStatus(txid, record, TxStatus.State.CONFIRMED, height, null, null);
                }
            }
        }
        return unconfirmed.get(txid);
    }

    /** The records of the block at {@code height}, in order (none before the transactions height). */
    public List<TxRecord> transactions(long height) throws IOException {
        return carriesTransactions(height) ? transactions(height, data(height)) : List.of();
    }

    /** The records of the block at {@code height} whose job data is {@code data} (none for null, or before). */
    public List<TxRecord> transactions(long height, byte[] data) throws IOException {
        if (!carriesTransactions(height) || data == null) {
            return List.of();
        }
        try {
            return TxRegion.read(data);
        } catch (MalformedTxException e) {
            throw new IOException("block " + height + ": " + e.getMessage(), e);
        }
    }

    /**
     * The job data of the block at {@code height}: from memory for the latest blocks, else read back from the
     * chain file (which checks it again on the way).
     *
     * @return the data, or null if there is no such block
     */
    public byte[] data(long height) throws IOException {
        return data(height, height)[0];
    }

    /**
     * The job data of the blocks {@code low} to {@code high}, in that order ({@code [0]} is block {@code low}): the
     * latest from memory, the rest in one read of the chain file for the whole range, not one read per block.
     *
     * @return the data, with null for a height that has no block
     */
    public byte[][] data(long low, long high) throws IOException {
        int n = size;
        byte[][] out = new byte[(int) Math.max(0, high - low + 1)][];
        long newestOld = -1; // the highest block not in memory: how far the file must be read
        for (long h = low; h <= high; h++) {
            if (h < 1 || h > n) {
                continue;
            }
            byte[] data = null;
            if (n - h < DATA_KEPT) {
                synchronized (recentData) {
                    data = recentData[(int) (h % DATA_KEPT)];
                }
            }
            if (data != null) {
                out[(int) (h - low)] = data.clone();
            } else {
                newestOld = h;
            }
        }
        if (newestOld < 0 || chainFile == null) {
            return out;
        }
        long stopAt = newestOld;
        try {
            ChainFile.rescan(chainFile, block -> {
                long h = block.height();
                if (h >= low && h <= stopAt && out[(int) (h - low)] == null) {
                    out[(int) (h - low)] = block.data();
                }
                if (h >= stopAt) {
                    throw new FoundIt();
                }
            });
        } catch (FoundIt stop) {
            // read as far as needed
        }
        return out;
    }

    /** Stops a scan of the chain file once the block is found. */
    private static final class FoundIt extends IOException {
        private static final long serialVersionUID = 1L;

        FoundIt() {
            super(null, null);
        }
    }
}
