package dev.minepool.server.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.minepool.protocol.MinerName;
import dev.minepool.protocol.ledger.Accounts;
import dev.minepool.protocol.ledger.Accounts.Reason;
import dev.minepool.protocol.ledger.Ed25519;
import dev.minepool.protocol.ledger.NameRegistration;
import dev.minepool.protocol.ledger.Transfer;
import dev.minepool.protocol.ledger.TxRecord;
import dev.minepool.server.chain.ChainBalances;
import java.security.KeyPair;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The mempool's rules without a socket: a chain is a {@link ChainBalances} the test applies blocks to. */
class MempoolTest {
    static final long COIN = 100_000_000L;
    final MinerName alice = MinerName.parse("alice");
    final MinerName bob = MinerName.parse("bob");
    final KeyPair aliceKey = Ed25519.generate();
    final KeyPair bobKey = Ed25519.generate();
    final ChainBalances chain = new ChainBalances();
    final Ledger ledger = Ledger.inMemory(1, chain.copy());
    final Mempool mempool = new Mempool(() -> chain, ledger);

    NameRegistration register(MinerName name, KeyPair key) {
        return NameRegistration.sign(name, Ed25519.rawPublicKey(key.getPublic()), key.getPrivate());
    }

    Transfer send(long units, long nonce) {
        return Transfer.sign(alice, bob, units, nonce, aliceKey.getPrivate());
    }

    /**
     * A block with {@code records} won by {@code winner}: on the chain, in the readers' ledger, then told to the
     * mempool, in the order the pool does it.
     */
    void block(MinerName winner, List<TxRecord> records) throws Exception {
        chain.accounts().applyBlock(records, winner);
        int length = 0;
        for (TxRecord r : records) {
            length += r.length();
        }
        byte[] data = new byte[dev.minepool.protocol.BlockHeader.LENGTH + 2 + length];
        dev.minepool.protocol.ledger.TxRegion.write(data, records);
        ledger.append(new dev.minepool.server.chain.Block(ledger.height() + 1, new byte[32], data, 0, 1,
                winner.value(), 0, 0), records, chain.copy());
        mempool.blockOnDisk(winner, records);
    }

    void aliceHasTwoCoins() throws Exception {
        block(alice, List.of(register(alice, aliceKey), register(bob, bobKey)));
        block(alice, List.of());
    }

    static Reason reason(Mempool pool, TxRecord record) {
        try {
            pool.offer(record);
            return null;
        } catch (Accounts.RejectedException e) {
            return e.reason();
        }
    }

    @Test
    void aNewJobTakesPendingRecordsInArrivalOrderAsManyAsFit() throws Exception {
        aliceHasTwoCoins();
        Transfer one = send(1, 1);
        Transfer two = send(1, 2);
        Transfer three = send(1, 3);
        mempool.offer(one);
        mempool.offer(two);
        mempool.offer(three);
        assertThat(mempool.take(3 * Transfer.LENGTH)).containsExactly(one, two, three);
        assertThat(mempool.take(3 * Transfer.LENGTH - 1)).as("the third does not fit: stop there")
                .containsExactly(one, two);
        assertThat(mempool.take(0)).isEmpty();
        assertThat(mempool.size()).as("taking leaves them pending").isEqualTo(3);
    }

    @Test
    void pendingSpendsAndNoncesCountAndIncomingCoinsDoNot() throws Exception {
        aliceHasTwoCoins();
        mempool.offer(send(COIN + COIN / 2, 1));
        assertThat(reason(mempool, send(COIN, 2))).as("1.5 of 2 coins pending").isEqualTo(Reason.INSUFFICIENT_FUNDS);
        assertThat(reason(mempool, send(1, 1))).as("nonce 1 is pending").isEqualTo(Reason.BAD_NONCE);
        assertThat(reason(mempool, Transfer.sign(bob, alice, 1, 1, bobKey.getPrivate())))
                .as("bob's incoming 1.5 is not confirmed").isEqualTo(Reason.INSUFFICIENT_FUNDS);
        assertThat(reason(mempool, register(bob, aliceKey))).isEqualTo(Reason.NAME_TAKEN);
        Ledger.PendingAccount view = ledger.pendingAccount(alice);
        assertThat(view.confirmed()).isEqualTo(2 * COIN);
        assertThat(view.spendable()).isEqualTo(COIN / 2);
        assertThat(view.nextNonce()).isEqualTo(2);
    }

    @Test
    void aBlockOfThePendingHeadConfirmsThemAndTheRestStayPending() throws Exception {
        aliceHasTwoCoins();
        Transfer one = send(COIN / 2, 1);
        Transfer two = send(COIN / 2, 2);
        mempool.offer(one);
        mempool.offer(two);
        block(bob, List.of(one));
        assertThat(mempool.size()).isEqualTo(1);
        assertThat(ledger.status(two.txidHex()).state()).isEqualTo(TxStatus.State.PENDING);
        assertThat(ledger.status(one.txidHex()).state()).isEqualTo(TxStatus.State.CONFIRMED);
        assertThat(ledger.pendingAccount(bob).spendable()).as("bob's reward and the confirmed half")
                .isEqualTo(COIN + COIN / 2);
        assertThat(reason(mempool, send(COIN / 2, 3))).as("alice: 1.5 confirmed, 0.5 pending").isNull();
    }

