package dev.minepool.server.chain;

import dev.minepool.protocol.ProofOfWork;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * The genesis block every minepool server shares, so that block 1 of every chain links to the same root.
 *
 * <p>It is not mined; its "hash" is {@code SHA-256("minepool genesis block")} (the 22 ASCII bytes, no
 * terminator):
 * {@code c87973b9ec5ec8520562222e444a6a269f97aa856072fcb6f1d6113e87ceb189} (checked by a test), and its height is 0.
 */
public final class Genesis {
    /** The text whose SHA-256 is the genesis hash. */
    public static final String SEED = "minepool genesis block";
    /** The height of the genesis block; block 1 is the first mined one. */
    public static final long HEIGHT = 0;

    private static final byte[] HASH = ProofOfWork.sha256().digest(SEED.getBytes(StandardCharsets.US_ASCII));

    private Genesis() {
    }

    /** The genesis hash: the previous hash of block 1. */
    public static byte[] hash() {
        return HASH.clone();
    }

    public static String hashHex() {
        return HexFormat.of().formatHex(HASH);
    }
}
