package dev.minepool.server.rules;

import java.util.Arrays;

/**
 * The miners holding a slot of one round: the ones told {@code I} when it is won. Each {@code G} of a miner new
 * to the round adds it and each departure removes it, both in constant time and without garbage (a miner knows
 * its place, and the last one fills a gap); the fan-out walks one array in the order the miners asked. A miner
 * is among the holders of one round at a time, the one it is {@link Miner#holding}: a won round's holders are
 * walked once and dropped.
 *
 * <p>It replaced a {@code HashSet}, which at 10,000 miners made a node per {@code G} per round and grew its table
 * from 16 buckets every round, so 9 MB of garbage per 13 rounds in a herd, and whose walk chased a node per miner.
 */
final class Holders {
    private Miner[] miners;
    private int size;

    /** @param expected how many to make room for at once: the last round's holders, say */
    Holders(int expected) {
        miners = new Miner[Math.max(16, expected)];
    }

    int size() {
        return size;
    }

    /** Adds a miner that holds no slot of this round yet. */
    void add(Miner miner) {
        if (size == miners.length) {
            miners = Arrays.copyOf(miners, size * 2);
        }
        miner.holderIndex = size;
        miners[size++] = miner;
    }

    /** Removes a miner added to these holders (and to no other's since). */
    void remove(Miner miner) {
        int i = miner.holderIndex;
        if (i < 0 || i >= size || miners[i] != miner) {
            return;
        }
        Miner last = miners[--size];
        miners[i] = last;
        last.holderIndex = i;
        miners[size] = null;
        miner.holderIndex = -1;
    }

    /** The {@code i}th holder, {@code 0 <= i < size()}. */
    Miner get(int i) {
        return miners[i];
    }
}
