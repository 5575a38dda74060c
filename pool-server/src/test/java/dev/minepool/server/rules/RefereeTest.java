package dev.minepool.server.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.minepool.protocol.BlockHeader;
import dev.minepool.protocol.Message;
import dev.minepool.protocol.ProofOfWork;
import dev.minepool.server.PoolConfig;
import dev.minepool.server.PoolLog;
import dev.minepool.server.chain.Block;
import dev.minepool.server.chain.ChainFile;
import dev.minepool.protocol.chain.Difficulty;
import dev.minepool.protocol.chain.DifficultyRule;
import dev.minepool.protocol.ledger.TxRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rules of the game with no socket: an outbox that records, a chain that is a list, a clock that is set. */
class RefereeTest {
    static final int BITS = 8;

    record Sent(Miner to, Message message) {
    }

    record Quitted(Miner who, Message.Quit.Reason reason) {
    }

    record Stored(Block block) {
    }

    /**
     * {@link BlockSink#announced}, with the records it was handed and the height {@link #referee} was mining at the
     * call (a test with a referee of its own ignores that).
     */
    record Announced(Block block, List<TxRecord> records, long miningHeight) {
    }

    /**
     * Everything the referee did, in order: sends, quits, stored and published blocks in one list, so order is
     * checked.
     */
    final List<Object> events = new ArrayList<>();
    final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    final PoolLog log = new PoolLog(new PrintStream(logBytes, true, StandardCharsets.UTF_8),
            new PrintStream(logBytes, true, StandardCharsets.UTF_8));
    long nanos = 1_000_000_000L;
    long millis = 1_700_000_000_000L;
    boolean diskFails;
    RuntimeException publishingFails;
    ChainFile.Tip tip = ChainFile.Tip.genesis();
    Difficulty difficulty = new Difficulty(DifficultyRule.fixed(BITS));

    final PoolClock clock = new PoolClock() {
        @Override
        public long nanoTime() {
            return nanos;
        }

        @Override
        public long currentTimeMillis() {
            return millis;
        }
    };

    final BlockSink chain = new BlockSink() {
        @Override
        public ChainFile.Tip tip() {
            return tip;
        }

        @Override
        public Difficulty difficulty() {
            return difficulty;
        }

        @Override
        public List<TxRecord> append(Block block) throws IOException {
            if (diskFails) {
                throw new IOException("No space left on device");
            }
            events.add(new Stored(block));
            tip = new ChainFile.Tip(block.height(), block.hash());
            difficulty.add(block.height(), block.zeroBits(), block.data(), block.foundAtMillis());
            return List.of(); // a chain of filler only
        }

        @Override
        public void announced(Block block, List<TxRecord> records) {
            events.add(new Announced(block, records, referee.height()));
            if (publishingFails != null) {
                throw publishingFails;
            }
        }
    };

    final Outbox outbox = new Outbox() {
        @Override
        public void send(Miner miner, Message message) {
            events.add(new Sent(miner, message));
        }

        @Override
        public void quit(Miner miner, Message.Quit.Reason reason) {
            events.add(new Quitted(miner, reason));
        }
    };

    /** Two slots per job (2^31 nonces each), so a third G opens a sibling job. */
    final PoolConfig config = PoolConfig.forTest(Path.of("chain-not-used.dat"), BITS).withSlotSize(1L << 31)
            .withLog(log).withTransactions((data, offset, length) -> Arrays.fill(data, offset, offset + length,
                    (byte) 7));
    final Referee referee = new Referee(config, clock, chain, outbox);
    int nextId;

    Miner miner() {
        return new Miner(++nextId, "10.0.0." + nextId + ":5000", nanos, millis);
    }

