package dev.minepool.protocol.chain;

import dev.minepool.protocol.BlockHeader;
import java.util.Locale;

/**
 * A chain's {@link DifficultyRule} run over its blocks, one at a time: what the next block needs, whether a
 * block meets it, and the chain's work and measured block time so far. The reader checks every block of a file
 * with it, the pool asks it for the bits of the height it mines, and the simulator drives it directly, so the
 * three can never disagree.
 *
 * <p>The rule reads the timestamp in each block's job data (offset 36 of the data: when the pool built that
 * job), not the record's found-at time, because the data is under the proof of work: no one can change a
 * block's timestamp, and with it the bits the blocks after it need, without mining the block again. A block's
 * solve time is its timestamp minus the one of the block before; the pool builds the next height's first job as
 * soon as a block is won, so that difference is the time the earlier block took to find.
 *
 * <p>Timestamps of governed blocks must not go backwards, and may be at most {@value #FUTURE_BOUND_MILLIS} ms
 * ahead of the reader's clock: a pool whose clock jumps back keeps stamping its last block's time until its
 * clock passes it ({@link #earliestTimestamp}).
 *
 * <p>Not thread-safe: the loop owns the pool's; a reader owns its own.
 */
public final class Difficulty {
    /** How far ahead of the reader's clock a timestamp may be: 2 minutes, a clock that is off but not broken. */
    public static final long FUTURE_BOUND_MILLIS = 120_000;
    /** The measured block time is the mean over the last this many blocks' found-at times. */
    public static final int MEASURED_BLOCKS = 20;

    /** Null for a chain of format version 1 or 2, which recorded no rule: every block keeps the bits it says. */
    private final DifficultyRule rule;
    private long height;
    private long accumulator;
    private long lastTimestamp = -1;
    private final long[] foundAt = new long[MEASURED_BLOCKS + 1];
    private long blocksSeen;
    private ChainWork work = ChainWork.NONE;

    public Difficulty(DifficultyRule rule) {
        this.rule = rule;
        this.accumulator = rule == null ? 0 : rule.startBits() * DifficultyRule.SCALE;
    }

    /** A chain of format version 1 or 2: no rule recorded. */
    public static Difficulty unrecorded() {
        return new Difficulty(null);
    }

    /** The chain's rule, or null when it recorded none (format versions 1 and 2). */
    public DifficultyRule rule() {
        return rule;
    }

    /** The height of the last block seen; 0 before any. */
    public long height() {
        return height;
    }

    private boolean governs(long blockHeight) {
        return rule != null && blockHeight >= rule.firstHeight();
    }

    /** The zero bits the next block needs; 0 when the chain records no rule for it (any bits from 1 will do). */
    public int requiredBits() {
        if (!governs(height + 1)) {
            return 0;
        }
        return rule.retargets() ? DifficultyRule.bits(accumulator) : rule.startBits();
    }

    /** F, the fractional bits the rule holds for the next block ({@code 12.375}): what the whole bits round. */
    public double fractionalBits() {
        return rule != null && rule.retargets() ? accumulator / (double) DifficultyRule.SCALE : requiredBits();
    }

    /** F in fixed point, as PROTOCOL.md's worked example shows it. */
    public long accumulator() {
        return accumulator;
    }

    /** The earliest timestamp the next block's job may carry: time never goes backwards. 0 when anything goes. */
    public long earliestTimestamp() {
        return governs(height + 1) && governs(height) ? Math.max(0, lastTimestamp) : 0;
    }

    /** Σ 2^bits over the blocks seen. */
    public ChainWork work() {
        return work;
    }

    /** How many blocks the measured time spans: up to {@value #MEASURED_BLOCKS}. */
    public int measuredBlocks() {
        return (int) Math.min(MEASURED_BLOCKS, Math.max(0, blocksSeen - 1));
    }

    /** The mean time between the last {@link #measuredBlocks()} + 1 blocks' found-at times (ms); -1 before two. */
    public long measuredMillis() {
        int n = measuredBlocks();
        if (n == 0) {
            return -1;
        }
        long last = foundAt[(int) ((blocksSeen - 1) % foundAt.length)];
        long first = foundAt[(int) ((blocksSeen - 1 - n) % foundAt.length)];
        return Math.max(0, last - first) / n;
    }

    /**
     * Why the next block (its height, the zero bits it claims and its job data) breaks the rule or the timestamp
     * bounds, in words; null if it does not. The height, links and proof of work are the reader's to check.
     */
    public String violation(long blockHeight, int zeroBits, byte[] data, long nowMillis) {
        int required = requiredBits();
        if (required > 0 && zeroBits != required) {
            return "it says " + zeroBits + " zero bits, but the chain's rule (" + rule.describe()
                    + ") requires " + required;
        }
        if (!governs(blockHeight)) {
            return null;
        }
        long timestamp = BlockHeader.readFrom(data).timestampMillis();
        if (governs(blockHeight - 1) && timestamp < lastTimestamp) {
            return "its timestamp " + java.time.Instant.ofEpochMilli(timestamp) + " is before the one of block "
                    + (blockHeight - 1) + " (" + java.time.Instant.ofEpochMilli(lastTimestamp) + "): time must"
                    + " not go backwards";
        }
        if (timestamp > nowMillis + FUTURE_BOUND_MILLIS) {
            return String.format(Locale.ROOT, "its timestamp %s is %.1f s ahead of this machine's clock, more than"
                    + " the %d s allowed (is this clock, or the one of the pool that mined it, wrong?)",
                    java.time.Instant.ofEpochMilli(timestamp), (timestamp - nowMillis) / 1000.0,
                    FUTURE_BOUND_MILLIS / 1000);
        }
        return null;
    }

    /** Moves past the next block, which must meet the rule ({@link #violation}). */
    public void add(long blockHeight, int zeroBits, byte[] data, long foundAtMillis) {
        add(blockHeight, zeroBits, BlockHeader.readFrom(data).timestampMillis(), foundAtMillis);
    }

    /**
     * Moves past the next block, given what the rule reads of it: the simulator's way in.
     *
     * @param timestampMillis its job data's timestamp
     * @param foundAtMillis   when it was found (only for the measured block time)
     */
    public void add(long blockHeight, int zeroBits, long timestampMillis, long foundAtMillis) {
        if (blockHeight != height + 1) {
            throw new IllegalArgumentException("block " + blockHeight + " does not follow block " + height);
        }
        if (governs(blockHeight - 1) && rule.retargets()) {
            accumulator = rule.nextAccumulator(accumulator, timestampMillis - lastTimestamp);
        }
        lastTimestamp = timestampMillis;
        height = blockHeight;
        work = work.plus(zeroBits);
        foundAt[(int) (blocksSeen % foundAt.length)] = foundAtMillis;
        blocksSeen++;
    }
}
