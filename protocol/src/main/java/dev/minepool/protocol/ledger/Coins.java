package dev.minepool.protocol.ledger;

/**
 * Amounts: base units on the chain, coins with up to 8 decimals for people. Integer arithmetic only: a double
 * cannot hold 0.1 coin, and would round large balances.
 */
public final class Coins {
    /** 1 coin = 100,000,000 base units; a block's reward is one coin. */
    public static final long UNITS_PER_COIN = 100_000_000L;
    public static final long BLOCK_REWARD = UNITS_PER_COIN;
    /** Decimal places of a coin amount. */
    public static final int DECIMALS = 8;
    /** The longest input {@link #parse} reads; beyond it, the sentence shows only the start. */
    private static final int MAX_SHOWN = 40;

    private Coins() {
    }

    /** "1.50000000": always 8 decimals, exact (no floating point). Negative values keep their sign. */
    public static String format(long units) {
        long whole = units / UNITS_PER_COIN;
        long fraction = units % UNITS_PER_COIN;
        String sign = units < 0 ? "-" : "";
        // Math.abs of each part, never of units itself: Long.MIN_VALUE has no positive counterpart.
        return sign + Math.abs(whole) + "." + pad(Math.abs(fraction));
    }

    /** An amount read as a u64 (a record's amount field), "184467440737.09551615" at most. */
    public static String formatUnsigned(long units) {
        if (units >= 0) {
            return format(units);
        }
        long whole = Long.divideUnsigned(units, UNITS_PER_COIN);
        long fraction = Long.remainderUnsigned(units, UNITS_PER_COIN);
        return whole + "." + pad(fraction);
    }

    /** Coins as short as exact: "1.5", "3", "0.00000001" (for tables and the demo). */
    public static String formatTrimmed(long units) {
        String full = format(units);
        int end = full.length();
        while (full.charAt(end - 1) == '0') {
            end--;
        }
        if (full.charAt(end - 1) == '.') {
            end--;
        }
        return full.substring(0, end);
    }

    private static String pad(long fraction) {
        String digits = Long.toString(fraction);
        return "0".repeat(DECIMALS - digits.length()) + digits;
    }

    /**
     * "1.5", "0.00000001", "3" to base units, exactly; IllegalArgumentException with a sentence for more than 8
     * decimals, a sign, an exponent, junk or an overflow.
     */
    public static long parse(String coins) {
        if (coins == null || coins.isEmpty()) {
            throw new IllegalArgumentException("no amount: write coins such as 1.5 or 0.00000001");
        }
        int dot = coins.indexOf('.');
        String whole = dot < 0 ? coins : coins.substring(0, dot);
        String fraction = dot < 0 ? "" : coins.substring(dot + 1);
        if (whole.isEmpty() || !digits(whole) || !digits(fraction) || (dot >= 0 && fraction.isEmpty())) {
            throw new IllegalArgumentException("\"" + shown(coins) + "\" is not an amount of coins: write digits"
                    + " with at most one point and up to " + DECIMALS + " decimals, such as 1.5 or 0.00000001"
                    + " (no sign, no exponent, no separators)");
        }
        if (fraction.length() > DECIMALS) {
            throw new IllegalArgumentException("\"" + shown(coins) + "\" has " + fraction.length() + " decimals; a"
                    + " coin has " + DECIMALS + " (0.00000001 is the smallest amount)");
        }
        try {
            long units = Math.multiplyExact(Long.parseLong(whole), UNITS_PER_COIN);
            long fractionUnits = fraction.isEmpty() ? 0 : Long.parseLong(fraction + "0".repeat(DECIMALS
                    - fraction.length()));
            return Math.addExact(units, fractionUnits);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("\"" + shown(coins) + "\" coins is more than any balance can hold"
                    + " (at most " + format(Long.MAX_VALUE) + ")");
        }
    }

    /** ASCII digits only: Character.isDigit would let Arabic-Indic and full-width digits in. */
    private static boolean digits(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static String shown(String input) {
        String head = input.length() > MAX_SHOWN ? input.substring(0, MAX_SHOWN) + "…" : input;
        return dev.minepool.protocol.MinerName.escape(head);
    }
}
