package dev.minepool.protocol.ledger;

import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;

/**
 * The JDK's Ed25519 (java.security, no dependency) in the raw encodings the records carry: a 32-byte public key
 * and a 64-byte signature (RFC 8032), rather than the JDK's X.509 and PKCS#8 wrappings.
 */
public final class Ed25519 {
    public static final int PUBLIC_KEY_BYTES = 32;
    public static final int SIGNATURE_BYTES = 64;

    private Ed25519() {
    }

    public static KeyPair generate() { throw new UnsupportedOperationException("TODO"); }

    /** The raw 32 bytes of a JDK Ed25519 public key. */
    public static byte[] rawPublicKey(PublicKey key) { throw new UnsupportedOperationException("TODO"); }

    /** A JDK public key from raw 32 bytes; IllegalArgumentException if they are not a valid point encoding. */
    public static PublicKey publicKey(byte[] raw) { throw new UnsupportedOperationException("TODO"); }

    /** The private key as PKCS#8 bytes (what a wallet file keeps), and back. */
    public static byte[] encodePrivateKey(PrivateKey key) { throw new UnsupportedOperationException("TODO"); }

    public static PrivateKey decodePrivateKey(byte[] pkcs8) { throw new UnsupportedOperationException("TODO"); }

    /** The public key of a private key (from the wallet file alone). */
    public static byte[] rawPublicKeyOf(PrivateKey key) { throw new UnsupportedOperationException("TODO"); }

    public static byte[] sign(PrivateKey key, byte[] message) { throw new UnsupportedOperationException("TODO"); }

    /** False, never an exception, for a bad key, a bad signature or a wrong length. */
    public static boolean verify(byte[] rawPublicKey, byte[] message, byte[] signature) {
        throw new UnsupportedOperationException("TODO");
    }
}
