package dev.minepool.protocol.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The raw-key conversions against RFC 8032's test vectors, and the refusals that keep signatures canonical. */
class Ed25519Test {
    private static final HexFormat HEX = HexFormat.of();

    // RFC 8032, section 7.1, TEST 1 (empty message) and TEST 2 (one byte, 0x72).
    static final byte[] RFC_SECRET_1 = HEX.parseHex(
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    static final byte[] RFC_PUBLIC_1 = HEX.parseHex(
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    static final byte[] RFC_SIGNATURE_1 = HEX.parseHex(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
    private static final byte[] RFC_SECRET_2 = HEX.parseHex(
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb");
    private static final byte[] RFC_PUBLIC_2 = HEX.parseHex(
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
    private static final byte[] RFC_SIGNATURE_2 = HEX.parseHex(
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
    /** PKCS#8 (RFC 8410) of an Ed25519 key up to its 32 seed bytes. */
    private static final String PKCS8_PREFIX = "302e020100300506032b657004220420";
    /** The group order L = 2^252 + 27742317777372353535851937790883648493. */
    private static final BigInteger L = BigInteger.TWO.pow(252)
            .add(new BigInteger("27742317777372353535851937790883648493"));

    @Test
    void aKeyPairFromRfc8032Test1sSeedHasItsPublicKeyAndSignature() {
        KeyPair pair = Ed25519.fromSeed(RFC_SECRET_1);
        assertThat(Ed25519.rawPublicKey(pair.getPublic())).as("the public key of TEST 1").isEqualTo(RFC_PUBLIC_1);
        assertThat(Ed25519.rawPublicKeyOf(pair.getPrivate())).as("the public key derived from the private key alone")
                .isEqualTo(RFC_PUBLIC_1);
        assertThat(Ed25519.seedOf(pair.getPrivate())).isEqualTo(RFC_SECRET_1);
        assertThat(Ed25519.sign(pair.getPrivate(), new byte[0])).as("the signature of TEST 1 (deterministic)")
                .isEqualTo(RFC_SIGNATURE_1);
        assertThat(Ed25519.verify(RFC_PUBLIC_1, new byte[0], RFC_SIGNATURE_1)).isTrue();
    }

    @Test
    void rfc8032Test2AlsoHolds() {
        PrivateKey key = Ed25519.decodePrivateKey(HEX.parseHex(PKCS8_PREFIX + HEX.formatHex(RFC_SECRET_2)));
        assertThat(Ed25519.rawPublicKeyOf(key)).isEqualTo(RFC_PUBLIC_2);
        assertThat(Ed25519.sign(key, new byte[] {0x72})).isEqualTo(RFC_SIGNATURE_2);
        assertThat(Ed25519.verify(RFC_PUBLIC_2, new byte[] {0x72}, RFC_SIGNATURE_2)).isTrue();
        assertThat(Ed25519.verify(RFC_PUBLIC_2, new byte[] {0x73}, RFC_SIGNATURE_2)).as("another message").isFalse();
    }

    @Test
    void thePkcs8OfTest1sKeyIsThePrefixAndTheSeedAndReadsBack() {
        PrivateKey key = Ed25519.fromSeed(RFC_SECRET_1).getPrivate();
        byte[] pkcs8 = Ed25519.encodePrivateKey(key);
        assertThat(HEX.formatHex(pkcs8)).isEqualTo(PKCS8_PREFIX + HEX.formatHex(RFC_SECRET_1));
        PrivateKey back = Ed25519.decodePrivateKey(pkcs8);
        assertThat(Ed25519.rawPublicKeyOf(back)).isEqualTo(RFC_PUBLIC_1);
        assertThat(Ed25519.sign(back, new byte[0])).isEqualTo(RFC_SIGNATURE_1);
    }

    @Test
    void theRawPublicKeyTurnsIntoTheJdksX509AndBack() {
        assertThat(HEX.formatHex(Ed25519.publicKey(RFC_PUBLIC_1).getEncoded()))
                .isEqualTo("302a300506032b6570032100" + HEX.formatHex(RFC_PUBLIC_1));
        assertThat(Ed25519.rawPublicKey(Ed25519.publicKey(RFC_PUBLIC_1))).isEqualTo(RFC_PUBLIC_1);
    }

    @Test
    void rawPublicKeyOfAgreesWithTheGeneratorForFreshKeys() {
        for (int i = 0; i < 20; i++) {
            KeyPair pair = Ed25519.generate();
            assertThat(Ed25519.rawPublicKeyOf(pair.getPrivate())).as("pair %d", i)
                    .isEqualTo(Ed25519.rawPublicKey(pair.getPublic()));
            PrivateKey reread = Ed25519.decodePrivateKey(Ed25519.encodePrivateKey(pair.getPrivate()));
            byte[] message = ("message " + i).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            assertThat(Ed25519.verify(Ed25519.rawPublicKey(pair.getPublic()), message, Ed25519.sign(reread, message)))
                    .as("a signature by the re-read key of pair %d verifies", i).isTrue();
        }
    }

    @Test
    void theSameSeedGivesTheSameKeysAndSignatures() {
        byte[] seed = new byte[32];
        Arrays.fill(seed, (byte) 7);
        byte[] one = Ed25519.sign(Ed25519.fromSeed(seed).getPrivate(), new byte[] {1, 2, 3});
        byte[] two = Ed25519.sign(Ed25519.fromSeed(seed).getPrivate(), new byte[] {1, 2, 3});
        assertThat(one).isEqualTo(two);
        assertThatThrownBy(() -> Ed25519.fromSeed(new byte[31])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aChangedBitAnywhereFailsVerification() {
        for (int bit = 0; bit < 512; bit += 7) {
            byte[] forged = RFC_SIGNATURE_1.clone();
            forged[bit / 8] ^= (byte) (1 << (bit % 8));
            assertThat(Ed25519.verify(RFC_PUBLIC_1, new byte[0], forged)).as("bit %d of the signature flipped", bit)
                    .isFalse();
        }
        byte[] otherKey = RFC_PUBLIC_1.clone();
        otherKey[0] ^= 1;
        assertThat(Ed25519.verify(otherKey, new byte[0], RFC_SIGNATURE_1)).as("another key").isFalse();
    }

    @Test
    void aSignatureWithSPlusTheGroupOrderIsRefused() {
        // S and S + L verify the same equation; accepting both would let anybody change a record's txid.
        byte[] s = reverse(Arrays.copyOfRange(RFC_SIGNATURE_1, 32, 64));
        byte[] sPlusL = new BigInteger(1, s).add(L).toByteArray();
        byte[] malleated = RFC_SIGNATURE_1.clone();
        byte[] little = reverse(sPlusL);
        Arrays.fill(malleated, 32, 64, (byte) 0);
        System.arraycopy(little, 0, malleated, 32, Math.min(32, little.length));
        assertThat(new BigInteger(1, reverse(Arrays.copyOfRange(malleated, 32, 64))))
                .as("the malleated S fits in 32 bytes").isEqualTo(new BigInteger(1, s).add(L));
        assertThat(Ed25519.verify(RFC_PUBLIC_1, new byte[0], malleated)).isFalse();
    }

    @Test
    void wrongLengthsAndNullsAreFalseNotExceptions() {
        assertThat(Ed25519.verify(Arrays.copyOf(RFC_PUBLIC_1, 31), new byte[0], RFC_SIGNATURE_1)).isFalse();
        assertThat(Ed25519.verify(RFC_PUBLIC_1, new byte[0], Arrays.copyOf(RFC_SIGNATURE_1, 63))).isFalse();
        assertThat(Ed25519.verify(RFC_PUBLIC_1, new byte[0], Arrays.copyOf(RFC_SIGNATURE_1, 65))).isFalse();
        assertThat(Ed25519.verify(null, new byte[0], RFC_SIGNATURE_1)).isFalse();
        assertThat(Ed25519.verify(RFC_PUBLIC_1, null, RFC_SIGNATURE_1)).isFalse();
        assertThat(Ed25519.verify(RFC_PUBLIC_1, new byte[0], null)).isFalse();
    }

    @Test
    void aNonCanonicalYIsNotAPublicKey() {
        // y = p encodes the same field element as y = 0: two encodings of one key would be two accounts' keys.
        byte[] yIsP = reverse(BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19)).toByteArray());
        assertThat(yIsP).hasSize(32);
        assertThatThrownBy(() -> Ed25519.publicKey(yIsP)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not canonical");
        byte[] allOnes = new byte[32];
        Arrays.fill(allOnes, (byte) 0xFF);
        assertThatThrownBy(() -> Ed25519.publicKey(allOnes)).isInstanceOf(IllegalArgumentException.class);
        assertThat(Ed25519.verify(allOnes, new byte[0], RFC_SIGNATURE_1)).isFalse();
    }

    @Test
    void aYWithNoPointOnTheCurveIsNotAPublicKey() {
        int refused = 0;
        int accepted = 0;
        for (int y = 2; y < 40; y++) {
            byte[] raw = new byte[32];
            raw[0] = (byte) y;
            try {
                Ed25519.publicKey(raw);
                accepted++;
            } catch (IllegalArgumentException e) {
                assertThat(e).hasMessageContaining("no point of the curve");
                assertThat(Ed25519.verify(raw, new byte[0], RFC_SIGNATURE_1)).isFalse();
                refused++;
            }
        }
        // About half of all y have a point; both kinds must turn up among 38 of them.
        assertThat(refused).as("small y without a point").isPositive();
        assertThat(accepted).as("small y with a point").isPositive();
        byte[] zeroWithSign = new byte[32];
        zeroWithSign[0] = 1;
        zeroWithSign[31] = (byte) 0x80; // y = 1 gives x = 0, whose sign bit must be clear
        assertThatThrownBy(() -> Ed25519.publicKey(zeroWithSign)).hasMessageContaining("x is 0");
    }

    @Test
    void whatIsNotAnEd25519KeyIsRefusedWithASentence() {
        assertThatThrownBy(() -> Ed25519.decodePrivateKey(new byte[] {1, 2, 3}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a PKCS#8 Ed25519 private key");
        assertThatThrownBy(() -> Ed25519.publicKey(new byte[33])).hasMessageContaining("32 bytes, not 33");
    }

    @Test
    void theCacheRemembersOnlyValidTriples() {
        Ed25519.clearCache();
        byte[] forged = RFC_SIGNATURE_1.clone();
        forged[5] ^= 1;
        assertThat(Ed25519.verify(RFC_PUBLIC_1, new byte[0], forged)).isFalse();
        assertThat(Ed25519.verify(RFC_PUBLIC_1, new byte[0], forged)).as("a failure asked again").isFalse();
        assertThat(Ed25519.verify(RFC_PUBLIC_1, new byte[0], RFC_SIGNATURE_1)).isTrue();
        assertThat(Ed25519.verify(RFC_PUBLIC_1, new byte[0], RFC_SIGNATURE_1)).as("remembered").isTrue();
        assertThat(Ed25519.verify(RFC_PUBLIC_1, new byte[] {0}, RFC_SIGNATURE_1)).as("another message").isFalse();
    }

    private static byte[] reverse(byte[] bytes) {
        byte[] out = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = bytes[bytes.length - 1 - i];
        }
        return out;
    }
}
