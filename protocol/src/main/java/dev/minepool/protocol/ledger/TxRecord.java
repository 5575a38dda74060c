package dev.minepool.protocol.ledger;

import java.nio.ByteBuffer;

/**
 * A record of the ledger, carried inside a job's data (see {@link TxRegion}) and so inside a block: a name
 * registration ({@code N}) or a transfer ({@code X}). Fixed layouts, big-endian, drawn on each record and in
 * PROTOCOL.md, "Transactions". A record that exists is well formed (lengths, names); whether it may apply is
 * {@link Accounts}' question.
 */
public sealed interface TxRecord permits NameRegistration, Transfer {

    /** The kind byte: {@code 'N'} (0x4E) or {@code 'X'} (0x58). */
    byte kind();

    /** The whole record as it is carried, {@link #length()} bytes. */
    byte[] toBytes();

    /** The record's length in bytes: 107 for N, 101 for X. */
    int length();

    /** The transaction id: SHA-256 of {@link #toBytes()}. */
    byte[] txid();

    /** The transaction id as 64 lower-case hex digits. */
    String txidHex();

    /**
     * Reads one record at the buffer's position and advances past it.
     *
     * @throws MalformedTxException naming what is wrong (unknown kind, too few bytes, a bad name)
     */
    static TxRecord read(ByteBuffer src) throws MalformedTxException {
        throw new UnsupportedOperationException("TODO");
    }

    /** Exactly one record, all of {@code bytes} (what {@code POST /api/transactions} takes, as hex). */
    static TxRecord decode(byte[] bytes) throws MalformedTxException {
        throw new UnsupportedOperationException("TODO");
    }
}
