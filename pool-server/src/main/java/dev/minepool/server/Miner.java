package dev.minepool.server;

import dev.minepool.protocol.Direction;
import dev.minepool.protocol.MessageDecoder;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;

/**
 * One miner's connection, attached to its {@link SelectionKey} and touched only by the event-loop thread.
 *
 * <p>Kept small, because a pool holds thousands: no buffer of its own until it has bytes waiting to go out (the
 * loop shares one read buffer), and only the last few jobs it was given.
 */
final class Miner {
    /** How many of its latest jobs a connection may still submit for; older ones are unknown to it. */
    static final int RECENT_JOBS = 4;

    final SocketChannel channel;
    final String address;
    final MessageDecoder decoder = new MessageDecoder(Direction.CLIENT_TO_SERVER);
    /** When it must have sent G (System.nanoTime), or be closed. */
    final long getWorkDeadline;
    SelectionKey key;
    /** The name from its latest G; null until the first. */
    String name;
    /** The job of the slot it was given last, named in the I it gets when that height is won. */
    Job lastJob;
    /** The round whose holders include it. */
    Round holding;
    /** It was sent a T and no A, R or I since, so a G now means it searched the whole slot. */
    boolean searching;
    private final Job[] recent = new Job[RECENT_JOBS];
    private ArrayDeque<ByteBuffer> outgoing;
    int queuedBytes;
    /** Q is queued: close once the queue is written. */
    boolean closeWhenFlushed;
    boolean closed;

    Miner(SocketChannel channel, String address, long getWorkDeadline) {
        this.channel = channel;
        this.address = address;
        this.getWorkDeadline = getWorkDeadline;
    }

    /**
     * Remembers a job given to this connection. A job with the same number given earlier is forgotten: after a
     * wrap the number means what this connection was told last, and nothing else.
     */
    void given(Job job) {
        for (int i = 0; i < recent.length; i++) {
            if (recent[i] != null && recent[i].number == job.number) {
                recent[i] = null;
            }
        }
        int j = 0;
        for (int i = 0; i < recent.length; i++) {
            if (recent[i] != null) {
                recent[j++] = recent[i];
            }
        }
        // newest first; the oldest falls off the end when all are taken
        System.arraycopy(recent, 0, recent, 1, recent.length - 1);
        recent[0] = job;
        for (int i = j + 1; i < recent.length; i++) {
            recent[i] = null;
        }
        lastJob = job;
    }

    /** The job with this number that this connection was given, or null if it was given none (recently). */
    Job recentJob(int number) {
        for (Job job : recent) {
            if (job != null && job.number == number) {
                return job;
            }
        }
        return null;
    }

    ArrayDeque<ByteBuffer> outgoing() {
        if (outgoing == null) {
            outgoing = new ArrayDeque<>(4);
        }
        return outgoing;
    }

    boolean hasOutgoing() {
        return outgoing != null && !outgoing.isEmpty();
    }

    /** For log lines: {@code miner alice (127.0.0.1:5555)}, or the address alone before the first G. */
    String who() {
        return name == null ? address : "miner " + name + " (" + address + ")";
    }
}