    /** {@code n} registrations of the names n0, n1, ... to one key. */
    static List<TxRecord> registrations(int n) {
        java.security.KeyPair key = dev.minepool.protocol.ledger.Ed25519.generate();
        byte[] raw = dev.minepool.protocol.ledger.Ed25519.rawPublicKey(key.getPublic());
        List<TxRecord> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            records.add(dev.minepool.protocol.ledger.NameRegistration.sign(dev.minepool.protocol.MinerName.parse(
                    "n" + i), raw, key.getPrivate()));
        }
        return records;
    }

    /** What a mempool of {@code pending} hands a new job: the records in order, as many as fit {@code capacity}. */
    static List<TxRecord> firstThatFit(List<TxRecord> pending, int capacity) {
        List<TxRecord> fit = new ArrayList<>();
        int used = 0;
        for (TxRecord r : pending) {
            if (used + r.length() > capacity) {
                break;
            }
            fit.add(r);
            used += r.length();
        }
        return fit;
    }

    /**
     * {@link #chain}, carrying transactions from block 1: a block's records are read back from its data and handed
     * to {@code onAnnounced}.
     */
    BlockSink withTransactions(java.util.function.BiConsumer<Block, List<TxRecord>> onAnnounced) {
        return new BlockSink() {
            @Override
            public ChainFile.Tip tip() {
                return chain.tip();
            }

            @Override
            public Difficulty difficulty() {
                return chain.difficulty();
            }

            @Override
            public long transactionsFrom() {
                return 1;
            }

            @Override
            public List<TxRecord> append(Block block) throws IOException {
                chain.append(block);
                try {
                    return dev.minepool.protocol.ledger.TxRegion.read(block.data());
                } catch (dev.minepool.protocol.ledger.MalformedTxException e) {
                    throw new AssertionError(e);
                }
            }

            @Override
            public void announced(Block block, List<TxRecord> records) {
                onAnnounced.accept(block, records);
            }
        };
    }

    Message.Task getWork(Miner miner, String name) {
        return getWork(referee, miner, name);
    }

    Message.Task getWork(Referee referee, Miner miner, String name) {
        int before = events.size();
        referee.getWork(miner, new Message.GetWork(name));
        assertThat(events).hasSize(before + 1);
        Sent sent = (Sent) events.get(before);
        assertThat(sent.to()).isSameAs(miner);
        return (Message.Task) sent.message();
    }

    static long nonce(Message.Task task, boolean valid) {
        for (long n = task.firstNonce(); n < task.endNonce(); n++) {
            if (ProofOfWork.meets(ProofOfWork.hash(task.data(), n), task.zeroBits()) == valid) {
                return n;
            }
        }
        throw new AssertionError("no " + (valid ? "valid" : "invalid") + " nonce in " + task);
    }

    String logText() {
        return logBytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theRuleSetsTheBitsOfEachHeightAMinerSeesThemInTAndTheChangeIsLogged() throws IOException {
        // Every block in the same millisecond against a 10 s target: from block 3 on, a quarter bit more a block.
        difficulty = new Difficulty(DifficultyRule.retarget(4, 10_000));
        Referee retargeting = new Referee(config, clock, chain, outbox);
        Miner alice = miner();
        List<Integer> asked = new ArrayList<>();
        List<Integer> stored = new ArrayList<>();
        long lastTimestamp = 0;
        for (int height = 1; height <= 5; height++) {
            if (height == 4) {
                millis -= 60_000; // the wall clock steps back a minute
            }
            Message.Task task = getWork(retargeting, alice, "alice");
            asked.add(task.zeroBits());
            assertThat(retargeting.zeroBits()).isEqualTo(task.zeroBits());
            long timestamp = BlockHeader.readFrom(task.data()).timestampMillis();
            assertThat(timestamp).as("block %d's job timestamp never goes back", height)
                    .isGreaterThanOrEqualTo(lastTimestamp);
            lastTimestamp = timestamp;
            Block block = retargeting.submit(alice, new Message.Submit(task.job(), nonce(task, true)));
            stored.add(block.zeroBits());
        }
        assertThat(asked).as("the bits of T for heights 1..5").containsExactly(4, 4, 4, 5, 5);
        assertThat(stored).as("each block stored at the bits its T asked").isEqualTo(asked);
        assertThat(logText()).containsOnlyOnce("difficulty:").contains("difficulty: block 4 needs 5 zero bits (was"
                + " 4): blocks came every 0.00 s over the last 2 blocks, target 10 s\n");
    }

    @Test
    void aNonceThatMeetsTheOldBitsButNotTheNewOnesIsRejected() throws IOException {
        difficulty = new Difficulty(DifficultyRule.retarget(4, 10_000));
        Referee retargeting = new Referee(config, clock, chain, outbox);
        Miner alice = miner();
        for (int height = 1; height <= 3; height++) {
            Message.Task task = getWork(retargeting, alice, "alice");
            retargeting.submit(alice, new Message.Submit(task.job(), nonce(task, true)));
        }
        Message.Task task = getWork(retargeting, alice, "alice");
        assertThat(task.zeroBits()).isEqualTo(5);
        long weak = task.firstNonce();
        while (!(ProofOfWork.leadingZeroBits(ProofOfWork.hash(task.data(), weak)) == 4)) {
            weak++;
        }
        assertThat(retargeting.submit(alice, new Message.Submit(task.job(), weak))).isNull();
        assertThat(events.get(events.size() - 1)).isEqualTo(new Sent(alice, new Message.Rejected(task.job())));
        assertThat(logText()).contains("gives 4 zero bits, 5 needed");
    }

    @Test
    void eachGetWorkGetsTheNextSlotAndAFullJobOpensASiblingWithOtherData() {
        Message.Task a = getWork(miner(), "alice");
        Message.Task b = getWork(miner(), "bob");
        Message.Task c = getWork(miner(), "carol");
        assertThat(List.of(a.slot(), b.slot())).containsExactly(0, 1);
        assertThat(b.job()).isEqualTo(a.job());
        assertThat(c.job()).as("a sibling job").isNotEqualTo(a.job());
        assertThat(c.slot()).isZero();
        assertThat(c.data()).as("a new extra-nonce, so other data").isNotEqualTo(a.data());
        assertThat(List.of(a.zeroBits(), c.zeroBits())).containsOnly(BITS);
    }

    @Test
    void theFirstValidNonceIsStoredThenAcceptedThenEveryOtherHolderIsInvalidated() throws IOException {
        Miner alice = miner();
        Miner bob = miner();
        Miner carol = miner();
        Message.Task task = getWork(alice, "alice");
        getWork(bob, "bob");
        Message.Task sibling = getWork(carol, "carol");
        events.clear();

        Block block = referee.submit(alice, new Message.Submit(task.job(), nonce(task, true)));

        assertThat(block).isNotNull();
        assertThat(block.height()).isEqualTo(1);
        assertThat(block.winner()).isEqualTo("alice");
        assertThat(events.get(0)).as("on disk before anyone is told").isEqualTo(new Stored(block));
        assertThat(events.get(1)).isEqualTo(new Sent(alice, new Message.Accepted(task.job())));
        assertThat(events.subList(2, 4)).as("I to every other holder, naming its own job")
                .containsExactlyInAnyOrder(new Sent(bob, new Message.Invalidated(task.job())),
                        new Sent(carol, new Message.Invalidated(sibling.job())));
        assertThat(events.subList(4, events.size())).as("published once, after the A and every I, while height 1 is"
                + " still the one being mined (before the next height's jobs)").containsExactly(
                new Announced(block, List.of(), 1));
        assertThat(referee.height()).as("the next height").isEqualTo(2);
        assertThat(alice.blocksWon()).isEqualTo(1);
    }

    @Test
    void aLateWinnerIsInvalidatedAndAFalseWinnerRejected() throws IOException {
        Miner alice = miner();
        Miner bob = miner();
        Message.Task a = getWork(alice, "alice");
        Message.Task b = getWork(bob, "bob");

        assertThat(referee.submit(bob, new Message.Submit(b.job(), nonce(b, false)))).isNull();
        assertThat(events.get(events.size() - 1)).isEqualTo(new Sent(bob, new Message.Rejected(b.job())));

        referee.submit(alice, new Message.Submit(a.job(), nonce(a, true)));
        events.clear();
        assertThat(referee.submit(bob, new Message.Submit(b.job(), nonce(b, true)))).as("late: no block").isNull();
        assertThat(events).containsExactly(new Sent(bob, new Message.Invalidated(b.job())));
        assertThat(referee.totals().blocks()).isEqualTo(1);
        assertThat(referee.totals().lateSubmits()).isEqualTo(1);
    }

    @Test
    void aSubmitBeforeGetWorkOrForAJobNotGivenToThisConnectionIsRejected() throws IOException {
        Miner alice = miner();
        Miner bob = miner();
        referee.submit(alice, new Message.Submit(0, 1));
        Message.Task task = getWork(bob, "bob");
        getWork(alice, "alice");
        events.clear();
        // alice was given the same job; a job number alice never had is unknown to her
        referee.submit(alice, new Message.Submit(task.job() + 1, nonce(task, true)));
        assertThat(events).containsExactly(new Sent(alice, new Message.Rejected(task.job() + 1)));
        assertThat(referee.totals().rejectedSubmits()).isEqualTo(2);
        assertThat(logText()).contains("rejected S from 10.0.0.1:5000: job 0 nonce 0x00000001 before any G")
                .contains("unknown job " + (task.job() + 1));
    }

    @Test
    void aNameThatBreaksTheRulesIsRefusedWithQAndLoggedEscapedOnOneLine() {
        Miner evil = miner();
        referee.getWork(evil, new Message.GetWork("ev\nINFO x".getBytes(StandardCharsets.UTF_8)));
        assertThat(events).containsExactly(new Quitted(evil, Message.Quit.Reason.BAD_NAME));
        assertThat(evil.name()).isNull();
        assertThat(logText().lines()).hasSize(1).first().asString()
                .contains("refused G from 10.0.0.1:5000: the miner name \"ev\\u{000A}INFO x\" contains a control"
                        + " character (U+000A); sent Q");
        assertThat(referee.totals().badNames()).isEqualTo(1);
    }

    @Test
    void aSecondNameOnTheSameConnectionIsRefusedSoAWinIsNeverCreditedToIt() {
        Miner miner = miner();
        getWork(miner, "renA");
        events.clear();
        referee.getWork(miner, new Message.GetWork("renB"));
        assertThat(events).containsExactly(new Quitted(miner, Message.Quit.Reason.NAME_CHANGED));
        assertThat(miner.name().value()).isEqualTo("renA");
        assertThat(logText()).contains("closed miner renA (10.0.0.1:5000): its G named \"renB\"");
    }

    @Test
    void aFloodOfBadSubmitsIsCutOffAndOnlyItsFirstLinesAreLogged() throws IOException {
        Miner flood = miner();
        Message.Task task = getWork(flood, "flood");
        long bad = nonce(task, false);
        events.clear();
        for (int i = 0; i < 100 && events.stream().noneMatch(e -> e instanceof Quitted); i++) {
            referee.submit(flood, new Message.Submit(task.job(), bad));
        }
        assertThat(events).hasSize(RejectLimit.BURST + 1);
        assertThat(events.get(RejectLimit.BURST)).isEqualTo(new Quitted(flood, Message.Quit.Reason.TOO_MANY_REJECTS));
        assertThat(logText().lines().filter(l -> l.contains("rejected S from miner flood")))
                .hasSize(Miner.WARNINGS_IN_FULL);
        assertThat(logText()).contains("closed miner flood (10.0.0.1:5000): 21 rejected submits, more than 20 at"
                + " once or 2 a second; sent Q");
        referee.disconnected(flood);
        assertThat(logText()).contains("… 15 more rejected submits from miner flood (10.0.0.1:5000) were not"
                + " logged");
        assertThat(referee.totals().closedForRejects()).isEqualTo(1);
    }

    @Test
    void rejectsAtTheSustainedRateNeverCloseTheConnection() throws IOException {
        Miner slow = miner();
        Message.Task task = getWork(slow, "slow");
        long bad = nonce(task, false);
        for (int i = 0; i < 200; i++) {
            nanos += 1_000_000_000L / RejectLimit.PER_SECOND;
            referee.submit(slow, new Message.Submit(task.job(), bad));
        }
        assertThat(events).noneMatch(e -> e instanceof Quitted);
        referee.reportSuppressedWarnings();
        assertThat(logText()).contains("… 195 more rejected submits from miner slow");
    }

    @Test
    void aBlockThatCannotBeStoredIsNeitherAcceptedNorAnnounced() {
        Miner alice = miner();
        Miner bob = miner();
        Message.Task task = getWork(alice, "alice");
        getWork(bob, "bob");
        events.clear();
        diskFails = true;
        assertThatThrownBy(() -> referee.submit(alice, new Message.Submit(task.job(), nonce(task, true))))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("could not write block 1 to the chain file")
                .hasMessageContaining("No space left on device");
        assertThat(events).as("no A, no I").isEmpty();
    }

    @Test
    void aBlockThatCannotBePublishedIsReportedWithItsHeightAfterEveryoneWasTold() throws IOException {
        Miner alice = miner();
        Miner bob = miner();
        Message.Task task = getWork(alice, "alice");
        getWork(bob, "bob");
        events.clear();
        publishingFails = new IllegalStateException("the ledger is out of step");
        assertThatThrownBy(() -> referee.submit(alice, new Message.Submit(task.job(), nonce(task, true))))
                .isInstanceOf(UnpublishedBlockException.class)
                .hasMessage("block 1 is on disk and acknowledged, but publishing it to the ledger and the mempool"
                        + " failed: java.lang.IllegalStateException: the ledger is out of step")
                .satisfies(e -> assertThat(((UnpublishedBlockException) e).height()).isEqualTo(1));
        assertThat(events).as("stored, and everyone told, before the failure").hasSize(4);
        assertThat(events.subList(0, 3)).extracting(Object::getClass).containsExactly(Stored.class, Sent.class,
                Sent.class);
        assertThat(logText()).as("no 'found' line for a block the API may not show").doesNotContain("block 1 found");
    }

    @Test
    void aBlocksRecordsAreHandedBackAfterItsNewsAndLeaveTheMempoolBeforeTheNextHeightTakesAny() throws Exception {
        List<TxRecord> mempool = new ArrayList<>(registrations(12));
        List<TxRecord> all = List.copyOf(mempool);
        BlockSink withMempool = withTransactions((block, records) -> {
            events.add(new Announced(block, records, -1));
            mempool.removeAll(records);
        });
        Referee filling = new Referee(config, clock, withMempool, outbox, capacity -> firstThatFit(mempool,
                capacity));
        Miner alice = miner();
        Miner bob = miner();
        Message.Task task = getWork(filling, alice, "alice");
        getWork(filling, bob, "bob");
        events.clear();
        Block block = filling.submit(alice, new Message.Submit(task.job(), nonce(task, true)));

        assertThat(events).extracting(Object::getClass).as("stored, A, I, then published").containsExactly(
                Stored.class, Sent.class, Sent.class, Announced.class);
        assertThat(((Announced) events.get(3)).records()).as("the records append returned, back in order")
                .containsExactlyElementsOf(all.subList(0, 9));
        assertThat(mempool).containsExactlyElementsOf(all.subList(9, 12));
        Message.Task next = getWork(filling, alice, "alice");
        assertThat(BlockHeader.readFrom(next.data()).height()).isEqualTo(block.height() + 1);
        assertThat(dev.minepool.protocol.ledger.TxRegion.read(next.data()))
                .as("the next height's job carries the records still pending, none of the block's")
                .containsExactlyElementsOf(all.subList(9, 12));
    }

    @Test
    void aMinerThatLeftIsNotInvalidatedAndASearchedSlotIsCounted() throws IOException {
        Miner alice = miner();
        Miner gone = miner();
        Message.Task task = getWork(alice, "alice");
        getWork(gone, "gone");
        referee.disconnected(gone);
        getWork(alice, "alice"); // asked again without an answer: it searched its slot
        assertThat(alice.slotsSearched()).isEqualTo(1);
        events.clear();
        referee.submit(alice, new Message.Submit(task.job(), nonce(task, true)));
        assertThat(events).noneMatch(e -> e instanceof Sent s && s.to() == gone);
    }

    @Test
    void aJobOfAChainWithTransactionsCarriesPendingRecordsInOrderThenTheFiller() throws Exception {
        List<TxRecord> pending = registrations(12);
        List<Integer> asked = new ArrayList<>();
        Referee filling = new Referee(config, clock, withTransactions((block, records) -> { }), outbox, capacity -> {
            asked.add(capacity);
            return firstThatFit(pending, capacity);
        });
        Message.Task task = getWork(filling, miner(), "alice");
        assertThat(asked).as("the room after the count in 1024 bytes").containsExactly(1024 - 52 - 2);
        List<dev.minepool.protocol.ledger.TxRecord> carried = dev.minepool.protocol.ledger.TxRegion.read(task.data());
        assertThat(carried).as("9 registrations of 107 bytes fit, in order").containsExactlyElementsOf(
                pending.subList(0, 9));
        int end = 52 + 2 + 9 * dev.minepool.protocol.ledger.NameRegistration.LENGTH;
        assertThat(Arrays.copyOfRange(task.data(), end, 1024)).as("the filler after them").containsOnly((byte) 7);
    }
}
