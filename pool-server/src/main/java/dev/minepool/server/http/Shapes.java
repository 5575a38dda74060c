package dev.minepool.server.http;

import dev.minepool.server.status.PoolSnapshot;
import java.util.function.Supplier;

/** Reading the loop's snapshot from an HTTP thread, and the shapes every resource writes the same way. */
final class Shapes {
    private Shapes() {
    }

    /** The latest snapshot; a 503 before the loop has published one. */
    static PoolSnapshot require(Supplier<PoolSnapshot> snapshots) throws Exchanges.HttpError {
        PoolSnapshot s = snapshots.get();
        if (s == null) {
            throw new Exchanges.HttpError(503, "the pool is starting");
        }
        return s;
    }

    /** {@code {"1m":…,"5m":…,"15m":…}} in hashes a second. */
    static Json rates(Json json, PoolSnapshot.Rates rates) {
        return json.beginObject().field("1m", rates.m1()).field("5m", rates.m5()).field("15m", rates.m15())
                .endObject();
    }
}
