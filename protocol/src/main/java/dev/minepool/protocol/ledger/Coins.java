package dev.minepool.protocol.ledger;

/** Amounts: base units on the chain, coins with up to 8 decimals for people. */
public final class Coins {
    /** 1 coin = 100,000,000 base units; a block's reward is one coin. */
    public static final long UNITS_PER_COIN = 100_000_000L;
    public static final long BLOCK_REWARD = UNITS_PER_COIN;

    private Coins() {
    }

    /** "1.50000000": always 8 decimals, exact (no floating point). Negative values keep their sign. */
    public static String format(long units) { throw new UnsupportedOperationException("TODO"); }

    /**
     * "1.5", "0.00000001", "3" to base units, exactly; IllegalArgumentException with a sentence for more than 8
     * decimals, a sign, an exponent, junk or an overflow.
     */
    public static long parse(String coins) { throw new UnsupportedOperationException("TODO"); }
}
