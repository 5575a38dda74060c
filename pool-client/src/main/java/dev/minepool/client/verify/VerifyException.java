package dev.minepool.client.verify;

/**
 * The chain or the pool's balances fail a check: the first bad block ({@link #height()}) and why, or the account
 * that disagrees. The message is the sentence printed.
 */
public final class VerifyException extends Exception {
    private static final long serialVersionUID = 1L;
    private final long height;
    private final String why;

    private VerifyException(long height, String message, String why) {
        super(message);
        this.height = height;
        this.why = why;
    }

    /** Block {@code height} breaks a rule: {@code why} finishes "block 7 is bad: ...". */
    public static VerifyException badBlock(long height, String why) {
        return new VerifyException(height, "block " + height + " is bad: " + why, why);
    }

    /** The pool's balances are not the chain's. */
    public static VerifyException disagreement(long height, String message) {
        return new VerifyException(height, message, message);
    }

    /** The reason alone, without "block 7 is bad: ". */
    public String why() {
        return why;
    }

    /** The height of the bad block, or the height the balances disagree at. */
    public long height() {
        return height;
    }
}
