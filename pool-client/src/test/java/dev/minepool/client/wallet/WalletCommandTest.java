package dev.minepool.client.wallet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minepool.client.api.FakeApi;
import dev.minepool.protocol.MinerName;
import dev.minepool.protocol.ProofOfWork;
import dev.minepool.protocol.ledger.NameRegistration;
import dev.minepool.protocol.ledger.Transfer;
import dev.minepool.protocol.ledger.TxRecord;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The wallet's command line against a fake pool API: what it sends, and what it says about the answers. */
class WalletCommandTest {
    private static final String UNBOUND = "{\"name\":\"%s\",\"balance\":0.00000000,\"balanceUnits\":0,"
            + "\"spendable\":0.00000000,\"spendableUnits\":0,\"pendingBalance\":0.00000000,\"pendingBalanceUnits\":0,"
            + "\"key\":null,\"keyPending\":false,\"nextNonce\":1,\"recent\":[]}";

    @TempDir
    Path home;

    private final FakeApi api;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    WalletCommandTest() throws Exception {
        api = new FakeApi();
    }

    @AfterEach
    void stop() {
        api.close();
    }

    private int wallet(String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "wallet";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--api";
        all[args.length + 2] = api.url();
        return WalletCommand.run(all, 1, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), home);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** The record in a {@code POST /api/transactions} body. */
    private static TxRecord posted(FakeApi.Request request) throws Exception {
        String hex = request.body().replaceAll("^\\{\"tx\":\"([0-9a-f]+)\"}$", "$1");
        return TxRecord.decode(HexFormat.of().parseHex(hex));
    }

    private static FakeApi.Answer accept(FakeApi.Request request) {
        String hex = request.body().replaceAll("^\\{\"tx\":\"([0-9a-f]+)\"}$", "$1");
        String txid = HexFormat.of().formatHex(ProofOfWork.sha256().digest(HexFormat.of().parseHex(hex)));
        return new FakeApi.Answer(202, "{\"txid\":\"" + txid + "\",\"status\":\"pending\"}");
    }

