package dev.minepool.server.loop;

import dev.minepool.protocol.Direction;
import dev.minepool.protocol.MessageType;
import dev.minepool.server.PoolConfig;
import dev.minepool.server.chain.Block;
import dev.minepool.server.rules.Miner;
import dev.minepool.server.rules.Referee;
import dev.minepool.server.status.Histogram;
import dev.minepool.server.status.PoolSnapshot;
import dev.minepool.server.status.PoolSummary;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The loop's counters, and the immutable {@link PoolSnapshot}s built from them and the rules: published while
 * anything changes at most every {@value #PUBLISH_EVERY_MILLIS} ms or 0.1 ms per open connection, whichever is
 * longer (1 s at 10,000), at once on every block, and once more at the end; the summary line is logged from them
 * too. Event-loop thread only.
 */
final class Snapshots {
    static final long PUBLISH_EVERY_MILLIS = 250;
    private static final long PUBLISH_EVERY = Duration.ofMillis(PUBLISH_EVERY_MILLIS).toNanos();
    /**
     * Beyond {@value #PUBLISH_EVERY_MILLIS} ms, this much more time between snapshots per open connection: a
     * snapshot walks every connection on the loop's thread and makes garbage in proportion, and readers then walk
     * it again, so at 10,000 connections they come once a second rather than four times (a block still publishes
     * one at once).
     */
    private static final long PUBLISH_EVERY_PER_CONNECTION = Duration.ofNanos(100_000).toNanos();

    long accepted;
    long refusedFull;
    long refusedHost;
    long violations;
    long noGetWork;
    long notReading;
    long internalErrors;
    private final long[] received = new long[MessageType.values().length];
    private final long[] sent = new long[MessageType.values().length];
    private final long[] closed = new long[CloseReason.values().length];
    private final Histogram getWorkToTask = new Histogram();
    private final Histogram fanOut = new Histogram();

    private final PoolConfig config;
    private final Referee referee;
    private final Selector selector;
    private final Consumer<PoolSnapshot> publish;
    private final long startedAtMillis = System.currentTimeMillis();
    private final ArrayDeque<PoolSnapshot.BlockView> blocks = new ArrayDeque<>();
    private final long summaryEvery;
    private PoolSummary summary;
    private long sequence;
    private boolean dirty;
    private long lastPublish;
    private long nextSummary;

    Snapshots(PoolConfig config, Referee referee, Selector selector, Consumer<PoolSnapshot> publish) {
        this.config = config;
        this.referee = referee;
        this.selector = selector;
        this.publish = publish;
        this.summaryEvery = config.summaryInterval().toNanos();
    }

    void start(long now) {
        summary = new PoolSummary(publish(now, false));
        nextSummary = now + summaryEvery;
    }

    void changed() {
        dirty = true;
    }

    void received(MessageType type) {
        received[type.ordinal()]++;
        dirty = true;
    }

    void sent(MessageType type) {
        sent[type.ordinal()]++;
    }

    void closed(CloseReason reason) {
        closed[reason.ordinal()]++;
        dirty = true;
    }

    void getWorkToTask(long nanos) {
        getWorkToTask.record(nanos);
    }

    void fanOut(long nanos) {
        fanOut.record(nanos);
    }

    void blockMined(Block block, long now) {
        HexFormat hex = HexFormat.of();
        blocks.addFirst(new PoolSnapshot.BlockView(block.height(), hex.formatHex(block.hash()),
                hex.formatHex(block.previousHash()), block.nonce(), block.zeroBits(), block.winner(),
                block.foundAtMillis(), block.millisToMine()));
        if (blocks.size() > PoolSnapshot.RECENT_BLOCKS) {
            blocks.removeLast();
        }
        publish(now, false);
    }

    /**
     * Publishes if due, and logs the summary if due (or {@code last}: the final snapshot, with no summary).
     *
     * @return whether a summary line was logged
     */
    boolean tick(long now, boolean last) {
        if (last) {
            publish(now, true);
            return false;
        }
        if (now - nextSummary >= 0) {
            config.log().info(summary.line(publish(now, false)));
            nextSummary = now + summaryEvery;
            return true;
        }
        if (dirty && now - lastPublish >= publishEvery()) {
            publish(now, false);
        }
        return false;
    }

    /** When {@link #tick} has something to do next (System.nanoTime). */
    long nextDue() {
        return dirty ? Math.min(nextSummary, lastPublish + publishEvery()) : nextSummary;
    }

    private long publishEvery() {
        return Math.max(PUBLISH_EVERY, selector.keys().size() * PUBLISH_EVERY_PER_CONNECTION);
    }

    private PoolSnapshot publish(long now, boolean stopped) {
        List<PoolSnapshot.ConnectionView> connections = new ArrayList<>(selector.keys().size());
        for (SelectionKey key : selector.keys()) {
            if (key.attachment() instanceof Connection c && c.open()) {
                Miner m = c.miner;
                connections.add(new PoolSnapshot.ConnectionView(m.id(), m.address(),
                        m.name() == null ? null : m.name().value(), c.state.name(), m.connectedAtMillis(),
                        m.lastSeenMillis(), m.slotsGiven(), m.slotsSearched(), m.blocksWon(), m.rejects(),
                        PoolSnapshot.Rates.of(m.hashRate(now))));
            }
        }
        Map<String, Long> in = new LinkedHashMap<>();
        Map<String, Long> out = new LinkedHashMap<>();
        for (MessageType type : MessageType.values()) {
            (type.direction() == Direction.CLIENT_TO_SERVER ? in : out).put(String.valueOf(type.letter()),
                    type.direction() == Direction.CLIENT_TO_SERVER ? received[type.ordinal()] : sent[type.ordinal()]);
        }
        Map<String, Long> closes = new LinkedHashMap<>();
        for (CloseReason reason : CloseReason.values()) {
            closes.put(reason.label(), closed[reason.ordinal()]);
        }
        PoolSnapshot.Traffic traffic = new PoolSnapshot.Traffic(in, out, closes, getWorkToTask.view(),
                fanOut.view());
        var tip = referee.tip();
        PoolSnapshot snapshot = new PoolSnapshot(++sequence, System.currentTimeMillis(), startedAtMillis,
                tip.height(), tip.hashHex(), referee.height(), referee.heightStartedAtMillis(), referee.zeroBits(),
                config.slotSize(), PoolSnapshot.DifficultyView.of(referee.difficulty()), referee.holders(), referee.jobs(), connections, new ArrayList<>(blocks), referee.totals(),
                new PoolSnapshot.LoopTotals(accepted, refusedFull, refusedHost, violations, noGetWork, notReading,
                        internalErrors), PoolSnapshot.Rates.of(referee.hashRate(now)), traffic, stopped);
        dirty = false;
        lastPublish = now;
        publish.accept(snapshot);
        return snapshot;
    }
}
