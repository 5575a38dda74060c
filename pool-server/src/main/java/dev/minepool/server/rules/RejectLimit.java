package dev.minepool.server.rules;

/**
 * A token bucket for one connection's rejected submits: {@value #BURST} at once, then {@value #PER_SECOND} a
 * second. An honest miner is almost never rejected (a wrong nonce means a broken engine; an unknown job, a very
 * late submit), so a connection that runs the bucket dry is broken or hostile, and is closed, as ckpool drops a
 * client whose share rejects pile up. Without it one connection sending bad {@code S} in a loop cost the pool
 * a SHA-256 and a log line per 7-byte message.
 */
final class RejectLimit {
    static final int BURST = 20;
    static final int PER_SECOND = 2;
    private static final long NANOS_PER_TOKEN = 1_000_000_000L / PER_SECOND;

    private long tokens = BURST;
    private long refilledAt;

    RejectLimit(long nowNanos) {
        this.refilledAt = nowNanos;
    }

    /** Takes a token for one reject; false when there is none left, and the connection should go. */
    boolean take(long nowNanos) {
        long earned = (nowNanos - refilledAt) / NANOS_PER_TOKEN;
        if (earned > 0) {
            tokens = Math.min(BURST, tokens + earned);
            refilledAt += earned * NANOS_PER_TOKEN;
        }
        if (tokens == BURST) {
            refilledAt = nowNanos; // a full bucket earns nothing while it waits
        }
        if (tokens == 0) {
            return false;
        }
        tokens--;
        return true;
    }
}
