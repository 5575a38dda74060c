package dev.minepool.protocol.ledger;

import dev.minepool.protocol.MinerName;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The ledger's state and its rules (the consensus rules of PROTOCOL.md, "Transactions"): per name a balance in
 * base units, the bound key if any, and the last transfer nonce. The pool, {@code server chain} and
 * {@code client verify} all apply blocks through this one class, so they cannot disagree. Not thread-safe:
 * one owner, or {@link #copy()}.
 *
 * <p>The rules, in the order they are checked (so the reason a record gets is the first it breaks):
 * <ul>
 *   <li>{@code N}: the signature verifies under the record's own key (BAD_SIGNATURE); the name has no key yet
 *       (NAME_TAKEN).</li>
 *   <li>{@code X}: the sender has a key (UNKNOWN_SENDER); the signature verifies under it (BAD_SIGNATURE), so a
 *       record nobody signed learns nothing more; amount &gt; 0 (ZERO_AMOUNT); recipient is not the sender
 *       (SELF_TRANSFER); nonce = last + 1 (BAD_NONCE); amount, as a u64, at most the balance
 *       (INSUFFICIENT_FUNDS).</li>
 * </ul>
 * A transfer moves exactly its amount: the sender loses it, the recipient gains it. Only {@link #reward} creates
 * coins, so the sum of all balances is always (blocks applied) × {@link Coins#BLOCK_REWARD}.
 */
public final class Accounts {

    /** Why a record may not apply; {@link #code()} is what the HTTP API and logs say. */
    public enum Reason {
        MALFORMED("malformed"),
        BAD_SIGNATURE("bad signature"),
        NAME_TAKEN("name taken"),
        UNKNOWN_SENDER("unknown sender"),
        ZERO_AMOUNT("amount must be more than zero"),
        BAD_NONCE("bad nonce"),
        INSUFFICIENT_FUNDS("insufficient funds"),
        SELF_TRANSFER("sender and recipient are the same"),
        MEMPOOL_FULL("mempool full");

        private final String text;

        Reason(String text) {
            this.text = text;
        }

        /** "bad-signature": stable, for JSON. */
        public String code() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }

        /** "bad signature": for people. */
        public String text() {
            return text;
        }
    }

    /** A record that may not apply, with the reason and a sentence saying exactly what (expected nonce 4, got 6). */
    public static final class RejectedException extends Exception {
        private static final long serialVersionUID = 1L;
        private final Reason reason;

        public RejectedException(Reason reason, String detail) {
            super(detail);
            this.reason = reason;
        }

        public Reason reason() {
            return reason;
        }
    }

    /**
     * One name's state; immutable, so a copy of the map is a copy of the ledger.
     *
     * @param key raw 32 bytes or null; never handed out without a copy
     */
    private record Account(long balance, byte[] key, long lastNonce) {
        static final Account EMPTY = new Account(0, null, 0);

        Account withBalance(long newBalance) {
            return new Account(newBalance, key, lastNonce);
        }
    }

    private final Map<MinerName, Account> accounts;
    /** While a block applies: each touched name's state before it (null: it had none). Else null. */
    private Map<MinerName, Account> undo;

    public Accounts() {
        this.accounts = new HashMap<>();
    }

    private Accounts(Map<MinerName, Account> accounts) {
        this.accounts = new HashMap<>(accounts);
    }

    public Accounts copy() {
        return new Accounts(accounts);
    }

    /** Checks {@code record} against this state without changing it. */
    public void check(TxRecord record) throws RejectedException {
        Objects.requireNonNull(record, "record");
        if (record instanceof NameRegistration n) {
            checkRegistration(n);
        } else {
            checkTransfer((Transfer) record);
        }
    }

    private void checkRegistration(NameRegistration n) throws RejectedException {
        if (!n.signatureValid()) {
            throw new RejectedException(Reason.BAD_SIGNATURE, "the registration of " + n.name() + " is not signed"
                    + " by the key it binds");
        }
        byte[] bound = state(n.name()).key;
        if (bound != null) {
            throw new RejectedException(Reason.NAME_TAKEN, n.name() + " is already bound to key "
                    + TxRecord.hex(bound));
        }
    }

    private void checkTransfer(Transfer x) throws RejectedException {
        Account sender = state(x.sender());
        if (sender.key == null) {
            throw new RejectedException(Reason.UNKNOWN_SENDER, x.sender() + " has no key: a name spends only"
                    + " after an N binds it");
        }
        if (!x.signatureValid(sender.key)) {
            throw new RejectedException(Reason.BAD_SIGNATURE, "the transfer is not signed by " + x.sender()
                    + "'s key " + TxRecord.hex(sender.key));
        }
        if (x.amount() == 0) {
            throw new RejectedException(Reason.ZERO_AMOUNT, "a transfer of 0 moves nothing");
        }
        if (x.recipient().equals(x.sender())) {
            throw new RejectedException(Reason.SELF_TRANSFER, x.sender() + " sends to itself");
        }
        if (sender.lastNonce == -1L || x.nonce() != sender.lastNonce + 1) {
            throw new RejectedException(Reason.BAD_NONCE, "expected nonce "
                    + (sender.lastNonce == -1L ? "none (the nonces are used up)"
                    : Long.toUnsignedString(sender.lastNonce + 1)) + " from " + x.sender() + ", got "
                    + Long.toUnsignedString(x.nonce()));
        }
        // compareUnsigned: an amount with the top bit set is more than 2^63 units, which no balance holds.
        if (Long.compareUnsigned(x.amount(), sender.balance) > 0) {
            throw new RejectedException(Reason.INSUFFICIENT_FUNDS, x.sender() + " has " + Coins.format(
                    sender.balance) + " coins, the transfer needs " + x.amountCoins());
        }
    }

    /** Checks and applies. */
    public void apply(TxRecord record) throws RejectedException {
        check(record);
        if (record instanceof NameRegistration n) {
            Account was = state(n.name());
            put(n.name(), new Account(was.balance, n.publicKey(), was.lastNonce));
        } else {
            Transfer x = (Transfer) record;
            Account sender = state(x.sender());
            put(x.sender(), new Account(sender.balance - x.amount(), sender.key, x.nonce()));
            Account recipient = state(x.recipient());
            // Cannot overflow: every balance together is at most the coins ever rewarded (see reward).
            put(x.recipient(), recipient.withBalance(recipient.balance + x.amount()));
        }
    }

    /** Credits a block's reward ({@link Coins#BLOCK_REWARD}) to its winner. */
    public void reward(MinerName winner) {
        Objects.requireNonNull(winner, "winner");
        Account was = state(winner);
        // addExact: 9.2e10 blocks would overflow a long; fail loudly rather than wrap, however far off that is.
        put(winner, was.withBalance(Math.addExact(was.balance, Coins.BLOCK_REWARD)));
    }

    /**
     * One block: its records in order (if {@code withTransactions}, i.e. the chain carries regions from this
     * height), then the reward. Atomic: on an exception the state is unchanged.
     *
     * @throws MalformedTxException the region does not parse
     * @throws RejectedException    a record breaks a rule (the message names its index in the block)
     */
    public void applyBlock(byte[] data, MinerName winner, boolean withTransactions)
            throws MalformedTxException, RejectedException {
        Objects.requireNonNull(winner, "winner");
        List<TxRecord> records = withTransactions ? TxRegion.read(data) : List.of();
        applyBlock(records, winner);
    }

    /** {@link #applyBlock(byte[], MinerName, boolean)} for records already read: in order, then the reward. */
    public void applyBlock(List<? extends TxRecord> records, MinerName winner) throws RejectedException {
        Objects.requireNonNull(winner, "winner");
        undo = new HashMap<>();
        boolean done = false;
        try {
            for (int i = 0; i < records.size(); i++) {
                TxRecord record = records.get(i);
                try {
                    apply(record);
                } catch (RejectedException e) {
                    throw new RejectedException(e.reason(), "record " + i + " of " + records.size() + " ("
                            + (char) record.kind() + " " + record.txidHex() + "): " + e.reason().text() + ": "
                            + e.getMessage());
                }
            }
            reward(winner);
            done = true;
        } finally {
            if (!done) {
                for (Map.Entry<MinerName, Account> e : undo.entrySet()) {
                    if (e.getValue() == null) {
                        accounts.remove(e.getKey());
                    } else {
                        accounts.put(e.getKey(), e.getValue());
                    }
                }
            }
            undo = null;
        }
    }

    public long balance(MinerName name) {
        return state(name).balance;
    }

    /** The bound raw public key, or null. */
    public byte[] key(MinerName name) {
        byte[] key = state(name).key;
        return key == null ? null : key.clone();
    }

    /** The last transfer nonce the chain has from this sender (0 before its first). */
    public long lastNonce(MinerName name) {
        return state(name).lastNonce;
    }

    /** Every name with a balance, a key or a nonce, in name order; balances in base units. */
    public Map<MinerName, Long> balances() {
        Map<MinerName, Long> balances = new TreeMap<>();
        accounts.forEach((name, account) -> balances.put(name, account.balance));
        return Collections.unmodifiableMap(balances);
    }

    /** The sum of all balances in base units (the invariant: blocks applied × one coin). */
    public long total() {
        long total = 0;
        for (Account account : accounts.values()) {
            total = Math.addExact(total, account.balance);
        }
        return total;
    }

    private Account state(MinerName name) {
        return accounts.getOrDefault(Objects.requireNonNull(name, "name"), Account.EMPTY);
    }

    private void put(MinerName name, Account account) {
        if (undo != null && !undo.containsKey(name)) {
            undo.put(name, accounts.get(name));
        }
        accounts.put(name, account);
    }
}
