package dev.minepool.client.verify;

import dev.minepool.client.api.FakeApi;
import dev.minepool.protocol.BlockHeader;
import dev.minepool.protocol.MinerName;
import dev.minepool.protocol.ProofOfWork;
import dev.minepool.protocol.ledger.Accounts;
import dev.minepool.protocol.ledger.Coins;
import dev.minepool.protocol.ledger.TxRecord;
import dev.minepool.protocol.ledger.TxRegion;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * A chain built in the test, block by block, with real proofs of work at a few zero bits and real records, and
 * served through a {@link FakeApi} the way the pool serves its own: {@code /api/pool}'s rules, {@code
 * /api/blocks/{h}} and {@code /api/balances}.
 */
final class TestChain {
    static final int BITS = 8;
    static final int DATA_SIZE = 512;

    final List<String> blockJson = new ArrayList<>();
    final List<byte[]> hashes = new ArrayList<>();
    final Accounts accounts = new Accounts();
    private final long startMillis;

    /** A chain whose blocks are a second apart from a minute ago. */
    TestChain() {
        this(System.currentTimeMillis() - 60_000);
    }

    /** A chain whose blocks are a second apart from {@code startMillis}: a long one must start long ago. */
    TestChain(long startMillis) {
        this.startMillis = startMillis;
    }

    /** Mines the next block for {@code winner} carrying {@code records}, and applies it to the accounts. */
    TestChain mine(String winner, TxRecord... records) throws Exception {
        return mine(true, winner, records);
    }

    /** What a dishonest pool does: mines a block whatever its records, without checking them. */
    TestChain mineUnchecked(String winner, TxRecord... records) throws Exception {
        return mine(false, winner, records);
    }

    private TestChain mine(boolean check, String winner, TxRecord... records) throws Exception {
        long height = hashes.size() + 1;
        byte[] previous = hashes.isEmpty() ? ChainVerifier.GENESIS_HASH : hashes.get(hashes.size() - 1);
        byte[] data = new byte[DATA_SIZE];
        new BlockHeader(previous, height, startMillis + height * 1000, height).writeTo(data);
        TxRegion.write(data, List.of(records));
        long nonce = 0;
        byte[] hash = ProofOfWork.hash(data, nonce);
        while (!ProofOfWork.meets(hash, BITS)) {
            hash = ProofOfWork.hash(data, ++nonce);
        }
        if (check) {
            accounts.applyBlock(data, MinerName.parse(winner), true);
        }
        hashes.add(hash);
        HexFormat hex = HexFormat.of();
        blockJson.add("{\"height\":" + height + ",\"hash\":\"" + hex.formatHex(hash) + "\",\"previousHash\":\""
                + hex.formatHex(previous) + "\",\"nonce\":" + nonce + ",\"zeroBits\":" + BITS + ",\"winner\":\""
                + winner + "\",\"foundAt\":\"" + Instant.ofEpochMilli(startMillis + height * 1000 + 500)
                + "\",\"timeToMineSeconds\":0.5,\"data\":\"" + hex.formatHex(data) + "\"}");
        return this;
    }

    long height() {
        return hashes.size();
    }

    /** The balances as the pool would serve them; {@code tamper} may change one before it is written. */
    String balancesJson(Map<String, String> tamper) {
        StringBuilder b = new StringBuilder("{\"height\":" + height() + ",\"balances\":{");
        String separator = "";
        for (Map.Entry<MinerName, Long> e : accounts.balances().entrySet()) {
            String coins = tamper.getOrDefault(e.getKey().value(), Coins.format(e.getValue()));
            b.append(separator).append('"').append(e.getKey().value()).append("\":").append(coins);
            separator = ",";
        }
        return b.append("}}").toString();
    }

    /** Routes every block, the tip, the rules and the balances on {@code api}. */
    void serve(FakeApi api) {
        serve(api, 1);
    }

    /**
     * The same, for a chain whose blocks carry transactions from {@code transactionsFrom} on; blocks are also listed
     * with their data ({@code /api/blocks?from=&limit=&data=true}), for every range a verifier may ask for.
     */
    void serve(FakeApi api, long transactionsFrom) {
        serveBlockByBlock(api, transactionsFrom);
        for (int top = 1; top <= height(); top++) {
            for (int limit = 1; limit <= top; limit++) {
                StringBuilder list = new StringBuilder("{\"tipHeight\":" + height() + ",\"blocks\":[");
                for (int h = top; h > top - limit; h--) {
                    list.append(h == top ? "" : ",").append(blockJson.get(h - 1));
                }
                api.on("GET /api/blocks?from=" + top + "&limit=" + limit + "&data=true", 200, list + "]}");
            }
        }
    }

    /** Like a pool older than the list with data: every block on its own, and the list not routed at all. */
    void serveBlockByBlock(FakeApi api, long transactionsFrom) {
        api.on("GET /api/pool", 200, "{\"height\":" + height() + ",\"rules\":{\"difficulty\":{\"rule\":\"fixed\","
                + "\"startBits\":" + BITS + ",\"targetBlockTimeMs\":0,\"tauMs\":0,\"firstHeight\":1},"
                + "\"transactionsFromHeight\":" + transactionsFrom + "}}");
        for (int h = 1; h <= height(); h++) {
            api.on("GET /api/blocks/" + h, 200, blockJson.get(h - 1));
        }
        api.on("GET /api/balances", 200, balancesJson(Map.of()));
    }
}
