package dev.minepool.server.rules;

/**
 * A block that is on disk and was acknowledged, but that {@link BlockSink#announced} failed to publish (a bug):
 * the pool's ledger and mempool no longer follow its chain, so the pool must stop. A restart reads the block back
 * from the chain file, and nothing a miner was told is lost.
 */
public final class UnpublishedBlockException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long height;

    public UnpublishedBlockException(long height, RuntimeException cause) {
        super("block " + height + " is on disk and acknowledged, but publishing it to the ledger and the mempool"
                + " failed: " + cause, cause);
        this.height = height;
    }

    /** The height of the block on disk that was not published. */
    public long height() {
        return height;
    }
}
