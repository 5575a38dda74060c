package dev.minepool.client.verify;

import dev.minepool.client.api.ApiException;
import dev.minepool.client.api.JsonValue;
import dev.minepool.client.api.PoolApi;
import dev.minepool.protocol.MinerName;
import dev.minepool.protocol.chain.DifficultyRule;
import dev.minepool.protocol.ledger.Coins;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * One pool watched by one verifier: each {@link #run()} brings the local copy up to the height of the pool's
 * balances, checking every new block, and compares the pool's balances with the chain's. The first run also
 * re-checks every block already in the copy; later runs of the same object (the miner's {@code --verify}) go on
 * from where the last one stopped.
 *
 * <p>The balances are read first and the copy is brought to exactly their height, so both sides are compared at
 * the same block while the pool keeps mining. If the pool's block at the copy's tip is not the copy's, or the
 * pool has no such block, the pool's chain was reset or replaced: the copy is emptied and downloaded again, and a
 * note says so.
 *
 * <p>A pool tells its miners of a block ({@code A}, {@code I}) before its API shows it, so a check that follows a
 * block heard of may ask for a height ({@link #run(long, Duration)}) and wait a little for the API to reach it.
 */
public final class ChainCheck implements AutoCloseable {
    /** How often a pool whose balances lag its blocks is asked again before that counts as a disagreement. */
    private static final int LAGGING_BALANCE_TRIES = 10;
    /** How long between two of those asks. */
    private static final long LAGGING_BALANCE_POLL_MILLIS = 200;
    /** How often the balances are compared before a disagreement is reported (see {@link #run}). */
    static final int COMPARE_TRIES = 3;
    /** Blocks asked for in one request: the most {@code /api/blocks} lists at once. */
    static final int BATCH = 500;
    /** How long between two asks while waiting for a height: the pool publishes a block within a millisecond. */
    private static final long HEIGHT_POLL_MILLIS = 100;

    private final PoolApi api;
    private final Path copyFile;
    private final Consumer<String> notes;
    /** Whether the pool lists blocks with their data; once it did not, blocks are asked for one by one. */
    private boolean batches = true;
    private ChainVerifier verifier;
    private ChainCopy copy;

    /**
     * @param notes receives a line for each thing worth knowing that is not a verdict (a torn copy cut, a reset)
     */
    public ChainCheck(PoolApi api, Path copyFile, Consumer<String> notes) {
        this.api = api;
        this.copyFile = copyFile;
        this.notes = notes;
    }

    /**
     * What one run found, all of it agreeing.
     *
     * @param height      the height verified and compared at
     * @param tipHash     that block's hash
     * @param fromCopy    blocks read from the copy and checked again (first run only)
     * @param downloaded  blocks downloaded and checked in this run
     * @param accounts    accounts with coins
     * @param totalUnits  their coins, base units (= height blocks × the reward)
     */
    public record Outcome(long height, byte[] tipHash, long fromCopy, long downloaded, int accounts,
            long totalUnits) {
        /** {@code verified 42 blocks up to 000abc12…, balances agree (3 accounts, 42.00000000 coins)}. */
        public String summary() {
            String tip = HexFormat.of().formatHex(tipHash).substring(0, 12) + "…";
            return "verified " + height + (height == 1 ? " block" : " blocks") + " up to " + tip + ", balances agree ("
                    + accounts + (accounts == 1 ? " account, " : " accounts, ") + Coins.format(totalUnits)
                    + " coins)";
        }
    }

    public Outcome run() throws VerifyException, ChainCopy.Damaged, ApiException, IOException {
        return run(0, Duration.ZERO);
    }

    /**
     * {@link #run()}, once the pool's balances have reached {@code height}, or {@code wait} has passed: then at the
     * height they are at, which is no disagreement (the block may have come from another pool, a backup the miner
     * failed over to).
     */
    public Outcome run(long height, Duration wait) throws VerifyException, ChainCopy.Damaged, ApiException,
            IOException {
        long fromCopy = 0;
        if (verifier == null) {
            fromCopy = openCopy();
        }
        long deadline = System.nanoTime() + wait.toNanos();
        long downloaded = 0;
        Map<String, Long> ours;
        for (int attempt = 1; ; attempt++) {
            JsonValue balances = balancesFromOurTipOn(height, deadline);
            long balancesHeight = balances.get("height").longValue();
            while (verifier.height() < balancesHeight) {
                for (CopiedBlock block : fetch(verifier.height() + 1, balancesHeight)) {
                    verifier.add(block, System.currentTimeMillis()); // a bad block is never written to the copy
                    copy.append(block);
                    downloaded++;
                }
            }
            copy.flush();
            ours = nonZero(verifier.balances());
            try {
                compare(ours, theirs(balances), balancesHeight);
                break;
            } catch (VerifyException e) {
                // A pool that publishes its height and its balances apart can, while it mines, pair a height
                // with the balances of the block before: asked again, it agrees. A misstated balance stays.
                if (attempt == COMPARE_TRIES) {
                    throw e;
                }
            }
        }
        long total = ours.values().stream().mapToLong(Long::longValue).sum();
        long minted = Math.multiplyExact(verifier.height(), Coins.BLOCK_REWARD);
        if (total != minted) {
            throw VerifyException.disagreement(verifier.height(), "the chain's balances add up to "
                    + Coins.format(total) + " coins, but " + verifier.height() + " blocks minted "
                    + Coins.format(minted) + ": coins were created or lost");
        }
        return new Outcome(verifier.height(), verifier.tipHash(), fromCopy, downloaded, ours.size(), total);
    }

    /**
     * The pool's balances at the copy's tip or later, after making sure the pool's chain still holds the copy's
     * tip (else the copy is emptied: the pool's chain was reset or replaced).
     */
    private JsonValue balancesFromOurTipOn(long wanted, long deadline) throws ApiException, IOException,
            VerifyException {
        JsonValue balances = api.balances();
        long balancesHeight = balances.get("height").longValue();
        while (balancesHeight < wanted && System.nanoTime() - deadline < 0 && !Thread.currentThread().isInterrupted()) {
            pause(HEIGHT_POLL_MILLIS);
            balances = api.balances();
            balancesHeight = balances.get("height").longValue();
        }
        for (int tries = 1; balancesHeight < verifier.height(); tries++) {
            if (!poolHasOurTip()) {
                reset();
                return balances;
            }
            if (tries >= LAGGING_BALANCE_TRIES) {
                throw VerifyException.disagreement(verifier.height(), "the pool's balances stay at height "
                        + balancesHeight + ", behind its own block " + verifier.height());
            }
            pause(LAGGING_BALANCE_POLL_MILLIS);
            balances = api.balances();
            balancesHeight = balances.get("height").longValue();
        }
        if (verifier.height() > 0 && !poolHasOurTip()) {
            reset();
        }
        return balances;
    }

    private static Map<String, Long> nonZero(Map<String, Long> balances) {
        Map<String, Long> out = new TreeMap<>();
        balances.forEach((name, units) -> {
            if (units != 0) {
                out.put(name, units);
            }
        });
        return out;
    }

    private long openCopy() throws ApiException, IOException, ChainCopy.Damaged, VerifyException {
        verifier = new ChainVerifier(rules(api.pool()));
        StringBuilder cut = new StringBuilder();
        long now = System.currentTimeMillis();
        try {
            copy = ChainCopy.open(copyFile, block -> verifier.add(block, now), cut);
        } catch (VerifyException e) {
            throw VerifyException.badBlock(e.height(), e.why()
                    + " (in the copy " + copyFile + ", which held it since an earlier run; if the pool's chain was"
                    + " replaced since, delete the copy)");
        }
        if (cut.length() > 0) {
            notes.accept(cut.toString().strip());
        }
        return verifier.height();
    }

    /** Whether the pool's block at the copy's tip height is the copy's. */
    private boolean poolHasOurTip() throws ApiException {
        long h = verifier.height();
        JsonValue block;
        try {
            block = api.block(h);
        } catch (ApiException e) {
            if (e.kind() == ApiException.Kind.REFUSED && e.status() == 404) {
                notes.accept("the pool has no block " + h + ", the copy's tip: its chain was reset or replaced "
                        + "since the copy was made; downloading it again");
                return false;
            }
            throw e;
        }
        String theirs = block.get("hash").string();
        String ours = HexFormat.of().formatHex(verifier.tipHash());
        if (!theirs.equalsIgnoreCase(ours)) {
            notes.accept("the pool's block " + h + " is " + MinerName.escape(theirs) + ", the copy's is " + ours
                    + ": the pool's chain was reset or forked since the copy was made; downloading it again");
            return false;
        }
        return true;
    }

    private void reset() throws IOException, ApiException {
        copy.clear();
        verifier = new ChainVerifier(rules(api.pool()));
    }

    /**
     * Blocks {@code low} and up, in order, as many as one request brings (at most {@link #BATCH}, never past
     * {@code high}): a long chain is downloaded a batch per round trip, not a block per round trip. A pool that
     * does not know the batch form (an older one: no data in the list, or no such list) is asked block by block.
     */
    private List<CopiedBlock> fetch(long low, long high) throws ApiException {
        long top = Math.min(high, low + BATCH - 1);
        List<JsonValue> listed = batches ? listedWithData(low, top) : null;
        if (listed == null) {
            if (batches) {
                batches = false;
                notes.accept("the pool does not list blocks with their data; downloading them one by one");
            }
            return List.of(parse(api.block(low), low));
        }
        List<CopiedBlock> blocks = new ArrayList<>(listed.size());
        for (int i = listed.size() - 1; i >= 0; i--) { // the list is newest first
            blocks.add(parse(listed.get(i), low + blocks.size()));
        }
        if (blocks.size() != top - low + 1) {
            throw ApiException.badAnswer("asked for blocks " + low + " to " + top + ", the pool listed "
                    + blocks.size());
        }
        return blocks;
    }

    /** Blocks {@code low} to {@code top} with their data, newest first; null from a pool without that form. */
    private List<JsonValue> listedWithData(long low, long top) throws ApiException {
        List<JsonValue> listed;
        try {
            listed = api.blocksWithData(top, (int) (top - low + 1)).get("blocks").array();
        } catch (ApiException e) {
            if (e.kind() == ApiException.Kind.REFUSED) {
                return null; // no such list: an older pool
            }
            throw e; // unreachable, or an answer that is wrong: not a matter of an older pool
        }
        for (JsonValue b : listed) {
            if (b.get("data").isNull()) {
                return null; // the pool ignored data=true
            }
        }
        return listed;
    }

    /** A block of the API's, checked for the shape a block must have; {@code h} is the height asked for. */
    private CopiedBlock parse(JsonValue b, long h) throws ApiException {
        HexFormat hex = HexFormat.of();
        if (b.get("height").longValue() != h) {
            throw ApiException.badAnswer("asked for block " + h + ", the pool sent block " + b.get("height").longValue());
        }
        byte[] hash;
        byte[] data;
        try {
            hash = hex.parseHex(b.get("hash").string());
            data = hex.parseHex(b.get("data").string());
        } catch (IllegalArgumentException e) {
            throw ApiException.badAnswer("block " + h + "'s hash or data is not hex: " + e.getMessage());
        }
        if (hash.length != 32) {
            throw ApiException.badAnswer("block " + h + "'s hash is " + hash.length + " bytes, not 32");
        }
        long nonce = b.get("nonce").longValue();
        long zeroBits = b.get("zeroBits").longValue();
        String winner = b.get("winner").string();
        if (nonce < 0 || nonce > 0xFFFF_FFFFL || zeroBits < 0 || zeroBits > 255 || data.length > 0xFFFF
                || winner.length() > 64) {
            throw ApiException.badAnswer("block " + h + " has a nonce, zero bits, data or winner out of range");
        }
        long foundAt;
        try {
            foundAt = Instant.parse(b.get("foundAt").string()).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw ApiException.badAnswer("block " + h + "'s foundAt is not a time: " + e.getMessage());
        }
        return new CopiedBlock(h, hash, nonce, (int) zeroBits, winner, foundAt, data);
    }

    /** The consensus parameters from {@code /api/pool}'s {@code rules}. */
    static ChainVerifier.Rules rules(JsonValue pool) throws ApiException {
        JsonValue rules = pool.get("rules");
        if (rules.isNull()) {
            throw ApiException.badAnswer("/api/pool has no \"rules\": this pool is older than signed transactions "
                    + "and cannot be verified by this client");
        }
        JsonValue d = rules.get("difficulty");
        DifficultyRule rule = null;
        if (!d.isNull()) {
            String kind = d.get("rule").string();
            try {
                rule = new DifficultyRule(switch (kind) {
                    case "fixed" -> DifficultyRule.Kind.FIXED;
                    case "retarget" -> DifficultyRule.Kind.RETARGET;
                    default -> throw ApiException.badAnswer("the difficulty rule '" + MinerName.escape(kind)
                            + "' is unknown to this client");
                }, (int) d.get("startBits").longValue(), d.get("targetBlockTimeMs").longValue(),
                        d.get("tauMs").longValue(), d.get("firstHeight").longValue());
            } catch (IllegalArgumentException e) {
                throw ApiException.badAnswer("the pool's difficulty rule is out of range: " + e.getMessage());
            }
        }
        return new ChainVerifier.Rules(rule, rules.get("transactionsFromHeight").longValue());
    }

    private static Map<String, Long> theirs(JsonValue balances) throws ApiException {
        Map<String, Long> theirs = new TreeMap<>();
        for (Map.Entry<String, JsonValue> e : balances.get("balances").object().entrySet()) {
            long units = e.getValue().units();
            if (units != 0) {
                theirs.put(e.getKey(), units);
            }
        }
        return theirs;
    }

    private static void compare(Map<String, Long> ours, Map<String, Long> theirs, long height)
            throws VerifyException {
        TreeSet<String> names = new TreeSet<>(ours.keySet());
        names.addAll(theirs.keySet());
        for (String name : names) {
            long mine = ours.getOrDefault(name, 0L);
            long pools = theirs.getOrDefault(name, 0L);
            if (mine != pools) {
                throw VerifyException.disagreement(height, "the balance of " + MinerName.escape(name)
                        + " disagrees at height " + height + ": the pool says " + Coins.format(pools)
                        + " coins, the chain says " + Coins.format(mine));
            }
        }
    }

    /** Between two asks of a pool over HTTP: a poll with a bound, in the callers. */
    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws IOException {
        if (copy != null) {
            copy.close();
        }
    }
}
