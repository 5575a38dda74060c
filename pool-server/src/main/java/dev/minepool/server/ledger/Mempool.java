package dev.minepool.server.ledger;

import dev.minepool.protocol.MinerName;
import dev.minepool.protocol.ledger.Accounts;
import dev.minepool.protocol.ledger.Accounts.Reason;
import dev.minepool.protocol.ledger.Accounts.RejectedException;
import dev.minepool.protocol.ledger.NameRegistration;
import dev.minepool.protocol.ledger.Transfer;
import dev.minepool.protocol.ledger.TxRecord;
import dev.minepool.server.chain.ChainBalances;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The records waiting for a block, in arrival order, and the rules a record must pass to join them; on the event
 * loop's thread only, so two spends of the same coins are checked one after the other and cannot both pass. No
 * sockets: it is tested as it is.
 *
 * <p>The rules are the chain's ({@link Accounts}) applied to a <em>pending view</em>: the confirmed accounts with
 * every pending record applied in order, so a nonce must follow the sender's last (chain, then pending) and a name
 * registered by a pending record is taken. One rule is stricter than the chain's: a transfer may spend at most its
 * sender's confirmed balance minus its pending spends (coins still on their way to it do not count), so no pending
 * record depends on another one's incoming coins.
 *
 * <p>Bounded: {@value #MAX_RECORDS} records in all, {@value #MAX_PER_SENDER} per sender (a registration counts for
 * the name it registers). Beyond that, {@link Reason#MEMPOOL_FULL}: a hostile client can fill its own allowance
 * and the pool's, never memory.
 *
 * <p>When a block is on disk ({@link #blockOnDisk}) its records leave, confirmed; the rest are re-checked in order
 * against the new state and any that now fail are dropped with their reason. When the block's records are the
 * first pending ones in order (what a block built from this mempool always holds) the view needs only the block's
 * reward added, since nothing else about it changed; otherwise it is rebuilt, every record checked again.
 */
public final class Mempool {
    public static final int MAX_RECORDS = 10_000;
    public static final int MAX_PER_SENDER = 64;
    /** Statuses of dropped records are kept for the last this many. */
    public static final int DROPPED_KEPT = 10_000;

    private final Supplier<ChainBalances> confirmed;
    private final Ledger ledger;
    private final LinkedHashMap<String, TxRecord> pending = new LinkedHashMap<>();
    private final Map<MinerName, Long> pendingSpends = new HashMap<>();
    private final Map<MinerName, Integer> perName = new HashMap<>();
    /** Per name, the pending records that concern it (as sender, recipient or registered name). */
    private final Map<MinerName, Integer> involvement = new HashMap<>();
    private Accounts view;
    private long accepted;
    private long dropped;

    /**
     * @param confirmed the chain's accounts after its tip, as the loop's chain keeps them (read only)
     * @param ledger    where statuses and views are published for readers
     */
    public Mempool(Supplier<ChainBalances> confirmed, Ledger ledger) {
        this.confirmed = confirmed;
        this.ledger = ledger;
        this.view = confirmed.get().accounts().copy();
    }

    /** Records waiting. */
    public int size() {
        return pending.size();
    }

    /** Records accepted since the start, and dropped after a block. */
    public long accepted() {
        return accepted;
    }

    public long dropped() {
        return dropped;
    }

    /**
     * Checks a record against the pending view and, if it passes, queues it.
     *
     * @throws RejectedException naming the broken rule; nothing changed
     */
    public TxStatus offer(TxRecord record) throws RejectedException {
        String txid = record.txidHex();
        if (pending.containsKey(txid)) {
            throw new RejectedException(record instanceof Transfer ? Reason.BAD_NONCE : Reason.NAME_TAKEN,
                    "transaction " + txid + " is already pending");
        }
        if (pending.size() >= MAX_RECORDS) {
            throw new RejectedException(Reason.MEMPOOL_FULL, "the mempool holds " + MAX_RECORDS
                    + " records, its limit; try again after the next block");
        }
        MinerName owner = owner(record);
        if (perName.getOrDefault(owner, 0) >= MAX_PER_SENDER) {
            throw new RejectedException(Reason.MEMPOOL_FULL, owner + " has " + MAX_PER_SENDER
                    + " records pending, the limit per sender; try again after the next block");
        }
        if (record instanceof Transfer t) {
            checkSpendable(t);
        }
        long height = ledger.confirmedHeight(txid);
        try {
            view.apply(record); // atomic: on a rejection the view is unchanged
        } catch (RejectedException e) {
            if (height > 0) {
                throw new RejectedException(e.reason(), e.getMessage() + " (transaction " + txid
                        + " was confirmed in block " + height + ")");
            }
            throw e;
        }
        add(txid, record);
        accepted++;
        TxStatus status = TxStatus.pending(record);
        ledger.publishUnconfirmed(status);
        for (MinerName name : Ledger.names(record)) {
            ledger.remember(name, txid);
        }
        publishViews(Ledger.names(record));
        ledger.publishPendingCount(pending.size());
        return status;
    }

    /**
     * The stricter rule: at most the confirmed balance minus pending spends. Only asked once the chain's own rules
     * would let the transfer through up to the balance, so that an unknown sender or a wrong nonce is reported as
     * such rather than as a lack of funds.
     */
    private void checkSpendable(Transfer t) throws RejectedException {
        byte[] key = view.key(t.sender());
        if (key == null || t.amount() == 0 || t.sender().equals(t.recipient())
                || t.nonce() != view.lastNonce(t.sender()) + 1) {
            return; // the chain's rules refuse it, with their own reason
        }
        if (confirmed.get().accounts().key(t.sender()) == null && !t.signatureValid(key)) {
            // The HTTP side checked the signature only if the key was on the chain; a key that is pending is
            // checked here, so that a forgery is called one rather than a lack of funds.
            throw new RejectedException(Reason.BAD_SIGNATURE, "the signature does not verify under "
                    + t.sender() + "'s key");
        }
        long spendable = spendable(t.sender());
        if (t.amount() < 0 || t.amount() > spendable) {
            throw new RejectedException(Reason.INSUFFICIENT_FUNDS, t.sender() + " can spend "
                    + dev.minepool.protocol.ledger.Coins.format(spendable) + " (confirmed "
                    + dev.minepool.protocol.ledger.Coins.format(confirmed.get().accounts().balance(t.sender()))
                    + " minus pending spends), not " + dev.minepool.protocol.ledger.Coins.format(t.amount()));
        }
    }

    private long spendable(MinerName name) {
        return confirmed.get().accounts().balance(name) - pendingSpends.getOrDefault(name, 0L);
    }

    private void add(String txid, TxRecord record) {
        pending.put(txid, record);
        perName.merge(owner(record), 1, Integer::sum);
        for (MinerName name : Ledger.names(record)) {
            involvement.merge(name, 1, Integer::sum);
        }
        if (record instanceof Transfer t) {
            pendingSpends.merge(t.sender(), t.amount(), Long::sum);
        }
    }

    private void remove(TxRecord record) {
        MinerName owner = owner(record);
        perName.computeIfPresent(owner, (n, c) -> c == 1 ? null : c - 1);
        for (MinerName name : Ledger.names(record)) {
            involvement.computeIfPresent(name, (n, c) -> c == 1 ? null : c - 1);
        }
        if (record instanceof Transfer t) {
            pendingSpends.computeIfPresent(t.sender(), (n, s) -> s == t.amount() ? null : s - t.amount());
        }
    }

    /** The name a record counts against: its sender, or the name it registers. */
    private static MinerName owner(TxRecord record) {
        return record instanceof Transfer t ? t.sender() : ((NameRegistration) record).name();
    }

    /**
     * The pending records a job of {@code capacity} bytes for records takes: in arrival order, as many as fit,
     * stopping at the first that does not (so a block never holds a record without the ones before it).
     */
    public List<TxRecord> take(int capacity) {
        List<TxRecord> out = new ArrayList<>();
        int used = 0;
        for (TxRecord record : pending.values()) {
            if (used + record.length() > capacity) {
                break;
            }
            out.add(record);
            used += record.length();
        }
        return out;
    }

    /**
     * A block is on disk (and applied to the confirmed accounts): its records are confirmed and leave; the others
     * are re-checked in order against the new state.
     *
     * @param winner the block's winner, whose reward the confirmed accounts now hold
     */
    public void blockOnDisk(MinerName winner, List<TxRecord> records) {
        Set<MinerName> touched = new HashSet<>(ledger.pendingNames());
        boolean prefix = records.size() <= pending.size();
        Iterator<String> head = pending.keySet().iterator();
        for (TxRecord record : records) {
            prefix = prefix && head.hasNext() && head.next().equals(record.txidHex());
        }
        for (TxRecord record : records) {
            TxRecord was = pending.remove(record.txidHex());
            if (was != null) {
                remove(was);
            }
            ledger.forgetUnconfirmed(record.txidHex());
            touched.addAll(Ledger.names(record));
        }
        if (prefix && winner != null) {
            view.reward(winner); // view = old confirmed + all pending; the block moved a prefix of them and a reward
        } else {
            recheck(touched);
        }
        touched.add(winner);
        publishViews(touched);
        ledger.publishPendingCount(pending.size());
    }

    /** Rebuilds the view from the confirmed accounts, dropping every record that no longer passes. */
    private void recheck(Set<MinerName> touched) {
        List<TxRecord> waiting = new ArrayList<>(pending.values());
        pending.clear();
        pendingSpends.clear();
        perName.clear();
        involvement.clear();
        view = confirmed.get().accounts().copy();
        for (TxRecord record : waiting) {
            try {
                if (record instanceof Transfer t) {
                    checkSpendable(t);
                }
                view.apply(record);
                add(record.txidHex(), record);
            } catch (RejectedException e) {
                dropped++;
                ledger.publishUnconfirmed(TxStatus.dropped(record, e));
                touched.addAll(Ledger.names(record));
            }
        }
    }

    /** Publishes each name's view with its pending records, or none for a name with nothing pending. */
    private void publishViews(Iterable<MinerName> names) {
        for (MinerName name : names) {
            if (name == null) {
                continue;
            }
            ledger.publishPendingAccount(name, involvement.containsKey(name) ? viewOf(name) : null);
        }
    }

    private Ledger.PendingAccount viewOf(MinerName name) {
        Accounts chain = confirmed.get().accounts();
        byte[] key = chain.key(name);
        boolean keyPending = key == null && view.key(name) != null;
        return new Ledger.PendingAccount(chain.balance(name), spendable(name), view.balance(name),
                keyPending ? view.key(name) : key, keyPending, view.lastNonce(name) + 1,
                perName.getOrDefault(name, 0));
    }
}
