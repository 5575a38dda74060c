package dev.minepool.server.http;

import com.sun.net.httpserver.HttpExchange;
import dev.minepool.protocol.chain.DifficultyRule;
import dev.minepool.server.ledger.Ledger;
import dev.minepool.server.status.PoolSnapshot;
import java.io.IOException;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@code GET /api/pool}: the chain's tip, the difficulty (the current bits, the rule, its target block time and the
 * block time measured over the last blocks), who is connected, the hash rate, uptime and version, and the chain's
 * consensus rules as its file records them (the difficulty rule and the transactions height).
 */
final class PoolResource implements Exchanges.Resource {
    private final Supplier<PoolSnapshot> snapshots;
    private final Ledger ledger;
    private final String version;
    private final DifficultyRule rule;

    /** @param rule the chain's difficulty rule, as its file records it */
    PoolResource(Supplier<PoolSnapshot> snapshots, Ledger ledger, DifficultyRule rule, String version) {
        this.snapshots = snapshots;
        this.ledger = ledger;
        this.rule = rule;
        this.version = version;
    }

    @Override
    public void get(HttpExchange exchange) throws IOException, Exchanges.HttpError {
        PoolSnapshot s = Shapes.require(snapshots);
        Set<String> names = new HashSet<>();
        for (PoolSnapshot.ConnectionView c : s.connections()) {
            if (c.name() != null) {
                names.add(c.name());
            }
        }
        Json json = new Json().beginObject()
                .field("height", s.tipHeight())
                .field("tipHash", s.tipHash())
                .field("miningHeight", s.height())
                .field("zeroBits", s.zeroBits())
                .field("difficultyRule", s.difficulty().rule())
                .field("fractionalBits", s.difficulty().fractionalBits());
        if (s.difficulty().targetMillis() > 0) {
            json.field("targetBlockTimeSeconds", s.difficulty().targetMillis() / 1000.0);
        } else {
            json.name("targetBlockTimeSeconds").nullValue();
        }
        if (s.difficulty().measuredMillis() >= 0) {
            json.field("measuredBlockTimeSeconds", s.difficulty().measuredMillis() / 1000.0);
        } else {
            json.name("measuredBlockTimeSeconds").nullValue();
        }
        json.field("measuredOverBlocks", s.difficulty().measuredBlocks())
                .field("chainWork", s.difficulty().chainWork().toString())
                .field("slotSize", s.slotSize())
                .field("minersConnected", names.size())
                .field("connections", s.connections().size());
        // As of now: an idle pool's snapshot can be a minute old, and its rates must be seen to fall.
        Shapes.rates(json.name("hashRate"), s.hashRateAt(System.currentTimeMillis()));
        json.field("blocksFound", ledger.height())
                .field("blocksThisRun", s.blocksThisRun())
                .field("startedAt", Instant.ofEpochMilli(s.startedAtMillis()).toString())
                // Now, not the snapshot's time: an idle pool publishes no snapshot for up to a minute.
                .field("uptimeSeconds", Math.max(0, System.currentTimeMillis() - s.startedAtMillis()) / 1000.0)
                .field("version", version)
                .field("pendingTransactions", ledger.pendingCount());
        // Everything a verifier needs to re-run the consensus rules over /api/blocks.
        json.name("rules").beginObject().name("difficulty").beginObject()
                .field("rule", rule.retargets() ? "retarget" : "fixed")
                .field("startBits", rule.startBits())
                .field("targetBlockTimeMs", rule.retargets() ? rule.targetMillis() : 0)
                .field("tauMs", rule.retargets() ? rule.tauMillis() : 0)
                .field("firstHeight", rule.firstHeight())
                .endObject()
                .field("transactionsFromHeight", ledger.transactionsFrom())
                .endObject();
        json.endObject();
        Exchanges.json(exchange, 200, json.toString());
    }
}
