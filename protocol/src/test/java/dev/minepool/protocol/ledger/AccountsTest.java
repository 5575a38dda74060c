package dev.minepool.protocol.ledger;

import static dev.minepool.protocol.ledger.TestKeys.ALICE;
import static dev.minepool.protocol.ledger.TestKeys.BOB;
import static dev.minepool.protocol.ledger.TestKeys.CAROL;
import static dev.minepool.protocol.ledger.TestKeys.MALLORY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.minepool.protocol.MinerName;
import dev.minepool.protocol.ledger.Accounts.Reason;
import dev.minepool.protocol.ledger.Accounts.RejectedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The rules of PROTOCOL.md, "Transactions", and every attack of issue 14 that is a pure rule. */
class AccountsTest {
    private static final long COIN = Coins.UNITS_PER_COIN;
    private Accounts accounts;

    @BeforeEach
    void aliceHasRegisteredAndMinedTwoBlocks() throws Exception {
        accounts = new Accounts();
        accounts.applyBlock(List.of(ALICE.registration()), ALICE.name);
        accounts.applyBlock(List.of(), ALICE.name);
    }

    private RejectedException rejected(TxRecord record) {
        RejectedException e = catchThrowableOfType(() -> accounts.apply(record), RejectedException.class);
        assertThat(e).as("%s is rejected", record).isNotNull();
        return e;
    }

    @Test
    void aTransferMovesExactlyItsAmount() throws Exception {
        accounts.apply(ALICE.send(BOB, 150_000_000L, 1));
        assertThat(accounts.balance(ALICE.name)).isEqualTo(50_000_000L);
        assertThat(accounts.balance(BOB.name)).as("an unbound name can receive").isEqualTo(150_000_000L);
        assertThat(accounts.lastNonce(ALICE.name)).isEqualTo(1);
        assertThat(accounts.lastNonce(BOB.name)).isZero();
        assertThat(accounts.key(BOB.name)).isNull();
        assertThat(accounts.key(ALICE.name)).isEqualTo(ALICE.publicKey());
        assertThat(accounts.total()).isEqualTo(2 * COIN);
        assertThat(accounts.balances()).containsExactly(Map.entry(ALICE.name, 50_000_000L),
                Map.entry(BOB.name, 150_000_000L));
    }

    @Test
    void theWholeBalanceCanBeSpent() throws Exception {
        accounts.apply(ALICE.send(BOB, 2 * COIN, 1));
        assertThat(accounts.balance(ALICE.name)).isZero();
    }

    @Test
    void aForgedSignatureIsRejected() {
        byte[] bytes = ALICE.send(BOB, COIN, 1).toBytes();
        bytes[60] ^= 0x20;
        Transfer forged = decode(bytes);
        assertThat(rejected(forged).reason()).isEqualTo(Reason.BAD_SIGNATURE);
        Transfer byMallory = Transfer.sign(ALICE.name, MALLORY.name, COIN, 1, MALLORY.privateKey());
        RejectedException e = rejected(byMallory);
        assertThat(e.reason()).isEqualTo(Reason.BAD_SIGNATURE);
        assertThat(e).hasMessageContaining("not signed by alice's key");
        assertThat(accounts.balance(ALICE.name)).isEqualTo(2 * COIN);
    }

    @Test
    void aFlippedAmountUnderAValidSignatureIsRejected() {
        Transfer signed = ALICE.send(BOB, 50_000_000L, 1);
        byte[] bytes = signed.toBytes();
        bytes[Transfer.AMOUNT_OFFSET + 7] ^= 0x01; // 50,000,000 -> 50,000,001: still affordable
        assertThat(rejected(decode(bytes)).reason()).isEqualTo(Reason.BAD_SIGNATURE);
        bytes = signed.toBytes();
        bytes[Transfer.AMOUNT_OFFSET + 4] ^= 0x01; // still affordable, a larger flip
        assertThat(rejected(decode(bytes)).reason()).isEqualTo(Reason.BAD_SIGNATURE);
    }

