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
    /**
     * Pending records not yet forced to the {@link MempoolFile}: no job takes them, so no block carries a record
     * whose sender may yet hear that the pool could not store it.
     */
    private final Set<String> unstored = new HashSet<>();
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
     * Checks a record against the pending view and, if it passes, queues it, as stored (for a pool without a
     * mempool file, and tests).
     *
     * @throws RejectedException naming the broken rule; nothing changed
     */
    public TxStatus offer(TxRecord record) throws RejectedException {
        return offer(record, true);
    }

    /**
     * Checks a record against the pending view and, if it passes, queues it. A record not yet {@code stored} is
     * pending (its status says so, and later records may build on it) but no job takes it until {@link #stored}.
     *
     * @throws RejectedException naming the broken rule; nothing changed
     */
    public TxStatus offer(TxRecord record, boolean stored) throws RejectedException {
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
        if (!stored) {
            unstored.add(txid);
        }
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
        for (Map.Entry<String, TxRecord> e : pending.entrySet()) {
            TxRecord record = e.getValue();
            if (used + record.length() > capacity || unstored.contains(e.getKey())) {
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
            unstored.remove(record.txidHex());
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
                unstored.remove(record.txidHex());
                ledger.publishUnconfirmed(TxStatus.dropped(record, e));
                touched.addAll(Ledger.names(record));
            }
        }
    }

    /** The writer forced these records: jobs may take them now. */
    public void stored(List<TxRecord> records) {
        for (TxRecord record : records) {
            unstored.remove(record.txidHex());
        }
    }

    /**
     * The writer could not store these records, and their senders are told so: they leave, as if never accepted
     * (their txids are unknown again), and the rest are re-checked, since a later record may have built on one of
     * them. No job carried them ({@link #take} stops at the first record not stored).
     */
    public void withdraw(List<TxRecord> records) {
        Set<MinerName> touched = new HashSet<>(ledger.pendingNames());
        boolean any = false;
        for (TxRecord record : records) {
            if (pending.remove(record.txidHex()) != null) {
                any = true;
                unstored.remove(record.txidHex());
                ledger.forgetUnconfirmed(record.txidHex());
                touched.addAll(Ledger.names(record));
            }
        }
        if (!any) {
            return;
        }
        recheck(touched);
        publishViews(touched);
        ledger.publishPendingCount(pending.size());
    }

    /** The pending records in order, an immutable copy: what a rewrite of the mempool file keeps. */
    public List<TxRecord> pendingRecords() {
        return List.copyOf(pending.values());
    }

    /**
     * The signature checks {@code POST /api/transactions} makes on its own thread before a record reaches the
     * loop: a registration's signature under its own key, a transfer's under its sender's key when the chain has
     * bound one (a key still pending is checked by {@link #offer}).
     *
     * @param confirmedKey the chain's key of a name, or null
     */
    public static void precheckSignature(TxRecord record, java.util.function.Function<MinerName, byte[]> confirmedKey)
            throws RejectedException {
        if (record instanceof NameRegistration n && !n.signatureValid()) {
            throw new RejectedException(Reason.BAD_SIGNATURE, "the signature does not verify under the key the"
                    + " registration of " + n.name() + " carries");
        }
        if (record instanceof Transfer t) {
            byte[] key = confirmedKey.apply(t.sender());
            if (key != null && !t.signatureValid(key)) {
                throw new RejectedException(Reason.BAD_SIGNATURE, "the signature does not verify under the key"
                        + " bound to " + t.sender());
            }
        }
    }

    /**
     * What a restart made of the mempool file's records.
     *
     * @param kept      the records pending again, in order (what the rewritten file holds)
     * @param confirmed heights of the blocks that carry records confirmed meanwhile, one per record
     * @param dropped   per rule broken, how many records now fail it
     * @param repeated  records found twice in the file (a record sent again after it was dropped), kept once
     */
    public record Restored(List<TxRecord> kept, List<Long> confirmed, Map<Reason, Integer> dropped, int repeated) {
        public int droppedTotal() {
            return confirmed.size() + dropped.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    /**
     * Offers each record of the mempool file, in order, exactly as a fresh POST would be checked (signature, then
     * the mempool's rules), as stored. A record now in a block, or that breaks a rule, is dropped (the latter
     * shows as dropped, with its reason).
     */
    public Restored restore(List<TxRecord> records) {
        List<TxRecord> kept = new ArrayList<>();
        List<Long> confirmedIn = new ArrayList<>();
        Map<Reason, Integer> droppedBy = new java.util.EnumMap<>(Reason.class);
        int repeated = 0;
        for (TxRecord record : records) {
            String txid = record.txidHex();
            if (pending.containsKey(txid)) {
                repeated++;
                continue;
            }
            long height = ledger.confirmedHeight(txid);
            if (height > 0) {
                confirmedIn.add(height);
                continue;
            }
            try {
                precheckSignature(record, name -> confirmed.get().accounts().key(name));
                offer(record, true);
                kept.add(record);
            } catch (RejectedException e) {
                droppedBy.merge(e.reason(), 1, Integer::sum);
                dropped++;
                ledger.publishUnconfirmed(TxStatus.dropped(record, e));
            }
        }
        return new Restored(List.copyOf(kept), List.copyOf(confirmedIn), droppedBy, repeated);
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
