package dev.minepool.client.engine;

import java.util.function.BooleanSupplier;

/**
 * One thread's nonce search over one job's data: the miner's hot loop.
 *
 * <p>A scanner is made for one job ({@link ScanEngine#scanner}) and used by one thread; another thread may
 * stop it through the {@code stop} supplier, which is polled every {@link #STOP_CHECK_INTERVAL} nonces, and may
 * read {@link #hashes()} at any time for a hash rate.
 */
public interface NonceScanner {
    /** {@link #scan} searched the whole range and found nothing. */
    long NOT_FOUND = -1;
    /** {@link #scan} returned because {@code stop} said so. */
    long STOPPED = -2;
    /**
     * How many nonces a scanner tries between two looks at {@code stop}. At the ~10 M nonces/s of one core
     * this is well under a millisecond, so an {@code I} from the pool stops the search at once, while the
     * cost of the check itself disappears.
     */
    int STOP_CHECK_INTERVAL = 4096;

    /**
     * Tries the nonces of {@code range} in increasing order and returns the first whose hash has at least
     * {@code zeroBits} leading zero bits, {@link #NOT_FOUND}, or {@link #STOPPED}.
     */
    long scan(NonceRange range, int zeroBits, BooleanSupplier stop);

    /** The number of nonces this scanner has hashed, over all its scans. Safe to read from any thread. */
    long hashes();
}