    @Test
    void aChangedRecipientUnderAValidSignatureIsRejected() {
        Transfer signed = ALICE.send(BOB, COIN, 1);
        Transfer redirected = new Transfer(ALICE.name, MALLORY.name, COIN, 1, signed.signature());
        assertThat(rejected(redirected).reason()).isEqualTo(Reason.BAD_SIGNATURE);
        Transfer changedNonce = new Transfer(ALICE.name, BOB.name, COIN, 2, signed.signature());
        assertThat(rejected(changedNonce).reason()).isEqualTo(Reason.BAD_SIGNATURE);
        assertThat(accounts.balance(MALLORY.name)).isZero();
    }

    @Test
    void aReplayOfAConfirmedTransferIsRejected() throws Exception {
        Transfer once = ALICE.send(BOB, 10, 1);
        accounts.applyBlock(List.of(once), CAROL.name);
        RejectedException e = rejected(once);
        assertThat(e.reason()).isEqualTo(Reason.BAD_NONCE);
        assertThat(e).hasMessage("expected nonce 2 from alice, got 1");
        assertThat(accounts.balance(BOB.name)).isEqualTo(10);
        // The same replay inside a later block makes that block invalid.
        assertThatThrownBy(() -> accounts.applyBlock(List.of(once), CAROL.name))
                .isInstanceOf(RejectedException.class).hasMessageContaining("bad nonce");
    }

    @Test
    void aTransferTwiceInOneBlockIsRejected() {
        Transfer once = ALICE.send(BOB, 10, 1);
        RejectedException e = catchThrowableOfType(() -> accounts.applyBlock(List.of(once, once), CAROL.name),
                RejectedException.class);
        assertThat(e.reason()).isEqualTo(Reason.BAD_NONCE);
        assertThat(e).hasMessageStartingWith("record 1 of 2 (X " + once.txidHex() + "): bad nonce: expected nonce 2");
    }

    @Test
    void aNonceGapAndANonceZeroAreRejected() throws Exception {
        RejectedException gap = rejected(ALICE.send(BOB, 1, 2));
        assertThat(gap.reason()).isEqualTo(Reason.BAD_NONCE);
        assertThat(gap).hasMessage("expected nonce 1 from alice, got 2");
        assertThat(rejected(ALICE.send(BOB, 1, 0)).reason()).isEqualTo(Reason.BAD_NONCE);
        assertThat(rejected(ALICE.send(BOB, 1, -1L)).reason()).as("nonce 2^64 - 1").isEqualTo(Reason.BAD_NONCE);
        accounts.apply(ALICE.send(BOB, 1, 1));
        assertThat(rejected(ALICE.send(BOB, 1, 3)).reason()).isEqualTo(Reason.BAD_NONCE);
        accounts.apply(ALICE.send(BOB, 1, 2));
        assertThat(accounts.lastNonce(ALICE.name)).isEqualTo(2);
    }

    @Test
    void spendingMoreThanTheBalanceIsRejected() {
        RejectedException e = rejected(ALICE.send(BOB, 2 * COIN + 1, 1));
        assertThat(e.reason()).isEqualTo(Reason.INSUFFICIENT_FUNDS);
        assertThat(e).hasMessage("alice has 2.00000000 coins, the transfer needs 2.00000001");
        assertThat(accounts.lastNonce(ALICE.name)).as("a rejected transfer uses no nonce").isZero();
    }

