package dev.minepool.client.verify;

import dev.minepool.protocol.BlockHeader;
import dev.minepool.protocol.MinerName;
import dev.minepool.protocol.ProofOfWork;
import dev.minepool.protocol.chain.Difficulty;
import dev.minepool.protocol.chain.DifficultyRule;
import dev.minepool.protocol.ledger.Accounts;
import dev.minepool.protocol.ledger.Coins;
import dev.minepool.protocol.ledger.MalformedTxException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * The consensus rules, re-run block by block by someone who trusts nothing the pool says but the rules' own
 * parameters: each block must follow the one before (height, and the previous hash in its data's header), hash
 * to what the pool claims, meet the zero bits it claims, claim the bits the difficulty rule requires, and apply to
 * the accounts ({@link Accounts#applyBlock}: every registration, signature, nonce and balance, then the reward).
 * The pool's chain reader and ledger use the same protocol classes, so where they disagree one of the two was
 * given other bytes.
 *
 * <p>Not thread-safe: one owner.
 */
public final class ChainVerifier {
    /**
     * Block 1's previous hash: SHA-256 of the 22 ASCII bytes {@code minepool genesis block}, the genesis every
     * minepool chain shares (PROTOCOL.md, "The chain"). The pool's constant lives in pool-server, which the
     * client does not depend on, so the client derives it from the same text.
     */
    static final byte[] GENESIS_HASH = ProofOfWork.sha256().digest(
            "minepool genesis block".getBytes(StandardCharsets.US_ASCII));

    private final Rules rules;
    private Difficulty difficulty;
    private final Accounts accounts = new Accounts();
    /** Coins of old blocks (before the chain carried transactions) won under names that are not valid names. */
    private final Map<String, Long> unnamed = new TreeMap<>();
    private long height;
    private byte[] tipHash = GENESIS_HASH.clone();

    /**
     * The chain's consensus parameters, from {@code /api/pool}'s {@code rules}.
     *
     * @param difficulty             the difficulty rule (null for a chain that records none)
     * @param transactionsFromHeight the first height whose job data carries a transaction region
     */
    public record Rules(DifficultyRule difficulty, long transactionsFromHeight) {
    }

    public ChainVerifier(Rules rules) {
        this.rules = rules;
        this.difficulty = new Difficulty(rules.difficulty());
    }

    public Rules rules() {
        return rules;
    }

    /** The height of the last block verified; 0 before any. */
    public long height() {
        return height;
    }

    public byte[] tipHash() {
        return tipHash.clone();
    }

    /**
     * Every account's balance in base units, as the verified blocks leave them, by name as the pool shows it; the
     * winners of old blocks whose names are not valid miner names included.
     */
    public Map<String, Long> balances() {
        Map<String, Long> all = new TreeMap<>(unnamed);
        accounts.balances().forEach((name, units) -> all.merge(name.value(), units, Long::sum));
        return all;
    }

    /**
     * Checks the next block and moves past it; on an exception nothing changes.
     *
     * @param nowMillis this machine's clock, for the bound on future timestamps
     * @throws VerifyException naming the block and the rule it breaks
     */
    public void add(CopiedBlock block, long nowMillis) throws VerifyException {
        long h = block.height();
        HexFormat hex = HexFormat.of();
        if (h != height + 1) {
            throw VerifyException.badBlock(h, "it comes after block " + height + " (a height is skipped or repeated)");
        }
        byte[] data = block.dataView();
        if (data.length < BlockHeader.LENGTH) {
            throw VerifyException.badBlock(h, "its job data is " + data.length + " bytes, too short for a block "
                    + "header (" + BlockHeader.LENGTH + ")");
        }
        BlockHeader header = BlockHeader.readFrom(data);
        if (!Arrays.equals(header.previousHash(), tipHash)) {
            throw VerifyException.badBlock(h, "it does not link: its data says the previous hash is "
                    + hex.formatHex(header.previousHash()) + ", but " + (height == 0 ? "the genesis hash" : "block "
                    + height + "'s hash") + " is " + hex.formatHex(tipHash));
        }
        if (header.height() != h) {
            throw VerifyException.badBlock(h, "its data's header says height " + header.height());
        }
        byte[] hash = ProofOfWork.hash(data, block.nonce());
        if (!block.sameHash(hash)) {
            throw VerifyException.badBlock(h, "the pool says its hash is " + hex.formatHex(block.hash())
                    + ", but SHA-256(data || nonce) is " + hex.formatHex(hash));
        }
        if (block.zeroBits() < 1 || !ProofOfWork.meets(hash, block.zeroBits())) {
            throw VerifyException.badBlock(h, "its proof of work fails: its hash " + hex.formatHex(hash) + " has "
                    + ProofOfWork.leadingZeroBits(hash) + " leading zero bits, it claims " + block.zeroBits());
        }
        String broken = difficulty.violation(h, block.zeroBits(), data, nowMillis);
        if (broken != null) {
            throw VerifyException.badBlock(h, "it breaks the difficulty rule: " + broken);
        }
        boolean withTransactions = rules.transactionsFromHeight() > 0 && h >= rules.transactionsFromHeight();
        MinerName winner;
        try {
            winner = MinerName.parse(block.winner().getBytes(StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            if (withTransactions) {
                throw VerifyException.badBlock(h, "its winner '" + MinerName.escape(block.winner())
                        + "' is not a valid miner name (" + e.getMessage() + ")");
            }
            // A block of an older pool, which took any name: its coin is counted under the name as it is, as the
            // pool counts it, though no key can ever spend it.
            unnamed.merge(block.winner(), Coins.BLOCK_REWARD, Long::sum);
            winner = null;
        }
        if (winner != null) {
            try {
                // Atomic: a block that fails leaves the accounts as they were.
                accounts.applyBlock(data, winner, withTransactions);
            } catch (MalformedTxException e) {
                throw VerifyException.badBlock(h, "its transactions do not parse: " + e.getMessage());
            } catch (Accounts.RejectedException e) {
                throw VerifyException.badBlock(h, "a transaction breaks a rule (" + e.reason().text() + "): "
                        + e.getMessage());
            }
        }
        difficulty.add(h, block.zeroBits(), data, block.foundAtMillis());
        height = h;
        tipHash = hash;
    }
}
