package dev.minepool.client.cli;

/** A bad command line: one sentence for the person who typed it; the command exits 2. */
public final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