    @Test
    void anAmountWithTheTopBitSetIsInsufficientNeverANegativeTransfer() {
        // Read as signed, 2^63 + 5 would be negative and "fit" any balance; as a u64 it is far beyond every one.
        RejectedException e = rejected(ALICE.send(BOB, Long.MIN_VALUE + 5, 1));
        assertThat(e.reason()).isEqualTo(Reason.INSUFFICIENT_FUNDS);
        assertThat(e).hasMessageContaining("needs 92233720368.54775813");
        assertThat(rejected(ALICE.send(BOB, -1L, 1)).reason()).isEqualTo(Reason.INSUFFICIENT_FUNDS);
        assertThat(accounts.balance(ALICE.name)).isEqualTo(2 * COIN);
        assertThat(accounts.balance(BOB.name)).isZero();
    }

    @Test
    void anAmountOfZeroIsRejected() {
        RejectedException e = rejected(ALICE.send(BOB, 0, 1));
        assertThat(e.reason()).isEqualTo(Reason.ZERO_AMOUNT);
        assertThat(e.reason().code()).isEqualTo("zero-amount");
    }

    @Test
    void aTransferToItselfIsRejected() {
        RejectedException e = rejected(ALICE.send(ALICE, 1, 1));
        assertThat(e.reason()).isEqualTo(Reason.SELF_TRANSFER);
        assertThat(e.reason().code()).isEqualTo("self-transfer");
    }

