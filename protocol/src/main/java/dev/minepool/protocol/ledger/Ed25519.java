package dev.minepool.protocol.ledger;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.NamedParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The JDK's Ed25519 (java.security, no dependency) in the raw encodings the records carry: a 32-byte public key
 * and a 64-byte signature (RFC 8032), rather than the JDK's X.509 and PKCS#8 wrappings.
 *
 * <p>A raw public key becomes a JDK key by putting the fixed 12-byte X.509 {@code SubjectPublicKeyInfo} prefix
 * for Ed25519 ({@code 30 2a 30 05 06 03 2b 65 70 03 21 00}: a SEQUENCE of the algorithm OID 1.3.101.112 and a BIT
 * STRING of 33 bytes, the first the unused-bit count 0) in front of it, and back by taking the last 32 bytes.
 *
 * <p>Only canonical encodings pass: a public key whose y is not below 2^255 - 19 or that is not a point of the
 * curve is refused ({@link #publicKey} throws, {@link #verify} says false), and so is a signature whose S is not
 * below the group order (the JDK refuses those). A signature therefore cannot be changed into another valid one
 * by anybody but the signer, and neither can a record's txid.
 *
 * <p>Verifying costs far more than anything else a pool does with a record, and a pool verifies a pending record
 * again after every block (its mempool is re-checked against the new state). {@link #verify} therefore remembers
 * the last {@value #VERIFIED_CACHE_SIZE} triples it found valid, as Bitcoin Core's signature cache does: keyed by
 * SHA-256 of key, message and signature, so only the very same triple can hit. Failures are never remembered.
 */
public final class Ed25519 {
    public static final int PUBLIC_KEY_BYTES = 32;
    public static final int SIGNATURE_BYTES = 64;
    /** The seed: what RFC 8032 calls the private key, and what PKCS#8 carries. */
    public static final int PRIVATE_KEY_BYTES = 32;
    static final int VERIFIED_CACHE_SIZE = 32_768;

    private static final String ALGORITHM = "Ed25519";
    /** X.509 SubjectPublicKeyInfo for Ed25519 up to the raw key (RFC 8410, section 4). */
    private static final byte[] X509_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");
    /** The field prime p = 2^255 - 19. */
    private static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));
    /** The curve constant d = -121665 / 121666 mod p. */
    private static final BigInteger D = BigInteger.valueOf(-121665)
            .multiply(BigInteger.valueOf(121666).modInverse(P)).mod(P);
    private static final BigInteger HALF_P_MINUS_1 = P.subtract(BigInteger.ONE).shiftRight(1);

    /**
     * Public keys already checked and parsed, by their raw bytes in hex: a ledger verifies many records under
     * few keys, and the point check (a 255-bit modular exponentiation) costs about a tenth of a verification.
     */
    private static final Map<String, PublicKey> KEYS = new LinkedHashMap<>(256, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, PublicKey> eldest) {
            return size() > KEY_CACHE_SIZE;
        }
    };
    static final int KEY_CACHE_SIZE = 4096;

    /** Triples found valid, least recently used first; under its own lock. */
    private static final Map<String, Boolean> VERIFIED = new LinkedHashMap<>(1024, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > VERIFIED_CACHE_SIZE;
        }
    };

    private Ed25519() {
    }

    public static KeyPair generate() {
        return generator().generateKeyPair();
    }

    /**
     * The key pair of a 32-byte seed (RFC 8032's private key). The same seed gives the same pair, and since
     * Ed25519 signatures are deterministic, the same signatures: for golden bytes and test vectors.
     */
    public static KeyPair fromSeed(byte[] seed) {
        if (seed == null || seed.length != PRIVATE_KEY_BYTES) {
            throw new IllegalArgumentException("an Ed25519 seed is " + PRIVATE_KEY_BYTES + " bytes");
        }
        KeyPairGenerator generator = generator();
        try {
            // The JDK's generator (sun.security.ec.ed.EdDSAKeyPairGenerator in JDK 17) draws exactly the 32 seed
            // bytes with one nextBytes call and derives the rest from them: RFC 8032, 5.1.5. SeedRandom fails
            // loudly if a future JDK ever draws differently, and the RFC 8032 vectors in the tests check the result.
            generator.initialize(NamedParameterSpec.ED25519, new SeedRandom(seed));
        } catch (InvalidAlgorithmParameterException e) {
            throw new IllegalStateException("the JDK refuses Ed25519 parameters", e);
        }
        return generator.generateKeyPair();
    }

    /** The raw 32 bytes of a JDK Ed25519 public key. */
    public static byte[] rawPublicKey(PublicKey key) {
        byte[] encoded = key.getEncoded();
        if (encoded == null || encoded.length != X509_PREFIX.length + PUBLIC_KEY_BYTES
                || !Arrays.equals(encoded, 0, X509_PREFIX.length, X509_PREFIX, 0, X509_PREFIX.length)) {
            throw new IllegalArgumentException("not an Ed25519 public key: " + key.getAlgorithm());
        }
        return Arrays.copyOfRange(encoded, X509_PREFIX.length, encoded.length);
    }

    /** A JDK public key from raw 32 bytes; IllegalArgumentException if they are not a valid point encoding. */
    public static PublicKey publicKey(byte[] raw) {
        if (raw == null || raw.length != PUBLIC_KEY_BYTES) {
            throw new IllegalArgumentException("an Ed25519 public key is " + PUBLIC_KEY_BYTES + " bytes, not "
                    + (raw == null ? "missing" : raw.length));
        }
        String why = whyNotAPoint(raw);
        if (why != null) {
            throw new IllegalArgumentException("not an Ed25519 public key: " + why);
        }
        byte[] x509 = Arrays.copyOf(X509_PREFIX, X509_PREFIX.length + PUBLIC_KEY_BYTES);
        System.arraycopy(raw, 0, x509, X509_PREFIX.length, PUBLIC_KEY_BYTES);
        try {
            return keyFactory().generatePublic(new X509EncodedKeySpec(x509));
        } catch (InvalidKeySpecException e) {
            throw new IllegalArgumentException("not an Ed25519 public key: " + e.getMessage(), e);
        }
    }

    /**
     * Why 32 bytes are not the encoding of a curve point (RFC 8032, 5.1.3), or null if they are: y must be below
     * p, and x^2 = (y^2 - 1) / (d y^2 + 1) must have a root (x = 0 only with the sign bit clear).
     */
    private static String whyNotAPoint(byte[] raw) {
        byte[] bigEndian = new byte[PUBLIC_KEY_BYTES];
        for (int i = 0; i < PUBLIC_KEY_BYTES; i++) {
            bigEndian[i] = raw[PUBLIC_KEY_BYTES - 1 - i];
        }
        boolean xOdd = (bigEndian[0] & 0x80) != 0;
        bigEndian[0] &= 0x7F;
        BigInteger y = new BigInteger(1, bigEndian);
        if (y.compareTo(P) >= 0) {
            return "y is not below 2^255 - 19 (not canonical)";
        }
        BigInteger y2 = y.multiply(y).mod(P);
        BigInteger u = y2.subtract(BigInteger.ONE).mod(P);
        BigInteger v = D.multiply(y2).add(BigInteger.ONE).mod(P);
        BigInteger x2 = u.multiply(v.modInverse(P)).mod(P);
        if (x2.signum() == 0) {
            return xOdd ? "x is 0 but its sign bit is set" : null;
        }
        // Euler's criterion: x2 has a square root mod p exactly when x2^((p-1)/2) = 1.
        return x2.modPow(HALF_P_MINUS_1, P).equals(BigInteger.ONE) ? null : "no point of the curve has this y";
    }

    /** The private key as PKCS#8 bytes (what a wallet file keeps), and back. */
    public static byte[] encodePrivateKey(PrivateKey key) {
        if (!(key instanceof EdECPrivateKey) || !ALGORITHM.equalsIgnoreCase(algorithmOf((EdECPrivateKey) key))) {
            throw new IllegalArgumentException("not an Ed25519 private key: " + key.getAlgorithm());
        }
        byte[] encoded = key.getEncoded();
        if (encoded == null) {
            throw new IllegalArgumentException("this Ed25519 private key cannot be exported (no PKCS#8 encoding)");
        }
        return encoded;
    }

    /** IllegalArgumentException if the bytes are not PKCS#8 of an Ed25519 key. */
    public static PrivateKey decodePrivateKey(byte[] pkcs8) {
        if (pkcs8 == null) {
            throw new IllegalArgumentException("no private key bytes");
        }
        try {
            PrivateKey key = keyFactory().generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            seedOf(key);
            return key;
        } catch (InvalidKeySpecException | RuntimeException e) {
            throw new IllegalArgumentException("not a PKCS#8 Ed25519 private key: " + e.getMessage(), e);
        }
    }

    /** The 32-byte seed of a private key (RFC 8032's private key). */
    public static byte[] seedOf(PrivateKey key) {
        if (!(key instanceof EdECPrivateKey edec) || !ALGORITHM.equalsIgnoreCase(algorithmOf(edec))) {
            throw new IllegalArgumentException("not an Ed25519 private key: " + key.getAlgorithm());
        }
        byte[] seed = edec.getBytes().orElseThrow(
                () -> new IllegalArgumentException("this Ed25519 private key does not reveal its bytes"));
        if (seed.length != PRIVATE_KEY_BYTES) {
            throw new IllegalArgumentException("an Ed25519 private key of " + seed.length + " bytes");
        }
        return seed;
    }

    private static String algorithmOf(EdECPrivateKey key) {
        return key.getParams() != null ? key.getParams().getName() : key.getAlgorithm();
    }

    /**
     * The public key of a private key (from the wallet file alone): RFC 8032's derivation from the seed, done by
     * the JDK's own generator (see {@link #fromSeed}).
     */
    public static byte[] rawPublicKeyOf(PrivateKey key) {
        return rawPublicKey(fromSeed(seedOf(key)).getPublic());
    }

    public static byte[] sign(PrivateKey key, byte[] message) {
        try {
            Signature signature = Signature.getInstance(ALGORITHM);
            signature.initSign(key);
            signature.update(message);
            return signature.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot sign with this key: " + e.getMessage(), e);
        }
    }

    /** False, never an exception, for a bad key, a bad signature or a wrong length. */
    public static boolean verify(byte[] rawPublicKey, byte[] message, byte[] signature) {
        if (rawPublicKey == null || rawPublicKey.length != PUBLIC_KEY_BYTES || message == null
                || signature == null || signature.length != SIGNATURE_BYTES) {
            return false;
        }
        String triple = tripleDigest(rawPublicKey, message, signature);
        synchronized (VERIFIED) {
            if (VERIFIED.get(triple) != null) {
                return true;
            }
        }
        if (!verifyUncached(rawPublicKey, message, signature)) {
            return false;
        }
        synchronized (VERIFIED) {
            VERIFIED.put(triple, Boolean.TRUE);
        }
        return true;
    }

    /** {@link #verify} without the cache of valid triples (the parsed key may come from its cache). */
    static boolean verifyUncached(byte[] rawPublicKey, byte[] message, byte[] signature) {
        String hex = HexFormat.of().formatHex(rawPublicKey);
        PublicKey key;
        synchronized (KEYS) {
            key = KEYS.get(hex);
        }
        if (key == null) {
            try {
                key = publicKey(rawPublicKey);
            } catch (IllegalArgumentException e) {
                return false;
            }
            synchronized (KEYS) {
                KEYS.put(hex, key);
            }
        }
        try {
            Signature verifier = Signature.getInstance(ALGORITHM);
            verifier.initVerify(key);
            verifier.update(message);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            // SignatureException for S not below the group order, InvalidKeyException for a bad point: both are
            // simply not valid signatures.
            return false;
        }
    }

    /** Forgets every remembered verification and key (tests, measurements). */
    static void clearCache() {
        synchronized (VERIFIED) {
            VERIFIED.clear();
        }
        synchronized (KEYS) {
            KEYS.clear();
        }
    }

    private static String tripleDigest(byte[] key, byte[] message, byte[] signature) {
        MessageDigest sha256 = sha256();
        sha256.update(key);
        sha256.update(signature);
        sha256.update(message);
        return HexFormat.of().formatHex(sha256.digest());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static KeyPairGenerator generator() {
        try {
            return KeyPairGenerator.getInstance(ALGORITHM);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK from 15 on has Ed25519", e);
        }
    }

    private static KeyFactory keyFactory() {
        try {
            return KeyFactory.getInstance(ALGORITHM);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK from 15 on has Ed25519", e);
        }
    }

    /** A "random" source that hands out one given seed, once, and refuses anything else. */
    private static final class SeedRandom extends SecureRandom {
        private static final long serialVersionUID = 1L;
        private final byte[] seed;
        private boolean used;

        SeedRandom(byte[] seed) {
            super(new byte[0]);
            this.seed = seed.clone();
        }

        @Override
        public synchronized void nextBytes(byte[] bytes) {
            if (used || bytes.length != seed.length) {
                throw new IllegalStateException("the JDK's Ed25519 generator asked for " + bytes.length
                        + " random bytes" + (used ? " a second time" : "") + "; a key from a seed needs it to"
                        + " ask once for " + seed.length);
            }
            used = true;
            System.arraycopy(seed, 0, bytes, 0, seed.length);
        }

        @Override
        public byte[] generateSeed(int numBytes) {
            throw new IllegalStateException("a key from a seed draws no other randomness");
        }

        @Override
        public void setSeed(long seed) {
            // SecureRandom's constructor calls this; nothing draws from the inherited generator.
        }
    }
}
