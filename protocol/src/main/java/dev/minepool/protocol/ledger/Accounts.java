package dev.minepool.protocol.ledger;

import dev.minepool.protocol.MinerName;
import java.util.Map;

/**
 * The ledger's state and its rules (the consensus rules of PROTOCOL.md, "Transactions"): per name a balance in
 * base units, the bound key if any, and the last transfer nonce. The pool, {@code server chain} and
 * {@code client verify} all apply blocks through this one class, so they cannot disagree. Not thread-safe:
 * one owner, or {@link #copy()}.
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

    public Accounts() {
    }

    public Accounts copy() { throw new UnsupportedOperationException("TODO"); }

    /** Checks {@code record} against this state without changing it. */
    public void check(TxRecord record) throws RejectedException { throw new UnsupportedOperationException("TODO"); }

    /** Checks and applies. */
    public void apply(TxRecord record) throws RejectedException { throw new UnsupportedOperationException("TODO"); }

    /** Credits a block's reward ({@link Coins#BLOCK_REWARD}) to its winner. */
    public void reward(MinerName winner) { throw new UnsupportedOperationException("TODO"); }

    /**
     * One block: its records in order (if {@code withTransactions}, i.e. the chain carries regions from this
     * height), then the reward. Atomic: on an exception the state is unchanged.
     *
     * @throws MalformedTxException the region does not parse
     * @throws RejectedException    a record breaks a rule (the message names its index in the block)
     */
    public void applyBlock(byte[] data, MinerName winner, boolean withTransactions)
            throws MalformedTxException, RejectedException {
        throw new UnsupportedOperationException("TODO");
    }

    public long balance(MinerName name) { throw new UnsupportedOperationException("TODO"); }

    /** The bound raw public key, or null. */
    public byte[] key(MinerName name) { throw new UnsupportedOperationException("TODO"); }

    /** The last transfer nonce the chain has from this sender (0 before its first). */
    public long lastNonce(MinerName name) { throw new UnsupportedOperationException("TODO"); }

    /** Every name with a balance, a key or a nonce, in name order; balances in base units. */
    public Map<MinerName, Long> balances() { throw new UnsupportedOperationException("TODO"); }
}
