package dev.minepool.server.ledger;

import dev.minepool.server.chain.Block;
import dev.minepool.server.chain.ChainFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The chain as readers see it: every block's header fields (not its data) in height order, and each miner's
 * balance (one coin per block won), computed from the chain. The event loop appends each block right after it
 * is on disk; any thread reads, without a lock: one writer publishes through volatile fields, readers see a
 * consistent prefix. The data of the latest {@value #DATA_KEPT} blocks is kept; older data is read back from the
 * chain file when asked for.
 */
public final class Ledger {
    /** How many of the latest blocks keep their job data in memory (1 KiB each by default). */
    public static final int DATA_KEPT = 4096;

    /**
     * One block without its data.
     *
     * @param foundAtMillis  when the pool accepted it, ms since the epoch
     * @param millisToMine   from the first job of its height to the accepted S
     */
    public record Entry(long height, String hash, String previousHash, long nonce, int zeroBits, String winner,
                        long foundAtMillis, long millisToMine) {
        static Entry of(Block block) {
            HexFormat hex = HexFormat.of();
            return new Entry(block.height(), hex.formatHex(block.hash()), hex.formatHex(block.previousHash()),
                    block.nonce(), block.zeroBits(), block.winner(), block.foundAtMillis(), block.millisToMine());
        }
    }

    private final Path chainFile;
    private volatile Entry[] entries = new Entry[64];
    private volatile int size;
    private volatile Map<String, Long> balances = Map.of();
    private final byte[][] recentData = new byte[DATA_KEPT][];

    private Ledger(Path chainFile) {
        this.chainFile = chainFile;
    }

    /** Reads every block of a verified chain file (the pool has just opened it). */
    public static Ledger load(Path chainFile) throws IOException {
        Ledger ledger = new Ledger(chainFile);
        Map<String, Long> balances = new TreeMap<>();
        ChainFile.scan(chainFile, block -> {
            ledger.add(block);
            balances.merge(block.winner(), 1L, Long::sum);
        });
        ledger.balances = Collections.unmodifiableMap(balances);
        return ledger;
    }

    /** Adds the next block; the event loop's thread only (one writer). */
    public void append(Block block) {
        add(block);
        Map<String, Long> next = new TreeMap<>(balances);
        next.merge(block.winner(), 1L, Long::sum);
        balances = Collections.unmodifiableMap(next);
    }

    private void add(Block block) {
        Entry[] current = entries;
        int n = size;
        if (block.height() != n + 1) {
            throw new IllegalArgumentException("block " + block.height() + " does not follow block " + n);
        }
        if (n == current.length) {
            current = Arrays.copyOf(current, n * 2);
            entries = current;
        }
        current[n] = Entry.of(block);
        synchronized (recentData) {
            recentData[(int) (block.height() % DATA_KEPT)] = block.data();
        }
        size = n + 1; // published last: a reader that sees the new size sees the entry
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

    /** Coins per miner name (one per block won), in name order. */
    public Map<String, Long> balances() {
        return balances;
    }

    public long balance(String name) {
        return balances.getOrDefault(name, 0L);
    }

    /**
     * The job data of the block at {@code height}: from memory for the latest blocks, else read back from the
     * chain file (which verifies it again on the way).
     *
     * @return the data, or null if there is no such block
     */
    public byte[] data(long height) throws IOException {
        int n = size;
        if (height < 1 || height > n) {
            return null;
        }
        if (n - height < DATA_KEPT) {
            synchronized (recentData) {
                byte[] data = recentData[(int) (height % DATA_KEPT)];
                if (data != null) {
                    return data.clone();
                }
            }
        }
        byte[][] found = new byte[1][];
        try {
            ChainFile.scan(chainFile, block -> {
                if (block.height() == height) {
                    found[0] = block.data();
                    throw new FoundIt();
                }
            });
        } catch (FoundIt stop) {
            // read as far as needed
        }
        return found[0];
    }

    /** Stops a scan of the chain file once the block is found. */
    private static final class FoundIt extends IOException {
        private static final long serialVersionUID = 1L;

        FoundIt() {
            super(null, null);
        }
    }
}
