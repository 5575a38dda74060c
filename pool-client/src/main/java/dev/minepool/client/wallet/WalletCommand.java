package dev.minepool.client.wallet;

import dev.minepool.client.api.ApiException;
import dev.minepool.client.api.JsonValue;
import dev.minepool.client.api.PoolApi;
import dev.minepool.client.api.Terminal;
import dev.minepool.client.cli.Options;
import dev.minepool.client.cli.UsageException;
import dev.minepool.protocol.MinerName;
import dev.minepool.protocol.ledger.Coins;
import dev.minepool.protocol.ledger.NameRegistration;
import dev.minepool.protocol.ledger.Transfer;
import dev.minepool.protocol.ledger.TxRecord;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * {@code minepool wallet new|register|balance|send|history}: a wallet talks to the pool's HTTP API (README,
 * "Wallets"). Exit codes: 0 done; 1 the pool refused (its sentence is printed), could not be reached, a record
 * was dropped or not confirmed in time, or a wallet file cannot be used; 2 a bad command line.
 *
 * <p>{@link #run} never exits the JVM, so tests run it in-process.
 */
public final class WalletCommand {
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;
    /** How long {@code --wait} waits for a block by default: a few blocks at the demo's pace, and then some. */
    static final Duration DEFAULT_WAIT = Duration.ofSeconds(120);
    /** How often {@code --wait} asks: a block takes seconds, and one GET costs the pool next to nothing. */
    static final Duration POLL_EVERY = Duration.ofMillis(250);

    private final PrintStream out;
    private final PrintStream err;
    private final Path home;

    private WalletCommand(PrintStream out, PrintStream err, Path home) {
        this.out = out;
        this.err = err;
        this.home = home;
    }

    /** What the options say: the pool, the wallet or name, and the command's own values. */
    private static final class Request {
        String api = PoolApi.DEFAULT_URL;
        MinerName name;
        Path file;
        MinerName to;
        String amount;
        boolean wait;
        boolean all;
        Duration timeout = DEFAULT_WAIT;
        int limit = 20;
    }

    /**
     * @param args the command line, {@code args[start]} being the subcommand ({@code new}, {@code send}, ...)
     * @param home where the default wallet directory is ({@code ~/.minepool/wallets/})
     */
    public static int run(String[] args, int start, PrintStream out, PrintStream err, Path home) {
        return new WalletCommand(out, err, home).run(args, start);
    }

    private int run(String[] args, int start) {
        if (args.length <= start || args[start].equals("--help") || args[start].equals("-h")
                || args[start].equals("help")) {
            (args.length <= start ? err : out).print(usage());
            return args.length <= start ? EXIT_USAGE : EXIT_OK;
        }
        String command = args[start];
        Request request;
        PoolApi api;
        try {
            request = options(command, new Options(args, start + 1));
            if (request == null) {
                out.print(usage());
                return EXIT_OK;
            }
            api = PoolApi.of(request.api);
        } catch (UsageException | IllegalArgumentException e) {
            err.println("minepool wallet " + command + ": " + e.getMessage());
            err.println("run minepool wallet --help to see the commands and their options");
            return EXIT_USAGE;
        }
        try {
            return switch (command) {
                case "new" -> create(api, request);
                case "register" -> register(api, request);
                case "balance" -> balance(api, request);
                case "send" -> send(api, request);
                case "history" -> history(api, request);
                default -> throw new IllegalStateException(command); // options() refused it
            };
        } catch (UsageException e) {
            err.println("minepool wallet " + command + ": " + e.getMessage());
            return EXIT_USAGE;
        } catch (ApiException e) {
            err.println("minepool wallet " + command + ": " + said(e));
            return EXIT_FAILED;
        } catch (WalletFile.WalletException e) {
            err.println("minepool wallet " + command + ": " + e.getMessage());
            return EXIT_FAILED;
        }
    }

    private Request options(String command, Options args) throws UsageException {
        List<String> allowed = switch (command) {
            case "new" -> List.of("--name", "--file", "--wait", "--timeout");
            case "register" -> List.of("--name", "--file", "--wait", "--timeout");
            case "balance" -> List.of("--name", "--file", "--all");
            case "send" -> List.of("--name", "--file", "--to", "--amount", "--wait", "--timeout");
            case "history" -> List.of("--name", "--file", "--limit");
            default -> throw new UsageException("unknown command '" + MinerName.escape(command)
                    + "' (the commands are new, register, balance, send and history)");
        };
        Request r = new Request();
        while (args.hasNext()) {
            String option = args.next();
            if (option.equals("--help") || option.equals("-h")) {
                return null;
            }
            if (!option.equals("--api") && !allowed.contains(option)) {
                throw args.unknown(option);
            }
            switch (option) {
                case "--api" -> r.api = args.value(option);
                case "--name" -> r.name = args.name(option);
                case "--file" -> r.file = Path.of(args.value(option));
                case "--to" -> r.to = args.name(option);
                case "--amount" -> r.amount = args.value(option);
                case "--wait" -> {
                    args.noValue(option);
                    r.wait = true;
                }
                case "--all" -> {
                    args.noValue(option);
                    r.all = true;
                }
                case "--timeout" -> r.timeout = args.seconds(option);
                case "--limit" -> r.limit = args.intValue(option, 1, 50);
                default -> throw args.unknown(option);
            }
        }
        if (command.equals("new") && r.name == null) {
            throw new UsageException("a new wallet needs --name NAME, the miner name to register");
        }
        if (command.equals("send") && (r.to == null || r.amount == null)) {
            throw new UsageException("send needs --to NAME and --amount COINS");
        }
        return r;
    }

    // ---- new and register ------------------------------------------------------------------------------------

    private int create(PoolApi api, Request r) throws ApiException, UsageException {
        Path file = r.file != null ? r.file : WalletFile.defaultPath(home, r.name);
        if (Files.exists(file) || Files.isSymbolicLink(file)) {
            err.println("minepool wallet new: " + file + " exists; a wallet is never overwritten (pass another "
                    + "--file, or to register the name in that file: minepool wallet register --file " + file + ")");
            return EXIT_FAILED;
        }
        // Ask first, so that a name someone holds costs no key file. The pool checks again when it gets the record.
        JsonValue account = api.account(r.name);
        if (!account.get("key").isNull()) {
            err.println("minepool wallet new: the name " + shown(r.name) + " is already registered to a key "
                    + "(the first registration wins, for ever); choose another name");
            return EXIT_FAILED;
        }
        if (account.get("keyPending").bool()) {
            err.println("minepool wallet new: a registration of " + shown(r.name) + " is already waiting for the "
                    + "next block; if it is not yours, choose another name");
            return EXIT_FAILED;
        }
        WalletFile wallet = WalletFile.generate(r.name);
        try {
            wallet.create(file);
        } catch (FileAlreadyExistsException e) {
            err.println("minepool wallet new: " + file + " exists; a wallet is never overwritten");
            return EXIT_FAILED;
        } catch (IOException e) {
            err.println("minepool wallet new: cannot write " + file + ": " + e);
            return EXIT_FAILED;
        }
        out.println("wrote the key of " + shown(r.name) + " to " + file + " (readable by you only; keep a copy: "
                + "without it " + shown(r.name) + "'s coins cannot be spent)");
        NameRegistration record = NameRegistration.sign(r.name, wallet.publicKey(), wallet.privateKey());
        String txid;
        try {
            txid = api.submit(record);
        } catch (ApiException e) {
            if (e.kind() == ApiException.Kind.REFUSED && e.status() / 100 == 4) {
                // Bound to nothing, ever: the key is of no use, and the name may be tried again with the same file.
                deleteQuietly(file);
                err.println("minepool wallet new: the pool refused the registration: " + said(e)
                        + "; removed " + file + ", whose key was never bound to anything");
                return EXIT_FAILED;
            }
            err.println("minepool wallet new: the registration was not sent: " + said(e) + "; the key is saved, "
                    + "register it when the pool answers: minepool wallet register --file " + file);
            return EXIT_FAILED;
        }
        out.println("registration of " + shown(r.name) + " sent: txid " + txid + " (pending)");
        out.println("the first block mined with it binds " + shown(r.name) + " to this key: from then on only this "
                + "key can spend its coins, those mined before included. First registration wins (trust on first "
                + "use), so register a name before you mine with it.");
        return r.wait ? await(api, txid, r.timeout) : EXIT_OK;
    }

    private int register(PoolApi api, Request r) throws ApiException, UsageException, WalletFile.WalletException {
        WalletFile wallet = wallet(r);
        JsonValue account = api.account(wallet.name());
        String key = account.get("key").stringOrNull();
        String ours = HexFormat.of().formatHex(wallet.publicKey());
        if (ours.equals(key)) {
            out.println(shown(wallet.name()) + " is already registered to this wallet's key");
            return EXIT_OK;
        }
        if (key != null) {
            err.println("minepool wallet register: the name " + shown(wallet.name()) + " is registered to another "
                    + "key (" + MinerName.escape(key) + "); this wallet cannot spend its coins");
            return EXIT_FAILED;
        }
        String txid = api.submit(NameRegistration.sign(wallet.name(), wallet.publicKey(), wallet.privateKey()));
        out.println("registration of " + shown(wallet.name()) + " sent: txid " + txid + " (pending; the next block "
                + "binds the name to this key)");
        return r.wait ? await(api, txid, r.timeout) : EXIT_OK;
    }

    // ---- balance, send, history ------------------------------------------------------------------------------

    private int balance(PoolApi api, Request r) throws ApiException, UsageException, WalletFile.WalletException {
        if (r.all) {
            return balances(api);
        }
        MinerName name = r.name != null && r.file == null ? r.name : wallet(r).name();
        JsonValue a = api.account(name);
        out.println(shown(name) + ": confirmed " + coins(a, "balance") + ", spendable " + coins(a, "spendable")
                + ", pending " + coins(a, "pendingBalance") + " coins");
        String key = a.get("key").stringOrNull();
        if (key != null) {
            out.println("  registered to key " + MinerName.escape(key) + "; next nonce " + a.get("nextNonce").longValue());
        } else if (a.get("keyPending").bool()) {
            out.println("  registration pending: it is bound with the next block");
        } else {
            out.println("  not registered: anyone may register this name first (minepool wallet new --name ...)");
        }
        return EXIT_OK;
    }

    /** Every account with coins, from {@code /api/balances}: the pool's ledger at its tip. */
    private int balances(PoolApi api) throws ApiException {
        JsonValue b = api.balances();
        var balances = b.get("balances").object();
        out.println("balances at block " + b.get("height").longValue() + " (" + balances.size()
                + (balances.size() == 1 ? " account" : " accounts") + "):");
        long total = 0;
        for (var e : balances.entrySet()) {
            long units = e.getValue().units();
            total += units;
            String name = MinerName.escape(e.getKey());
            out.println("  " + name + " ".repeat(Math.max(1, 12 - name.length()))
                    + String.format(Locale.ROOT, "%20s", Coins.format(units)));
        }
        out.println("  " + "total" + " ".repeat(7) + String.format(Locale.ROOT, "%20s", Coins.format(total)));
        return EXIT_OK;
    }

    private int send(PoolApi api, Request r) throws ApiException, UsageException, WalletFile.WalletException {
        long units;
        try {
            units = Coins.parse(r.amount);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--amount: " + e.getMessage());
        }
        if (units <= 0) {
            throw new UsageException("--amount must be more than zero, at least 0.00000001 coins");
        }
        WalletFile wallet = wallet(r);
        if (wallet.name().equals(r.to)) {
            throw new UsageException("--to names the wallet's own name, " + shown(r.to) + "; a transfer goes to "
                    + "another name");
        }
        JsonValue account = api.account(wallet.name());
        String key = account.get("key").stringOrNull();
        if (key == null && !account.get("keyPending").bool()) {
            err.println("minepool wallet send: " + shown(wallet.name()) + " is not registered, so nothing it holds "
                    + "can be spent yet: minepool wallet register --file ...");
            return EXIT_FAILED;
        }
        if (key != null && !key.equals(HexFormat.of().formatHex(wallet.publicKey()))) {
            err.println("minepool wallet send: " + shown(wallet.name()) + " is registered to another key than "
                    + "this wallet's; it cannot spend " + shown(wallet.name()) + "'s coins");
            return EXIT_FAILED;
        }
        long nonce = account.get("nextNonce").longValue();
        Transfer transfer = Transfer.sign(wallet.name(), r.to, units, nonce, wallet.privateKey());
        String txid = api.submit(transfer);
        out.println("sent " + Coins.format(units) + " coins from " + shown(wallet.name()) + " to " + shown(r.to)
                + ": txid " + txid + ", nonce " + nonce + " (pending)");
        if (!r.wait) {
            out.println("it is confirmed once a block carries it: minepool wallet history shows when");
            return EXIT_OK;
        }
        int code = await(api, txid, r.timeout);
        if (code == EXIT_OK) {
            JsonValue after = api.account(wallet.name());
            out.println(shown(wallet.name()) + " now has " + coins(after, "balance") + " coins confirmed");
        }
        return code;
    }

    private int history(PoolApi api, Request r) throws ApiException, UsageException, WalletFile.WalletException {
        MinerName name = r.name != null && r.file == null ? r.name : wallet(r).name();
        JsonValue a = api.account(name);
        List<JsonValue> recent = a.get("recent").array();
        out.println(shown(name) + ": confirmed " + coins(a, "balance") + " coins; the last " + Math.min(r.limit,
                recent.size()) + " records, newest first (block rewards are not records; see balance):");
        if (recent.isEmpty()) {
            out.println("  none");
        }
        for (JsonValue tx : recent.subList(0, Math.min(r.limit, recent.size()))) {
            out.println("  " + describe(tx, name));
        }
        return EXIT_OK;
    }

    /** One record of the history: where it is, what it did to {@code name}, and its txid. */
    static String describe(JsonValue tx, MinerName name) throws ApiException {
        String status = tx.get("status").string();
        String where = switch (status) {
            case "confirmed" -> String.format(Locale.ROOT, "block %6d", tx.get("height").longValue());
            case "pending" -> "pending     ";
            default -> MinerName.escape(status) + (status.length() < 12 ? " ".repeat(12 - status.length()) : "");
        };
        String what;
        if (tx.get("kind").string().equals("N")) {
            what = "registered " + MinerName.escape(tx.get("name").string()) + " to key "
                    + MinerName.escape(tx.get("key").string()).substring(0, 16) + "…";
        } else {
            String from = tx.get("from").string();
            String to = tx.get("to").string();
            String amount = Coins.format(tx.get("amountUnits").longValue());
            what = from.equals(name.value())
                    ? "-" + amount + " to " + MinerName.escape(to) + " (nonce " + tx.get("nonce").longValue() + ")"
                    : "+" + amount + " from " + MinerName.escape(from);
        }
        String line = where + "  " + what + "  txid " + MinerName.escape(tx.get("txid").string());
        if (status.equals("dropped")) {
            line += ": " + Terminal.safe(tx.get("error").stringOrNull() == null ? tx.get("reason").string()
                    : tx.get("error").string());
        }
        return line;
    }

    /**
     * Polls {@code GET /api/transactions/{txid}} until the record is confirmed or dropped, or {@code timeout} has
     * passed. A pool that does not answer for a moment is asked again; only the timeout gives up.
     */
    private int await(PoolApi api, String txid, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        ApiException last = null;
        while (true) {
            try {
                JsonValue tx = api.transaction(txid);
                String status = tx.get("status").string();
                if (status.equals("confirmed")) {
                    out.println("confirmed in block " + tx.get("height").longValue() + ": txid " + txid);
                    return EXIT_OK;
                }
                if (status.equals("dropped")) {
                    String error = tx.get("error").stringOrNull();
                    err.println("dropped by the pool: " + Terminal.safe(error != null ? error
                            : tx.get("reason").string()) + " (txid " + txid + ")");
                    return EXIT_FAILED;
                }
                last = null;
            } catch (ApiException e) {
                if (e.kind() == ApiException.Kind.REFUSED) {
                    err.println("while waiting for txid " + txid + ": " + said(e));
                    return EXIT_FAILED;
                }
                last = e;
            }
            if (System.nanoTime() - deadline >= 0) {
                err.println("txid " + txid + " is not confirmed after " + timeout.toSeconds() + " s"
                        + (last == null ? " (still pending: are miners mining?)" : "; the last try: " + said(last))
                        + "; minepool wallet history shows it when it is");
                return EXIT_FAILED;
            }
            try {
                Thread.sleep(POLL_EVERY.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return EXIT_FAILED;
            }
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    /**
     * The wallet the options name: {@code --file}; or {@code --name}'s default file; or, with neither, the only
     * wallet in the default directory.
     */
    private WalletFile wallet(Request r) throws UsageException, WalletFile.WalletException {
        Path file = r.file;
        if (file == null && r.name != null) {
            file = WalletFile.defaultPath(home, r.name);
        }
        if (file == null) {
            Path dir = home.resolve(".minepool").resolve("wallets");
            List<Path> found = new ArrayList<>();
            try (Stream<Path> files = Files.list(dir)) {
                files.filter(p -> p.getFileName().toString().endsWith(".key")).sorted().forEach(found::add);
            } catch (IOException e) {
                // no directory: said below
            }
            if (found.size() != 1) {
                throw new UsageException("which wallet? pass --file FILE or --name NAME (" + (found.isEmpty()
                        ? "there is no wallet in " + dir : found.size() + " wallets in " + dir) + ")");
            }
            file = found.get(0);
        }
        try {
            WalletFile wallet = WalletFile.read(file);
            if (r.name != null && !r.name.equals(wallet.name())) {
                throw new UsageException("--name " + shown(r.name) + " but the wallet " + file + " is of "
                        + shown(wallet.name()));
            }
            return wallet;
        } catch (NoSuchFileException e) {
            throw new WalletFile.WalletException("there is no wallet " + file
                    + (r.file == null ? " (make one with minepool wallet new --name " + shown(r.name) + ")" : ""));
        } catch (IOException e) {
            throw new WalletFile.WalletException("cannot read the wallet " + file + ": " + e);
        }
    }

    private static String coins(JsonValue account, String field) throws ApiException {
        return Coins.format(account.get(field + "Units").longValue());
    }

    /** A name for the terminal: escaped, whatever it holds. */
    static String shown(MinerName name) {
        return MinerName.escape(name.value());
    }

    /** The pool's sentence, escaped: it may quote what a caller sent. */
    private static String said(ApiException e) {
        return Terminal.safe(e.getMessage());
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // it stays; the message above names it
        }
    }

    static String usage() {
        return """
                usage: minepool wallet COMMAND [options]      (every command takes --api URL, default %s)

                  new --name NAME [--file F] [--wait]
                        make a key for NAME, write it to F (default ~/.minepool/wallets/NAME.key, readable by
                        you only; never overwritten) and register NAME to it. The first registration of a name
                        wins, for ever: register your name before you mine with it.
                  register [--file F | --name NAME] [--wait]
                        send the registration of a wallet made while the pool was unreachable
                  balance [--file F | --name NAME]
                        confirmed, spendable (confirmed minus pending spends) and pending balance
                  balance --all
                        every account's confirmed balance
                  send --to NAME --amount COINS [--file F | --name NAME] [--wait] [--timeout S]
                        sign a transfer of COINS (up to 8 decimals: 1.5, 0.00000001) and send it; --wait waits
                        until a block carries it (or the pool drops it), at most S seconds (default %d)
                  history [--file F | --name NAME] [--limit N]
                        the name's recent records, newest first

                Without --file, --name NAME means ~/.minepool/wallets/NAME.key, and with neither the only wallet
                there is used. balance and history of a name need no wallet: --name is enough.

                exit codes: 0 done; 1 the pool refused (its reason is printed), could not be reached, dropped the
                record or did not confirm it in time, or the wallet file cannot be used; 2 a bad command line.
                """.formatted(PoolApi.DEFAULT_URL, DEFAULT_WAIT.toSeconds());
    }
}
