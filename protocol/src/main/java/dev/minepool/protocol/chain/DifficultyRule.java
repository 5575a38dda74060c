package dev.minepool.protocol.chain;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;

/**
 * The rule that says how many zero bits each block of a chain needs, with its parameters: consensus, recorded in
 * the chain file's header (format version 3) so that anyone holding the file can recompute every block's bits.
 * PROTOCOL.md ("The difficulty rule") states it as pseudo-code with a worked example; {@link Difficulty} runs it.
 *
 * <ul>
 *   <li>{@link Kind#FIXED}: every block needs {@code startBits}. What {@code --bits} alone asks for.</li>
 *   <li>{@link Kind#RETARGET}: {@code startBits} for the first blocks, then a fractional difficulty
 *       {@code F} (bits × {@value #SCALE}) that every block moves by {@code (target − Δ) / τ}, where Δ is that
 *       block's solve time clamped to {@code 0 .. }{@value #MAX_SOLVE_TARGETS}{@code  × target}; a block needs
 *       {@code round(F)} zero bits, clamped to 1..255. Carrying the fraction forward is what makes the rule
 *       alternate between neighbouring whole bits in the proportion that holds the target on average.</li>
 * </ul>
 *
 * <pre>
 *  header field, tag 0x0001 (required: a reader that does not know it refuses the file), 14 bytes of value
 *  0      1       2                    6                    10                   14
 *  +------+-------+--------------------+--------------------+--------------------+
 *  | rule | start | target block time  | tau                | first height       |
 *  | u8   | bits  | u32, ms            | u32, ms            | u32                |
 *  |      | u8    | (0 for fixed)      | (0 for fixed)      |                    |
 *  +------+-------+--------------------+--------------------+--------------------+
 * </pre>
 *
 * <p>{@code firstHeight} is the first block the rule governs: 1 for a chain this pool started, and the block after
 * the tip for a file of format version 1 or 2 that it upgraded, whose blocks were mined before any rule was
 * recorded and keep the bits they were mined at.
 *
 * @param kind         fixed or retarget
 * @param startBits    the bits of a fixed chain, or where a retargeting one starts (1..255)
 * @param targetMillis the block time a retargeting chain aims at; 0 for fixed
 * @param tauMillis    τ, how slowly it reacts: a block time off by τ moves the difficulty by one bit; 0 for
 *                     fixed
 * @param firstHeight  the first block the rule governs
 */
public record DifficultyRule(Kind kind, int startBits, long targetMillis, long tauMillis, long firstHeight) {
    /** The header field's tag: bit 15 clear, so a reader that does not know the rule refuses the file. */
    public static final int FIELD_TAG = 0x0001;

    public static final int RULE_OFFSET = 0;
    public static final int START_BITS_OFFSET = RULE_OFFSET + 1;
    public static final int TARGET_OFFSET = START_BITS_OFFSET + 1;
    public static final int TAU_OFFSET = TARGET_OFFSET + 4;
    public static final int FIRST_HEIGHT_OFFSET = TAU_OFFSET + 4;
    public static final int VALUE_LENGTH = FIRST_HEIGHT_OFFSET + 4;

    /** F's fixed point: 1/65536 of a bit. Integers only, so that every implementation gets the same bits. */
    public static final long SCALE = 1 << 16;
    /** A block's solve time counts as at most 6 targets: one idle night must not drop the difficulty 25 bits. */
    public static final long MAX_SOLVE_TARGETS = 6;
    /** τ = 4 targets, chosen by RetargetSimulationTest: 3 oscillates more, 5 is too slow to follow a ×1000 jump. */
    public static final long TAU_TARGETS = 4;
    public static final int MIN_BITS = 1;
    public static final int MAX_BITS = 255;
    /** The longest target block time: τ must fit its u32. */
    public static final long MAX_TARGET_MILLIS = 24L * 3600 * 1000;

    public enum Kind {
        FIXED(1, "fixed"), RETARGET(2, "retarget");

        public final int code;
        public final String label;

        Kind(int code, String label) {
            this.code = code;
            this.label = label;
        }
    }

    public DifficultyRule {
        java.util.Objects.requireNonNull(kind, "kind");
        if (startBits < MIN_BITS || startBits > MAX_BITS) {
            throw new IllegalArgumentException("starting bits " + startBits + " are out of range: 1..255");
        }
        if (firstHeight < 1 || firstHeight > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("first height " + firstHeight + " is not a u32 of at least 1");
        }
        if (kind == Kind.FIXED && (targetMillis != 0 || tauMillis != 0)) {
            throw new IllegalArgumentException("a fixed rule has no target block time and no tau");
        }
        if (kind == Kind.RETARGET && (targetMillis < 1 || targetMillis > MAX_TARGET_MILLIS || tauMillis < 1
                || tauMillis > 0xFFFF_FFFFL)) {
            throw new IllegalArgumentException("target block time " + targetMillis + " ms and tau " + tauMillis
                    + " ms are out of range (1 ms .. 24 h, and tau a u32)");
        }
    }

