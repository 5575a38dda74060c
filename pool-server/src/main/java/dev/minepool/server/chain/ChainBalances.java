package dev.minepool.server.chain;

import dev.minepool.protocol.BlockHeader;
import dev.minepool.protocol.MinerName;
import dev.minepool.protocol.ledger.Accounts;
import dev.minepool.protocol.ledger.Coins;
import dev.minepool.protocol.ledger.MalformedTxException;
import dev.minepool.protocol.ledger.TxRecord;
import dev.minepool.protocol.ledger.TxRegion;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The ledger of a chain as its blocks are read or appended: {@link Accounts} (the rules every verifier shares)
 * applied block by block, plus the rewards of old blocks whose winner is not a valid name. A version 1 file may
 * hold any bytes as a winner (pools of that time took them); such a block's coin is counted, under the name as it
 * was recorded, but lies outside {@link Accounts}: no registration can ever name it, so it can never be spent.
 * From the chain's transactions height on, a winner must be a valid name, since the pool parses every {@code G}.
 *
 * <p>Not thread-safe: one owner (the reader, or the pool's loop through its {@link ChainFile}), or {@link #copy()}.
 */
public final class ChainBalances {
    private final Accounts accounts;
    private final TreeMap<String, Long> unnamed;

    public ChainBalances() {
        this(new Accounts(), new TreeMap<>());
    }

    private ChainBalances(Accounts accounts, TreeMap<String, Long> unnamed) {
        this.accounts = accounts;
        this.unnamed = unnamed;
    }

    public ChainBalances copy() {
        return new ChainBalances(accounts.copy(), new TreeMap<>(unnamed));
    }

    /** The accounts: read them, do not change them (they change only block by block, through {@link #apply}). */
    public Accounts accounts() {
        return accounts;
    }

    /**
     * One block: its records in order when it carries a transaction region, then its reward. Atomic: on an
     * exception nothing changed.
     *
     * @return the block's records, in order (none before the chain's transactions height)
     * @throws MalformedTxException       its region does not parse
     * @throws Accounts.RejectedException one of its records breaks a rule (the message names which)
     * @throws IllegalArgumentException   a block with a region won by a name that is not a valid name
     */
    public List<TxRecord> apply(Block block, boolean withTransactions)
            throws MalformedTxException, Accounts.RejectedException {
        MinerName winner;
        try {
            winner = MinerName.parse(block.winner());
        } catch (MinerName.InvalidNameException e) {
            if (withTransactions) {
                throw new IllegalArgumentException("its winner is not a valid name: " + e.getMessage());
            }
            unnamed.merge(block.winner(), Coins.BLOCK_REWARD, Long::sum);
            return List.of();
        }
        List<TxRecord> records = withTransactions ? TxRegion.read(block.data()) : List.of();
        accounts.applyBlock(records, winner);
        return records;
    }

    /** Data of fewer than 54 bytes has no room for the region's count: it carries no records. */
    static boolean hasRegion(byte[] data) {
        return data.length >= BlockHeader.TRANSACTIONS_OFFSET + TxRegion.COUNT_BYTES;
    }

    /** Base units per name as shown (name order), those of invalid old winners included. */
    public Map<String, Long> balances() {
        TreeMap<String, Long> all = new TreeMap<>(unnamed);
        for (Map.Entry<MinerName, Long> e : accounts.balances().entrySet()) {
            if (e.getValue() != 0) {
                all.merge(e.getKey().value(), e.getValue(), Long::sum);
            }
        }
        return Collections.unmodifiableMap(all);
    }

    /** The balance of a name as shown, in base units. */
    public long balance(String name) {
        Long old = unnamed.get(name);
        if (old != null) {
            return old;
        }
        try {
            return accounts.balance(MinerName.parse(name));
        } catch (MinerName.InvalidNameException e) {
            return 0;
        }
    }
}