    @Test
    void aBlockThatIsNotThePendingHeadMakesTheRestBeCheckedAgainAndDropsWhatNoLongerPasses() throws Exception {
        aliceHasTwoCoins();
        Transfer pendingOne = send(COIN + COIN / 2, 1);
        Transfer pendingTwo = send(COIN / 4, 2);
        mempool.offer(pendingOne);
        mempool.offer(pendingTwo);
        // Another chain's block spent alice's nonce 1 differently (say, from a pool restarted without its mempool).
        Transfer elsewhere = Transfer.sign(alice, MinerName.parse("carol"), COIN, 1, aliceKey.getPrivate());
        block(bob, List.of(elsewhere));
        TxStatus dropped = ledger.status(pendingOne.txidHex());
        assertThat(dropped.state()).isEqualTo(TxStatus.State.DROPPED);
        assertThat(dropped.reason()).isEqualTo(Reason.BAD_NONCE);
        assertThat(ledger.status(pendingTwo.txidHex()).state()).as("nonce 2 follows the confirmed 1 now")
                .isEqualTo(TxStatus.State.PENDING);
        assertThat(mempool.size()).isEqualTo(1);
        assertThat(mempool.dropped()).isEqualTo(1);
    }

    @Test
    void theMempoolIsBoundedPerSender() throws Exception {
        aliceHasTwoCoins();
        block(bob, List.of());
        for (int nonce = 1; nonce <= Mempool.MAX_PER_SENDER; nonce++) {
            mempool.offer(send(1, nonce));
        }
        assertThatThrownBy(() -> mempool.offer(send(1, Mempool.MAX_PER_SENDER + 1)))
                .isInstanceOf(Accounts.RejectedException.class).hasMessageContaining("limit per sender");
        assertThat(reason(mempool, Transfer.sign(bob, alice, 1, 1, bobKey.getPrivate())))
                .as("another sender is not held up").isNull();
    }

    @Test
    void aDuplicateIsRefusedAndNothingChanges() throws Exception {
        aliceHasTwoCoins();
        Transfer t = send(1, 1);
        mempool.offer(t);
        assertThatThrownBy(() -> mempool.offer(t)).hasMessageContaining("already pending");
        assertThat(mempool.size()).isEqualTo(1);
        assertThat(mempool.accepted()).isEqualTo(1);
    }


    @Test
    void aRecordNotYetStoredIsPendingButNoJobTakesItNorAnyAfterIt() throws Exception {
        NameRegistration a = register(alice, aliceKey);
        NameRegistration b = register(bob, bobKey);
        mempool.offer(a, true);
        mempool.offer(b, false);
        assertThat(ledger.status(b.txidHex()).state()).isEqualTo(TxStatus.State.PENDING);
        assertThat(mempool.take(10_000)).containsExactly(a);
        mempool.stored(List.of(b));
        assertThat(mempool.take(10_000)).containsExactly(a, b);
    }

    @Test
    void aWithdrawnRecordIsUnknownAgainAndARecordBuiltOnItIsDropped() throws Exception {
        aliceHasTwoCoins();
        Transfer first = send(COIN / 2, 1);
        Transfer second = send(COIN / 2, 2);
        mempool.offer(first, false);
        mempool.offer(second, false);
        mempool.withdraw(List.of(first));
        assertThat(ledger.status(first.txidHex())).isNull();
        assertThat(ledger.status(second.txidHex()).reason()).isEqualTo(Reason.BAD_NONCE);
        assertThat(mempool.size()).isZero();
        assertThat(mempool.take(10_000)).isEmpty();
    }

    @Test
    void restoreChecksEachRecordAsAFreshPostAndSaysWhatItDropped() throws Exception {
        aliceHasTwoCoins();
        NameRegistration confirmed = register(alice, aliceKey);
        Transfer pay = send(COIN / 2, 1);
        Transfer rival = send(COIN, 1);
        Transfer forged = Transfer.sign(alice, bob, 1, 2, bobKey.getPrivate());
        Mempool.Restored restored = mempool.restore(List.of(confirmed, pay, rival, forged, pay));
        assertThat(restored.kept()).containsExactly(pay);
        assertThat(restored.confirmed()).containsExactly(1L);
        assertThat(restored.dropped()).containsExactly(java.util.Map.entry(Reason.BAD_SIGNATURE, 1),
                java.util.Map.entry(Reason.BAD_NONCE, 1)); // in the enum's order, as the log line says them
        assertThat(restored.repeated()).isEqualTo(1);
        assertThat(restored.droppedTotal()).isEqualTo(3);
        assertThat(ledger.status(rival.txidHex()).state()).isEqualTo(TxStatus.State.DROPPED);
    }
}
