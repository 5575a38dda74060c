package dev.minepool.server.rules;

import dev.minepool.protocol.Message;

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
    private final int slotCount;
    private int nextSlot;

    Job(int number, Round round, long extraNonce, byte[] data, int slotCount) {
        this.number = number;
        this.round = round;
        this.extraNonce = extraNonce;
        this.data = data;
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

    Message.Task task(int slot, long slotSize, int zeroBits) {
        return new Message.Task(number, slot, slotSize, zeroBits, data);
    }
}
