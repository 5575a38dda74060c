package dev.minepool.server.rules;

import dev.minepool.protocol.Message;
import java.nio.ByteBuffer;

/**
 * One job: a block candidate's data, cut into slots of nonces that are handed out one per {@code G}, each once.
 * Sibling jobs of the same height ({@link Round}) differ in their extra-nonce and so in their data.
 */
final class Job {
    final int number;
    final Round round;
    final long extraNonce;
    /** Exactly what miners were sent; never modified, because a nonce is verified against these bytes. */
    final byte[] data;
    /**
     * The same bytes, once, outside the heap and read-only: every miner's T is written from it with no copy per
     * miner (10,000 T's a round would otherwise be 20 MB of copies and garbage). Its position is the writer's to
     * move and restore.
     */
    final ByteBuffer wire;
    /** The {@code I} every holder of a slot of this job is sent when its height is won: one per job, not per miner. */
    final Message.Invalidated invalidated;
    private final int slotCount;
    private int nextSlot;

    Job(int number, Round round, long extraNonce, byte[] data, int slotCount) {
        this.number = number;
        this.round = round;
        this.extraNonce = extraNonce;
        this.data = data;
        this.wire = ByteBuffer.allocateDirect(data.length).put(data).flip().asReadOnlyBuffer();
        this.invalidated = new Message.Invalidated(number);
        this.slotCount = slotCount;
    }

    /** Slots handed out so far. */
    int slotsGiven() {
        return nextSlot;
    }

    int slotCount() {
        return slotCount;
    }

    boolean hasFreeSlot() {
        return nextSlot < slotCount;
    }

    /** The next unused slot; call only while {@link #hasFreeSlot()}. */
    int takeSlot() {
        if (!hasFreeSlot()) {
            throw new IllegalStateException("job " + number + " has no free slot");
        }
        return nextSlot++;
    }

    /** The data to write for a T: this job's shared buffer, rewound. */
    ByteBuffer wireData() {
        return wire.clear();
    }
}
