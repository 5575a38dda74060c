package dev.minepool.client.engine;

import dev.minepool.protocol.Message;
import dev.minepool.protocol.Protocol;
import java.util.ArrayList;
import java.util.List;

/** A half-open range of nonces {@code [first, end)}, with {@code 0 <= first <= end <= 2^32}. */
public record NonceRange(long first, long end) {
    public NonceRange {
        if (first < 0 || end < first || end > Protocol.NONCE_SPACE) {
            throw new IllegalArgumentException("[" + first + ", " + end + ") is not a range of u32 nonces");
        }
    }

    /** The slot of a task: {@code [slot * slotSize, slot * slotSize + slotSize)}. */
    public static NonceRange of(Message.Task task) {
        return new NonceRange(task.firstNonce(), task.endNonce());
    }

    public long size() {
        return end - first;
    }

    public boolean contains(long nonce) {
        return nonce >= first && nonce < end;
    }

    /**
     * Splits the range into {@code parts} contiguous, disjoint ranges that together cover it exactly, sizes
     * differing by at most one: how a miner shares a slot among its threads without gaps or overlap.
     */
    public List<NonceRange> split(int parts) {
        if (parts < 1) {
            throw new IllegalArgumentException("cannot split into " + parts + " parts");
        }
        List<NonceRange> result = new ArrayList<>(parts);
        long base = size() / parts;
        long extra = size() % parts;
        long start = first;
        for (int i = 0; i < parts; i++) {
            long length = base + (i < extra ? 1 : 0);
            result.add(new NonceRange(start, start + length));
            start += length;
        }
        return result;
    }

    @Override
    public String toString() {
        return String.format("[0x%08x, 0x%09x)", first, end);
    }
}
