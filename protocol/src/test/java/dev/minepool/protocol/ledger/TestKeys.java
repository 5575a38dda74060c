package dev.minepool.protocol.ledger;

import dev.minepool.protocol.MinerName;
import java.security.KeyPair;
import java.security.PrivateKey;

/**
 * Fixed keys for tests: each from a 32-byte seed, so every signature (Ed25519 is deterministic) and every txid
 * is the same on every run. {@code alice}'s seed is 00 01 02 .. 1f, the one PROTOCOL.md's example uses.
 */
public final class TestKeys {
    public final MinerName name;
    public final KeyPair pair;

    private TestKeys(String name, int firstSeedByte) {
        this.name = MinerName.parse(name);
        byte[] seed = new byte[Ed25519.PRIVATE_KEY_BYTES];
        for (int i = 0; i < seed.length; i++) {
            seed[i] = (byte) (firstSeedByte + i);
        }
        this.pair = Ed25519.fromSeed(seed);
    }

    public static final TestKeys ALICE = new TestKeys("alice", 0x00);
    public static final TestKeys BOB = new TestKeys("bob", 0x20);
    public static final TestKeys CAROL = new TestKeys("carol", 0x40);
    public static final TestKeys MALLORY = new TestKeys("mallory", 0x60);

    public byte[] publicKey() {
        return Ed25519.rawPublicKey(pair.getPublic());
    }

    public PrivateKey privateKey() {
        return pair.getPrivate();
    }

    public NameRegistration registration() {
        return NameRegistration.sign(name, publicKey(), privateKey());
    }

    public Transfer send(TestKeys to, long amount, long nonce) {
        return Transfer.sign(name, to.name, amount, nonce, privateKey());
    }
}
