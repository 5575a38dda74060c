package dev.minepool.server;

import java.security.SecureRandom;
import java.util.SplittableRandom;

/**
 * Fills the transaction part of a job's data (everything after the 52-byte block header). The pool has no real
 * transactions; random bytes by default make every job's data different. Tests inject a fixed source.
 */
@FunctionalInterface
public interface TransactionSource {
    /** Writes {@code length} bytes into {@code data} from {@code offset}. Called on the event-loop thread only. */
    void fill(byte[] data, int offset, int length);

    /**
     * Random bytes from a fast generator seeded once from {@link SecureRandom}: the bytes need to differ, not
     * to be secret, and job creation is on the event loop, where a blocking entropy read would stall everyone.
     */
    static TransactionSource random() {
        SplittableRandom random = new SplittableRandom(new SecureRandom().nextLong());
        return (data, offset, length) -> {
            for (int i = offset; i < offset + length; i++) {
                data[i] = (byte) random.nextInt(256);
            }
        };
    }
}