    /** Every block at {@code bits}, from block 1. */
    public static DifficultyRule fixed(int bits) {
        return new DifficultyRule(Kind.FIXED, bits, 0, 0, 1);
    }

    /** From {@code startBits} toward one block every {@code targetMillis}, τ = 4 targets, from block 1. */
    public static DifficultyRule retarget(int startBits, long targetMillis) {
        return new DifficultyRule(Kind.RETARGET, startBits, targetMillis, TAU_TARGETS * targetMillis, 1);
    }

    /** The same rule, governing blocks from {@code height} on. */
    public DifficultyRule from(long height) {
        return new DifficultyRule(kind, startBits, targetMillis, tauMillis, height);
    }

    public boolean retargets() {
        return kind == Kind.RETARGET;
    }

    /**
     * Whether a pool asking for this rule may extend a chain that follows {@code recorded}: the same kind, target
     * and τ, and for a fixed rule the same bits. A retargeting chain's starting bits only say where it began, so
     * a different {@code --bits} does not conflict with it.
     */
    public boolean compatibleWith(DifficultyRule recorded) {
        if (kind != recorded.kind) {
            return false;
        }
        return kind == Kind.FIXED ? startBits == recorded.startBits
                : targetMillis == recorded.targetMillis && tauMillis == recorded.tauMillis;
    }

    /** {@code fixed at 24 zero bits}, {@code retarget to 2 s a block from 12 zero bits (tau 8 s)}, for people. */
    public String describe() {
        String from = firstHeight == 1 ? "" : ", from block " + firstHeight;
        if (kind == Kind.FIXED) {
            return "fixed at " + startBits + " zero bits" + from;
        }
        return "retarget to " + seconds(targetMillis) + " a block from " + startBits + " zero bits (tau "
                + seconds(tauMillis) + ")" + from;
    }

    /** The command line that asks for this rule: what an operator must type to extend such a chain. */
    public String flags() {
        return kind == Kind.FIXED ? "--bits " + startBits
                : "--bits " + startBits + " --target-block-time " + duration(targetMillis);
    }

    /** {@code 2 s}, {@code 1.5 s}, {@code 600 s}. */
    public static String seconds(long millis) {
        return java.math.BigDecimal.valueOf(millis, 3).stripTrailingZeros().toPlainString() + " s";
    }

    /** The shortest {@code --target-block-time} spelling: {@code 10m}, {@code 2s}, {@code 1500ms}. */
    static String duration(long millis) {
        if (millis % 3_600_000 == 0) {
            return millis / 3_600_000 + "h";
        }
        if (millis % 60_000 == 0) {
            return millis / 60_000 + "m";
        }
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }

    /** The header field's value, 14 bytes. */
    public byte[] encode() {
        return ByteBuffer.allocate(VALUE_LENGTH).order(ByteOrder.BIG_ENDIAN)
                .put((byte) kind.code).put((byte) startBits).putInt((int) targetMillis).putInt((int) tauMillis)
                .putInt((int) firstHeight).array();
    }

    /**
     * Reads the header field's value.
     *
     * @throws IllegalArgumentException saying what is wrong, for a value no pool writes
     */
    public static DifficultyRule decode(byte[] value) {
        if (value.length != VALUE_LENGTH) {
            throw new IllegalArgumentException("the difficulty rule field holds " + value.length + " bytes, not "
                    + VALUE_LENGTH);
        }
        ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.BIG_ENDIAN);
        int code = Byte.toUnsignedInt(b.get(RULE_OFFSET));
        Kind kind = null;
        for (Kind k : Kind.values()) {
            if (k.code == code) {
                kind = k;
            }
        }
        if (kind == null) {
            throw new IllegalArgumentException("difficulty rule " + code + " is unknown (1 fixed, 2 retarget; a"
                    + " newer pool may know it)");
        }
        return new DifficultyRule(kind, Byte.toUnsignedInt(b.get(START_BITS_OFFSET)),
                Integer.toUnsignedLong(b.getInt(TARGET_OFFSET)), Integer.toUnsignedLong(b.getInt(TAU_OFFSET)),
                Integer.toUnsignedLong(b.getInt(FIRST_HEIGHT_OFFSET)));
    }

    /**
     * One step of the rule: F after a block whose solve time was {@code solveMillis} (the rule's own arithmetic,
     * in integers: the same everywhere).
     */
    public long nextAccumulator(long accumulator, long solveMillis) {
        long solve = Math.max(0, Math.min(solveMillis, MAX_SOLVE_TARGETS * targetMillis));
        long next = accumulator + Math.floorDiv((targetMillis - solve) * SCALE, tauMillis);
        return Math.max(MIN_BITS * SCALE, Math.min(MAX_BITS * SCALE, next));
    }

    /** The whole zero bits F asks for: F / 65536 rounded, halves up. F is kept in 1..255 bits, so is this. */
    public static int bits(long accumulator) {
        return (int) ((accumulator + SCALE / 2) / SCALE);
    }
}