    private Path aliceWallet() throws Exception {
        Path file = home.resolve("alice.key");
        WalletFile.generate(MinerName.parse("alice")).create(file);
        return file;
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.123456789", "-1", "abc", "1e3", "0", "0.00000000", "184467440737.09551616"})
    void refusesABadAmountBeforeAskingThePool(String amount) throws Exception {
        Path file = aliceWallet();
        int code = wallet("send", "--file", file.toString(), "--to", "bob", "--amount", amount);
        assertThat(code).as("exit code for --amount %s; stderr: %s", amount, err()).isEqualTo(2);
        assertThat(err()).contains("--amount");
        assertThat(api.requests()).as("nothing is asked of the pool").isEmpty();
    }

    @Test
    void takesUpToEightDecimals() throws Exception {
        Path file = aliceWallet();
        String key = HexFormat.of().formatHex(WalletFile.read(file).publicKey());
        api.on("GET /api/accounts/alice", 200, String.format(UNBOUND, "alice").replace("\"key\":null",
                "\"key\":\"" + key + "\"").replace("\"nextNonce\":1", "\"nextNonce\":4"));
        api.on("POST /api/transactions", WalletCommandTest::accept);
        int code = wallet("send", "--file", file.toString(), "--to", "bob", "--amount", "1.00000001");
        assertThat(code).as(err()).isZero();
        Transfer transfer = (Transfer) posted(api.requests().get(1));
        assertThat(transfer.amount()).isEqualTo(100_000_001L);
        assertThat(transfer.nonce()).as("the account's nextNonce").isEqualTo(4);
        assertThat(transfer.recipient()).isEqualTo(MinerName.parse("bob"));
        assertThat(transfer.signatureValid(WalletFile.read(file).publicKey())).isTrue();
        assertThat(out()).contains("sent 1.00000001 coins from alice to bob: txid " + transfer.txidHex()
                + ", nonce 4 (pending)");
    }

    @Test
    void newWritesAPrivateKeyFileAndRegistersTheNameToIt() throws Exception {
        api.on("GET /api/accounts/alice", 200, String.format(UNBOUND, "alice"));
        api.on("POST /api/transactions", WalletCommandTest::accept);
        int code = wallet("new", "--name", "alice");
        assertThat(code).as(err()).isZero();
        Path file = home.resolve(".minepool/wallets/alice.key");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        NameRegistration n = (NameRegistration) posted(api.requests().get(1));
        assertThat(n.name()).isEqualTo(MinerName.parse("alice"));
        assertThat(n.publicKey()).isEqualTo(WalletFile.read(file).publicKey());
        assertThat(n.signatureValid()).isTrue();
        assertThat(out()).contains("registration of alice sent: txid " + n.txidHex())
                .contains("register a name before you mine with it");
    }

    @Test
    void newRefusesToOverwriteAWallet() throws Exception {
        Path file = aliceWallet();
        String before = Files.readString(file);
        int code = wallet("new", "--name", "alice", "--file", file.toString());
        assertThat(code).isEqualTo(1);
        assertThat(err()).contains("exists; a wallet is never overwritten");
        assertThat(Files.readString(file)).isEqualTo(before);
        assertThat(api.requests()).isEmpty();
    }

    @Test
    void newShowsThePoolsSentenceAndRemovesTheUnboundKeyWhenTheNameIsTaken() throws Exception {
        api.on("GET /api/accounts/alice", 200, String.format(UNBOUND, "alice"));
        api.on("POST /api/transactions", 409, "{\"error\":\"the name alice is already bound to a key\","
                + "\"reason\":\"name-taken\"}");
        Path file = home.resolve("w/alice.key");
        int code = wallet("new", "--name", "alice", "--file", file.toString());
        assertThat(code).isEqualTo(1);
        assertThat(err()).contains("the pool refused the registration: the name alice is already bound to a key")
                .contains("removed " + file);
        assertThat(file).doesNotExist();
    }

    @Test
    void newWritesNothingForANameThatIsAlreadyBound() throws Exception {
        api.on("GET /api/accounts/alice", 200, String.format(UNBOUND, "alice").replace("\"key\":null",
                "\"key\":\"" + "ab".repeat(32) + "\""));
        int code = wallet("new", "--name", "alice");
        assertThat(code).isEqualTo(1);
        assertThat(err()).contains("already registered to a key");
        assertThat(home.resolve(".minepool/wallets/alice.key")).doesNotExist();
    }

    @Test
    void sendWaitsUntilABlockCarriesTheTransfer() throws Exception {
        Path file = aliceWallet();
        String key = HexFormat.of().formatHex(WalletFile.read(file).publicKey());
        String account = String.format(UNBOUND, "alice").replace("\"key\":null", "\"key\":\"" + key + "\"")
                .replace("\"balanceUnits\":0", "\"balanceUnits\":250000000");
        api.on("GET /api/accounts/alice", 200, account);
        api.on("POST /api/transactions", WalletCommandTest::accept);
        AtomicInteger polls = new AtomicInteger();
        // The route for the txid is only known once posted: answer every GET of a transaction by its path.
        api.on("POST /api/transactions", request -> {
            FakeApi.Answer answer = accept(request);
            String txid = answer.body().replaceAll(".*\"txid\":\"([0-9a-f]+)\".*", "$1");
            api.on("GET /api/transactions/" + txid, r -> new FakeApi.Answer(200, polls.incrementAndGet() < 3
                    ? "{\"txid\":\"" + txid + "\",\"kind\":\"X\",\"status\":\"pending\"}"
                    : "{\"txid\":\"" + txid + "\",\"kind\":\"X\",\"status\":\"confirmed\",\"height\":7}"));
            return answer;
        });
        int code = wallet("send", "--file", file.toString(), "--to", "bob", "--amount", "0.5", "--wait");
        assertThat(code).as(err()).isZero();
        assertThat(polls.get()).isEqualTo(3);
        assertThat(out()).contains("confirmed in block 7").contains("alice now has 2.50000000 coins confirmed");
    }

    @Test
    void sendReportsADroppedTransferWithThePoolsReason() throws Exception {
        Path file = aliceWallet();
        String key = HexFormat.of().formatHex(WalletFile.read(file).publicKey());
        api.on("GET /api/accounts/alice", 200, String.format(UNBOUND, "alice").replace("\"key\":null",
                "\"key\":\"" + key + "\""));
        api.on("POST /api/transactions", request -> {
            FakeApi.Answer answer = accept(request);
            String txid = answer.body().replaceAll(".*\"txid\":\"([0-9a-f]+)\".*", "$1");
            api.on("GET /api/transactions/" + txid, 200, "{\"txid\":\"" + txid + "\",\"kind\":\"X\","
                    + "\"status\":\"dropped\",\"reason\":\"insufficient-funds\",\"error\":\"alice has 0.00000000 "
                    + "coins after the block, 0.50000000 needed\"}");
            return answer;
        });
        int code = wallet("send", "--file", file.toString(), "--to", "bob", "--amount", "0.5", "--wait");
        assertThat(code).isEqualTo(1);
        assertThat(err()).contains("dropped by the pool: alice has 0.00000000 coins after the block");
    }

    @Test
    void sendShowsTheSentenceOfARefusal() throws Exception {
        Path file = aliceWallet();
        String key = HexFormat.of().formatHex(WalletFile.read(file).publicKey());
        api.on("GET /api/accounts/alice", 200, String.format(UNBOUND, "alice").replace("\"key\":null",
                "\"key\":\"" + key + "\""));
        api.on("POST /api/transactions", 422, "{\"error\":\"insufficient funds: alice can spend 0.00000000 "
                + "coins, not 5.00000000\",\"reason\":\"insufficient-funds\"}");
        int code = wallet("send", "--file", file.toString(), "--to", "bob", "--amount", "5");
        assertThat(code).isEqualTo(1);
        assertThat(err()).contains("insufficient funds: alice can spend 0.00000000 coins, not 5.00000000");
    }

    @Test
    void sendRefusesToPayItself() throws Exception {
        Path file = aliceWallet();
        int code = wallet("send", "--file", file.toString(), "--to", "alice", "--amount", "1");
        assertThat(code).isEqualTo(2);
        assertThat(err()).contains("--to names the wallet's own name");
        assertThat(api.requests()).isEmpty();
    }

    @Test
    void saysSoWhenThePoolCannotBeReached() throws Exception {
        Path file = aliceWallet();
        api.close();
        int code = wallet("balance", "--file", file.toString());
        assertThat(code).isEqualTo(1);
        assertThat(err()).contains("cannot reach the pool at " + api.url());
    }

    @Test
    void historyShowsRecordsWithEscapedNames() throws Exception {
        api.on("GET /api/accounts/bob", 200, String.format(UNBOUND, "bob").replace("\"recent\":[]",
                "\"recent\":[{\"txid\":\"" + "1".repeat(64) + "\",\"kind\":\"X\",\"status\":\"confirmed\","
                + "\"height\":9,\"from\":\"ev\\u001b[1mil\",\"to\":\"bob\",\"amount\":0.25000000,"
                + "\"amountUnits\":25000000,\"nonce\":2},{\"txid\":\"" + "2".repeat(64) + "\",\"kind\":\"X\","
                + "\"status\":\"pending\",\"from\":\"bob\",\"to\":\"carol\",\"amount\":0.1,\"amountUnits\":10000000,"
                + "\"nonce\":1}]"));
        int code = wallet("history", "--name", "bob");
        assertThat(code).as(err()).isZero();
        List<String> lines = out().lines().toList();
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("block      9  +0.25000000 from ev\\u{001B}[1mil"));
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("pending       -0.10000000 to carol (nonce 1)"));
        assertThat(out()).doesNotContain("\u001b");
    }

    @Test
    void anUnknownCommandIsABadCommandLine() {
        int code = wallet("spend");
        assertThat(code).isEqualTo(2);
        assertThat(err()).contains("unknown command 'spend'");
    }
}
