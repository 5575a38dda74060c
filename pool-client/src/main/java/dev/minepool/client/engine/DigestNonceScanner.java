package dev.minepool.client.engine;

import dev.minepool.protocol.ProofOfWork;
import java.security.DigestException;
import java.security.MessageDigest;
import java.util.function.BooleanSupplier;

/**
 * The nonce scanner on {@link MessageDigest}: the data is hashed once (the midstate), and each nonce costs a
 * clone of it, 4 bytes of update and the final compression. The JDK's SHA-256 is an intrinsic (SHA-NI where the
 * CPU has it), so this is portable and reasonably fast; no allocation happens per nonce apart from the clone,
 * which {@link MessageDigest} gives no way to avoid.
 */
public final class DigestNonceScanner implements NonceScanner {
    /** The engine that makes these scanners. */
    public static final ScanEngine ENGINE = new ScanEngine() {
        @Override
        public String name() {
            return "digest";
        }

        @Override
        public NonceScanner scanner(byte[] data) {
            return new DigestNonceScanner(data);
        }

        @Override
        public String toString() {
            return name();
        }
    };

    private final MessageDigest midstate;
    private final byte[] nonce = new byte[ProofOfWork.NONCE_LENGTH];
    private final byte[] hash = new byte[ProofOfWork.HASH_LENGTH];
    /** Written only by the scanning thread, once per batch; volatile so a reporter thread sees progress. */
    private volatile long hashes;

    public DigestNonceScanner(byte[] data) {
        this.midstate = ProofOfWork.midstate(data);
    }

    @Override
    public long scan(NonceRange range, int zeroBits, BooleanSupplier stop) {
        // The first 32 bits of the hash decide every target a pool would set; compare them as one int and
        // fall back to the full count only past 32 bits.
        int headMask = zeroBits >= 32 ? -1 : zeroBits == 0 ? 0 : -1 << (32 - zeroBits);
        boolean beyondHead = zeroBits > 32;
        long n = range.first();
        long end = range.end();
        long done = hashes;
        try {
            while (n < end) {
                if (stop.getAsBoolean()) {
                    return STOPPED;
                }
                long batchStart = n;
                long batchEnd = Math.min(end, n + STOP_CHECK_INTERVAL);
                for (; n < batchEnd; n++) {
                    int v = (int) n;
                    nonce[0] = (byte) (v >>> 24);
                    nonce[1] = (byte) (v >>> 16);
                    nonce[2] = (byte) (v >>> 8);
                    nonce[3] = (byte) v;
                    MessageDigest digest = (MessageDigest) midstate.clone();
                    digest.update(nonce, 0, ProofOfWork.NONCE_LENGTH);
                    digest.digest(hash, 0, ProofOfWork.HASH_LENGTH);
                    int head = (hash[0] << 24) | ((hash[1] & 0xFF) << 16) | ((hash[2] & 0xFF) << 8) | (hash[3] & 0xFF);
                    if ((head & headMask) == 0 && (!beyondHead || ProofOfWork.meets(hash, zeroBits))) {
                        hashes = done + (n + 1 - batchStart);
                        return n;
                    }
                }
                done += batchEnd - batchStart;
                hashes = done;
            }
            return NOT_FOUND;
        } catch (CloneNotSupportedException | DigestException e) {
            throw new IllegalStateException("the SHA-256 digest of this JVM cannot be cloned", e);
        }
    }

    @Override
    public long hashes() {
        return hashes;
    }
}