    @Test
    void spendingFromAnUnboundNameIsRejected() throws Exception {
        accounts.applyBlock(List.of(), BOB.name);
        RejectedException e = rejected(BOB.send(ALICE, 1, 1));
        assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_SENDER);
        assertThat(e).hasMessage("bob has no key: a name spends only after an N binds it");
        assertThat(e.reason().code()).isEqualTo("unknown-sender");
    }

    @Test
    void registeringABoundNameIsRejectedFirstRegistrationWins() throws Exception {
        NameRegistration stolen = NameRegistration.sign(ALICE.name, MALLORY.publicKey(), MALLORY.privateKey());
        assertThat(stolen.signatureValid()).as("validly signed by mallory's own key").isTrue();
        RejectedException e = rejected(stolen);
        assertThat(e.reason()).isEqualTo(Reason.NAME_TAKEN);
        assertThat(e).hasMessageStartingWith("alice is already bound to key " + TxRecord.hex(ALICE.publicKey()));
        assertThat(rejected(ALICE.registration()).reason()).as("the same registration again")
                .isEqualTo(Reason.NAME_TAKEN);
        assertThat(accounts.key(ALICE.name)).isEqualTo(ALICE.publicKey());
    }

    @Test
    void aRegistrationNotSignedByItsKeyIsRejected() {
        byte[] signature = NameRegistration.sign(BOB.name, BOB.publicKey(), MALLORY.privateKey()).signature();
        RejectedException e = rejected(new NameRegistration(BOB.name, BOB.publicKey(), signature));
        assertThat(e.reason()).isEqualTo(Reason.BAD_SIGNATURE);
        assertThat(accounts.key(BOB.name)).isNull();
    }

    @Test
    void bindingMakesCoinsEarnedBeforeSpendableByTheKey() throws Exception {
        accounts.applyBlock(List.of(), BOB.name);
        accounts.applyBlock(List.of(BOB.registration(), BOB.send(CAROL, COIN / 4, 1)), ALICE.name);
        assertThat(accounts.balance(BOB.name)).isEqualTo(COIN - COIN / 4);
        assertThat(accounts.balance(CAROL.name)).isEqualTo(COIN / 4);
    }

    @Test
    void aBlocksRecordsApplyInOrderBeforeItsReward() throws Exception {
        // Carol has nothing until the reward; a transfer of it in the same block must fail.
        accounts.applyBlock(List.of(CAROL.registration()), ALICE.name);
        assertThatThrownBy(() -> accounts.applyBlock(List.of(CAROL.send(ALICE, 1, 1)), CAROL.name))
                .isInstanceOf(RejectedException.class).hasMessageContaining("insufficient funds");
        // Order inside the block: bob is paid, then pays on.
        accounts.applyBlock(List.of(BOB.registration(), ALICE.send(BOB, COIN, 1), BOB.send(CAROL, COIN, 1)),
                ALICE.name);
        assertThat(accounts.balance(CAROL.name)).isEqualTo(COIN);
        assertThat(accounts.balance(BOB.name)).isZero();
    }

    @Test
    void aBlockWithOneBadRecordChangesNothing() {
        Accounts before = accounts.copy();
        List<TxRecord> block = List.of(BOB.registration(), ALICE.send(BOB, COIN, 1), ALICE.send(CAROL, 5 * COIN, 2));
        RejectedException e = catchThrowableOfType(() -> accounts.applyBlock(block, CAROL.name),
                RejectedException.class);
        assertThat(e.reason()).isEqualTo(Reason.INSUFFICIENT_FUNDS);
        assertThat(e).hasMessageStartingWith("record 2 of 3 (X ");
        assertThat(accounts.balances()).isEqualTo(before.balances());
        assertThat(accounts.key(BOB.name)).as("the registration earlier in the block is undone").isNull();
        assertThat(accounts.lastNonce(ALICE.name)).isZero();
        assertThat(accounts.balance(CAROL.name)).as("no reward for an invalid block").isZero();
        assertThat(accounts.balances()).doesNotContainKey(BOB.name).doesNotContainKey(CAROL.name);
    }

    @Test
    void aBlockWhoseRegionDoesNotParseChangesNothing() {
        byte[] data = new byte[1024];
        TxRegion.write(data, List.of(BOB.registration(), ALICE.send(BOB, COIN, 1)));
        data[54 + 107] = 'Z';
        Map<MinerName, Long> before = accounts.balances();
        assertThatThrownBy(() -> accounts.applyBlock(data, CAROL.name, true))
                .isInstanceOf(MalformedTxException.class).hasMessageContaining("record 1 of 2: unknown record kind");
        assertThat(accounts.balances()).isEqualTo(before);
        assertThat(accounts.key(BOB.name)).isNull();
    }

    @Test
    void blocksBeforeTheChainsTransactionsHeightAreOnlyFillerAndAReward() throws Exception {
        byte[] data = new byte[1024];
        new Random(3).nextBytes(data);
        data[52] = (byte) 0xff; // a count that could never fit: filler, not a region
        accounts.applyBlock(data, BOB.name, false);
        assertThat(accounts.balance(BOB.name)).isEqualTo(COIN);
        assertThatThrownBy(() -> accounts.applyBlock(data, BOB.name, true)).isInstanceOf(MalformedTxException.class);
        assertThat(accounts.balance(BOB.name)).isEqualTo(COIN);
    }

    @Test
    void applyBlockReadsTheRegionOfTheData() throws Exception {
        byte[] data = new byte[1024];
        TxRegion.write(data, List.of(BOB.registration(), ALICE.send(BOB, COIN, 1)));
        accounts.applyBlock(data, CAROL.name, true);
        assertThat(accounts.balance(BOB.name)).isEqualTo(COIN);
        assertThat(accounts.balance(CAROL.name)).isEqualTo(COIN);
        assertThat(accounts.key(BOB.name)).isEqualTo(BOB.publicKey());
    }

    @Test
    void checkChangesNothingAndACopyIsIndependent() throws Exception {
        Transfer x = ALICE.send(BOB, COIN, 1);
        accounts.check(x);
        assertThat(accounts.lastNonce(ALICE.name)).isZero();
        Accounts copy = accounts.copy();
        copy.apply(x);
        assertThat(copy.balance(BOB.name)).isEqualTo(COIN);
        assertThat(accounts.balance(BOB.name)).isZero();
        accounts.check(x);
    }

    @Test
    void reasonsHaveCodesForJsonAndTextForPeople() {
        assertThat(Reason.BAD_SIGNATURE.code()).isEqualTo("bad-signature");
        assertThat(Reason.BAD_SIGNATURE.text()).isEqualTo("bad signature");
        assertThat(Reason.MEMPOOL_FULL.code()).isEqualTo("mempool-full");
        assertThat(Reason.NAME_TAKEN.code()).isEqualTo("name-taken");
    }

    /**
     * Random blocks by random winners, each with random transfers among five names (some valid, many not:
     * overspends, wrong nonces, unbound senders, forged signatures), applied as blocks; a block a rule refuses
     * is dropped whole, as a pool would never mine it. After every block: the sum of balances is blocks × 1 coin,
     * no balance is negative, and a refused block left the state exactly as it was.
     */
    @Test
    void theSumOfBalancesIsAlwaysBlocksTimesOneCoin() throws Exception {
        TestKeys[] people = {ALICE, BOB, CAROL, MALLORY};
        MinerName dave = MinerName.parse("dave"); // never registers: can receive, never spend
        Random random = new Random(1414);
        Accounts ledger = new Accounts();
        long[] nextNonce = new long[people.length];
        java.util.Arrays.fill(nextNonce, 1);
        boolean[] bound = new boolean[people.length];
        int blocks = 0;
        int applied = 0;
        int refused = 0;
        for (int round = 0; round < 300; round++) {
            List<TxRecord> records = new ArrayList<>();
            int count = random.nextInt(4);
            for (int r = 0; r < count; r++) {
                int from = random.nextInt(people.length);
                if (!bound[from] && random.nextInt(3) == 0) {
                    records.add(people[from].registration());
                    continue;
                }
                MinerName to = random.nextInt(5) == 0 ? dave : people[random.nextInt(people.length)].name;
                long amount = random.nextInt(8) == 0 ? random.nextLong() : random.nextInt((int) (2 * COIN));
                long nonce = random.nextInt(10) == 0 ? nextNonce[from] + random.nextInt(3) - 1 : nextNonce[from];
                Transfer x = Transfer.sign(people[from].name, to, amount, nonce, people[from].privateKey());
                if (random.nextInt(20) == 0) {
                    byte[] bytes = x.toBytes();
                    bytes[Transfer.SIGNATURE_OFFSET + random.nextInt(64)] ^= 1;
                    x = decode(bytes);
                }
                records.add(x);
            }
            MinerName winner = random.nextInt(6) == 0 ? dave : people[random.nextInt(people.length)].name;
            Map<MinerName, Long> before = ledger.balances();
            try {
                ledger.applyBlock(records, winner);
                blocks++;
                applied += records.size();
                for (TxRecord record : records) {
                    int who = indexOf(people, record.account());
                    if (record instanceof NameRegistration) {
                        bound[who] = true;
                    } else {
                        nextNonce[who]++;
                    }
                }
            } catch (RejectedException e) {
                refused++;
                assertThat(ledger.balances()).as("a refused block changes nothing: %s", e.getMessage())
                        .isEqualTo(before);
            }
            assertThat(ledger.total()).as("the sum after %d blocks", blocks).isEqualTo(blocks * COIN);
            assertThat(ledger.balances().values()).allSatisfy(b -> assertThat(b).isNotNegative());
            for (int p = 0; p < people.length; p++) {
                assertThat(ledger.lastNonce(people[p].name)).isEqualTo(nextNonce[p] - 1);
            }
        }
        assertThat(applied).as("records applied over the run").isGreaterThan(100);
        assertThat(refused).as("blocks refused over the run").isGreaterThan(20);
        assertThat(ledger.balance(dave)).as("dave received or mined something").isPositive();
    }

    private static int indexOf(TestKeys[] people, MinerName name) {
        for (int i = 0; i < people.length; i++) {
            if (people[i].name.equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException(name.value());
    }

    private static Transfer decode(byte[] bytes) {
        try {
            return (Transfer) TxRecord.decode(bytes);
        } catch (MalformedTxException e) {
            throw new IllegalStateException(e);
        }
    }
}
