package dev.minepool.server.ledger;

import dev.minepool.protocol.ledger.Accounts;
import dev.minepool.protocol.ledger.TxRecord;

/**
 * Where a record stands, as {@code GET /api/transactions/{txid}} shows it. Immutable.
 *
 * @param height confirmed only: the block that carries it; else 0
 * @param reason dropped only: the rule it broke when a block changed the state under it; else null
 * @param error  dropped only: the sentence saying how; else null
 */
public record TxStatus(String txid, TxRecord record, State state, long height, Accounts.Reason reason,
                       String error) {

    public enum State {
        PENDING, CONFIRMED, DROPPED;

        /** "pending": for JSON. */
        public String code() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    static TxStatus pending(TxRecord record) {
        return new TxStatus(record.txidHex(), record, State.PENDING, 0, null, null);
    }

    static TxStatus dropped(TxRecord record, Accounts.RejectedException why) {
        return new TxStatus(record.txidHex(), record, State.DROPPED, 0, why.reason(), why.getMessage());
    }
}
