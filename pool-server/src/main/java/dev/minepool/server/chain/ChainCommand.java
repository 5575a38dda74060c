package dev.minepool.server.chain;

import dev.minepool.protocol.chain.DifficultyRule;
import dev.minepool.protocol.chain.Difficulty;
import dev.minepool.protocol.MinerName;
import dev.minepool.server.PoolConfig;
import dev.minepool.server.PoolLog;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import dev.minepool.protocol.BlockHeader;
import dev.minepool.protocol.ledger.Coins;
import java.nio.ByteBuffer;

/**
 * {@code pool-server chain [--chain FILE]}: prints every block and each name's balance from the ledger (rewards and
 * transfers, in coins), verifying every record, link and proof of work, every transaction record's signature, nonce
 * and balance, and every block's zero bits against the difficulty rule the file records, without
 * changing the file; then the mean block time over the last {@value #MEAN_OVER} blocks. Exits 0 only for a file that verifies to its last byte; 1,
 * with one line on stderr, for any damage, a torn tail included (the blocks before it are printed); 2 for a bad
 * command line. Miner names are printed escaped: a file from an older pool may hold any bytes in them.
 */
public final class ChainCommand {
    public static final int EXIT_OK = 0;
    public static final int EXIT_DAMAGED = 1;
    public static final int EXIT_USAGE = 2;
    /** The block time is reported as the mean over this many blocks, the last of the chain. */
    public static final int MEAN_OVER = 50;

    static final String USAGE = """
            usage: pool-server chain [--chain FILE]

            Prints the chain of mined blocks and each name's balance in coins (rewards and transfers), verifying
            every record, link and proof of work, every transaction's signature, nonce and balance, and every
            block's zero bits against the difficulty rule the file records (naming the first block that breaks
            either); then the chain's work and its mean block time over the last 50 blocks.
            Exits 0 if the whole file verifies, 1 if anything in it is damaged (a torn last record included),
            2 for a bad command line.

              --chain FILE      the chain file (default minepool-chain.dat in the working directory)
              -h, --help        print this help
            """;

    private ChainCommand() {
    }

    /** Runs the command; {@code args[0]} is "chain". Returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Path file = Path.of(PoolConfig.DEFAULT_CHAIN_FILE);
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("-h") || arg.equals("--help")) {
                out.print(USAGE);
                return EXIT_OK;
            } else if (arg.equals("--chain") && i + 1 < args.length) {
                file = Path.of(args[++i]);
            } else if (arg.startsWith("--chain=")) {
                file = Path.of(arg.substring("--chain=".length()));
            } else {
                err.println("pool-server chain: " + (arg.equals("--chain") ? "--chain needs a value"
                        : "unknown argument '" + MinerName.escape(arg) + "'"));
                return EXIT_USAGE;
            }
        }
        HexFormat hex = HexFormat.of();
        long[] records = {0};
        out.println("chain " + file + " (genesis " + Genesis.hashHex() + ")");
        out.printf("%8s  %-64s  %-10s  %4s  %-10s  %12s%n", "height", "hash", "winner", "bits", "nonce",
                "time to mine");
        long[] foundAt = new long[MEAN_OVER + 1];
        long[] seen = {0};
        ChainFile.ReadResult result;
        try {
            result = ChainFile.scan(file, block -> {
                foundAt[(int) (seen[0]++ % foundAt.length)] = block.foundAtMillis();
                String winner = MinerName.escape(block.winner());
                out.printf(Locale.ROOT, "%8d  %s  %-10s  %4d  0x%08x  %10.1f s%n", block.height(),
                        hex.formatHex(block.hash()), winner, block.zeroBits(), block.nonce(),
                        block.millisToMine() / 1000.0);
                records[0] += ChainBalances.hasRegion(block.data()) ? Short.toUnsignedInt(ByteBuffer.wrap(
                        block.data()).getShort(BlockHeader.TRANSACTIONS_OFFSET)) : 0;
            });
        } catch (NoSuchFileException e) {
            err.println("pool-server chain: no chain file " + file);
            return EXIT_DAMAGED;
        } catch (IOException e) {
            out.flush();
            err.println("pool-server chain: " + e.getMessage());
            return EXIT_DAMAGED;
        }
        if (result.torn()) {
            out.flush();
            err.println("pool-server chain: chain file " + file + " ends in a torn tail after "
                    + (result.blocks() == 1 ? "1 verified block" : result.blocks() + " verified blocks") + ": "
                    + result.tornTail() + " (a crash during an append leaves this; the pool moves it to a side"
                    + " file when it next opens the chain)");
            return EXIT_DAMAGED;
        }
        out.println();
        out.println(result.blocks() + " blocks, every link and proof of work verified; tip hash "
                + result.tip().hashHex());
        DifficultyRule rule = result.rule();
        Difficulty difficulty = result.difficulty();
        if (rule == null) {
            out.println("difficulty rule: none recorded (format version " + result.version() + "): each block keeps"
                    + " the zero bits it was mined at");
        } else {
            out.println("difficulty rule: " + rule.describe() + "; every block's zero bits follow it, and the next"
                    + " block needs " + difficulty.requiredBits()
                    + (rule.retargets() ? String.format(Locale.ROOT, " (F = %.4f)", difficulty.fractionalBits())
                    : ""));
        }
        out.printf(Locale.ROOT, "chain work: 2^%.2f (%s hashes on average)%n", result.chainWork().log2(),
                result.chainWork());
        int span = (int) Math.min(MEAN_OVER, result.blocks() - 1);
        if (span > 0) {
            long last = foundAt[(int) ((seen[0] - 1) % foundAt.length)];
            long first = foundAt[(int) ((seen[0] - 1 - span) % foundAt.length)];
            out.printf(Locale.ROOT, "block time: mean %.3f s over the last %s (from their found-at times)%s%n",
                    (last - first) / 1000.0 / span, PoolLog.count(span, "block"), rule != null && rule.retargets()
                            ? ", target " + DifficultyRule.seconds(rule.targetMillis()) : "");
        }
        if (result.version() != ChainFile.VERSION) {
            out.println("format version " + result.version() + (result.version() == ChainFile.VERSION_1
                    ? " (no checksum on record lengths, no difficulty rule, no transactions)"
                    : result.version() == ChainFile.VERSION_2 ? " (no difficulty rule, no transactions)"
                    : " (no transactions)")
                    + ": the pool upgrades the file to version " + ChainFile.VERSION + " when it next opens it");
        } else {
            out.println("transactions: from block " + result.transactionsFrom() + "; " + PoolLog.count(records[0],
                    "record") + ", every signature, nonce and balance verified");
        }
        Map<String, Long> balances = result.balances().balances();
        out.println("balances (coins: 1 per block won, plus transfers in, minus transfers out):");
        if (balances.isEmpty()) {
            out.println("  (no blocks mined yet)");
        }
        long total = 0;
        for (Map.Entry<String, Long> e : balances.entrySet()) {
            out.printf("  %-10s  %s%n", MinerName.escape(e.getKey()), Coins.format(e.getValue()));
            total += e.getValue();
        }
        if (!balances.isEmpty()) {
            out.println("  total       " + Coins.format(total) + " (" + PoolLog.count(result.blocks(), "block")
                    + " × 1 coin)");
        }
        return EXIT_OK;
    }
}
