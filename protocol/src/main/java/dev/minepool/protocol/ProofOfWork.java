package dev.minepool.protocol;

import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The proof of work: {@code SHA-256(data || nonce)}, the nonce as 4 big-endian bytes after the data, read as a
 * 256-bit big-endian number, must have at least {@code zeroBits} leading zero bits.
 *
 * <p>The nonce comes last on purpose: 1024 data bytes are exactly 16 SHA-256 blocks, so a miner hashes them
 * once ({@link #midstate}) and then spends one compression per nonce instead of seventeen.
 */
public final class ProofOfWork {
    public static final int HASH_LENGTH = 32;
    public static final int NONCE_LENGTH = 4;
    /** A hash has 256 bits; asking for more zero bits than that can never be met. */
    public static final int MAX_ZERO_BITS = HASH_LENGTH * 8;

    private ProofOfWork() {
    }

    /** A fresh SHA-256 digest. Every Java SE platform has one, so its absence is a broken JVM. */
    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256, which every Java platform must have", e);
        }
    }

    /** A digest that has absorbed {@code data}: clone it and add a nonce to hash one candidate. */
    public static MessageDigest midstate(byte[] data) {
        MessageDigest digest = sha256();
        digest.update(data);
        return digest;
    }

    /** {@code SHA-256(data || nonce)}. */
    public static byte[] hash(byte[] data, long nonce) {
        MessageDigest digest = midstate(data);
        digest.update(nonceBytes(nonce));
        return digest.digest();
    }

    /** Hashes one nonce from a midstate into {@code out} (32 bytes), leaving the midstate untouched. */
    public static void hash(MessageDigest midstate, long nonce, byte[] out) {
        try {
            MessageDigest digest = (MessageDigest) midstate.clone();
            digest.update(nonceBytes(nonce));
            digest.digest(out, 0, HASH_LENGTH);
        } catch (CloneNotSupportedException | DigestException e) {
            throw new IllegalStateException("SHA-256 digest cannot be cloned: " + e.getMessage(), e);
        }
    }

    /** The nonce as it is appended to the data: 4 bytes, big-endian. */
    public static byte[] nonceBytes(long nonce) {
        int n = (int) nonce;
        return new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n};
    }

    /** The number of leading zero bits of a hash read as a big-endian number (256 for an all-zero hash). */
    public static int leadingZeroBits(byte[] hash) {
        int bits = 0;
        for (byte b : hash) {
            if (b != 0) {
                return bits + Integer.numberOfLeadingZeros(b & 0xFF) - 24;
            }
            bits += 8;
        }
        return bits;
    }

    /** Whether the hash has at least {@code zeroBits} leading zero bits. */
    public static boolean meets(byte[] hash, int zeroBits) {
        return leadingZeroBits(hash) >= zeroBits;
    }

    /** Whether {@code nonce} is a valid proof of work for {@code data} at {@code zeroBits}. */
    public static boolean verify(byte[] data, long nonce, int zeroBits) {
        return meets(hash(data, nonce), zeroBits);
    }

    /** The expected number of hashes to find one nonce at {@code zeroBits}: 2^zeroBits. */
    public static double expectedHashes(int zeroBits) {
        return Math.pow(2, zeroBits);
    }
}
