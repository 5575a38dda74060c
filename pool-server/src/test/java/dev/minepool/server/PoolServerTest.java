package dev.minepool.server;

import dev.minepool.server.chain.Genesis;
import dev.minepool.server.status.PoolSnapshot;
import static org.assertj.core.api.Assertions.assertThat;

import dev.minepool.protocol.BlockHeader;
import dev.minepool.protocol.Message;
import dev.minepool.protocol.ProofOfWork;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PoolServerTest {
    static final int BITS = 10;
    static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    final CapturingLog log = new CapturingLog();
    final List<AutoCloseable> toClose = new ArrayList<>();

    PoolConfig config() {
        return PoolConfig.forTest(dir.resolve("chain.dat"), BITS).withLog(log);
    }

    PoolServer start(PoolConfig config) throws IOException {
        PoolServer pool = new PoolServer(config);
        toClose.add(pool);
        pool.start();
        return pool;
    }

    TestMiner miner(PoolServer pool) throws IOException {
        TestMiner miner = new TestMiner(pool.port());
        toClose.add(0, miner);
        return miner;
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    @Test
    void getWorkIsAnsweredWithATaskInTheDocumentedLayout() throws Exception {
        PoolServer pool = start(config().withTransactions((data, offset, length) ->
                Arrays.fill(data, offset, offset + length, (byte) 0xAB)));
        long before = System.currentTimeMillis();
        Message.Task task = miner(pool).getWork("alice");
        long after = System.currentTimeMillis();

        assertThat(task.slot()).isZero();
        assertThat(task.slotSize()).isEqualTo(PoolConfig.DEFAULT_SLOT_SIZE);
        assertThat(task.zeroBits()).isEqualTo(BITS);
        assertThat(task.dataLength()).isEqualTo(1024);
        BlockHeader header = BlockHeader.readFrom(task.data());
        assertThat(header.previousHash()).as("block 1 links to genesis").isEqualTo(Genesis.hash());
        assertThat(header.height()).isEqualTo(1);
        assertThat(header.timestampMillis()).isBetween(before, after);
        assertThat(Arrays.copyOfRange(task.data(), BlockHeader.TRANSACTIONS_OFFSET,
                BlockHeader.TRANSACTIONS_OFFSET + 2)).as("the transaction region's count: nothing pending")
                .containsOnly((byte) 0);
        assertThat(Arrays.copyOfRange(task.data(), BlockHeader.TRANSACTIONS_OFFSET + 2, 1024))
                .as("the filler after the records comes from the configured source").containsOnly((byte) 0xAB);
    }

    @Test
    void twoMinersGetDifferentSlotsOfTheSameJob() throws Exception {
        PoolServer pool = start(config());
        Message.Task a = miner(pool).getWork("alice");
        Message.Task b = miner(pool).getWork("bob");
        assertThat(b.job()).isEqualTo(a.job());
        assertThat(b.data()).isEqualTo(a.data());
        assertThat(Set.of(a.slot(), b.slot())).containsExactlyInAnyOrder(0, 1);
    }

    @Test
    void slotExhaustionOpensASiblingJobAtTheSameHeight() throws Exception {
        PoolServer pool = start(config().withSlotSize(1L << 31)); // two slots per job
        TestMiner miner = miner(pool);
        Message.Task first = miner.getWork("alice");
        Message.Task second = miner.getWork("alice");
        Message.Task third = miner.getWork("alice");

        assertThat(List.of(first.slot(), second.slot())).containsExactly(0, 1);
        assertThat(second.endNonce()).as("the last slot ends at 2^32").isEqualTo(1L << 32);
        assertThat(third.job()).as("a sibling job").isNotEqualTo(first.job());
        assertThat(third.slot()).isZero();
        BlockHeader a = BlockHeader.readFrom(first.data());
        BlockHeader c = BlockHeader.readFrom(third.data());
        assertThat(c.height()).isEqualTo(a.height());
        assertThat(c.previousHash()).isEqualTo(a.previousHash());
        assertThat(c.extraNonce()).isNotEqualTo(a.extraNonce());
    }

    @Test
    void validSubmitIsAcceptedAndInvalidatesOtherMiners() throws Exception {
        PoolServer pool = start(config().withSlotSize(1L << 31));
        TestMiner alice = miner(pool);
        TestMiner bob = miner(pool);
        TestMiner carol = miner(pool);
        TestMiner idle = miner(pool);
        Message.Task task = alice.getWork("alice");
        bob.getWork("bob");
        carol.getWork("carol");
        Message.Task carolsLast = carol.getWork("carol"); // a sibling job: carol's I names this one
        assertThat(carolsLast.job()).isNotEqualTo(task.job());

        alice.send(new Message.Submit(task.job(), TestMiner.validNonce(task)));

        assertThat(alice.read()).isEqualTo(new Message.Accepted(task.job()));
        assertThat(bob.read()).isEqualTo(new Message.Invalidated(task.job()));
        assertThat(carol.read()).as("I names the job of the slot carol was given last")
                .isEqualTo(new Message.Invalidated(carolsLast.job()));
        assertThat(pool.awaitBlocks(1, WAIT)).isTrue();
        assertThat(log.await("block 1 found by alice: job " + task.job(), WAIT)).isNotNull();
        idle.send(new Message.GetWork("idle"));
        assertThat(idle.read()).as("a miner without a slot gets no I, only its T")
                .isInstanceOf(Message.Task.class);
    }

    @Test
    void aSecondValidNonceForTheSameHeightIsInvalidated() throws Exception {
        PoolServer pool = start(config());
        TestMiner alice = miner(pool);
        TestMiner bob = miner(pool);
        Message.Task a = alice.getWork("alice");
        Message.Task b = bob.getWork("bob");
        alice.send(new Message.Submit(a.job(), TestMiner.validNonce(a)));
        assertThat(alice.read()).isEqualTo(new Message.Accepted(a.job()));
        assertThat(bob.read()).isEqualTo(new Message.Invalidated(b.job()));

        bob.send(new Message.Submit(b.job(), TestMiner.validNonce(b)));
        assertThat(bob.read()).isEqualTo(new Message.Invalidated(b.job()));
        alice.send(new Message.Submit(a.job(), TestMiner.validNonce(a)));
        assertThat(alice.read()).as("the winner's own repeat").isEqualTo(new Message.Invalidated(a.job()));
        assertThat(pool.blocksMined()).isEqualTo(1);
    }

    @Test
    void wrongNonceUnknownJobAndSubmitBeforeGetWorkAreRejected() throws Exception {
        PoolServer pool = start(config());
        TestMiner alice = miner(pool);
        TestMiner early = miner(pool);
        Message.Task task = alice.getWork("alice");

        alice.send(new Message.Submit(task.job(), TestMiner.invalidNonce(task)));
        assertThat(alice.read()).as("a false winner").isEqualTo(new Message.Rejected(task.job()));
        int unknown = (task.job() + 1000) & 0xFFFF;
        alice.send(new Message.Submit(unknown, TestMiner.validNonce(task)));
        assertThat(alice.read()).as("an unknown job").isEqualTo(new Message.Rejected(unknown));
        early.send(new Message.Submit(task.job(), TestMiner.validNonce(task)));
        assertThat(early.read()).as("S before G").isEqualTo(new Message.Rejected(task.job()));

        assertThat(pool.blocksMined()).isZero();
        alice.send(new Message.Submit(task.job(), TestMiner.validNonce(task)));
        assertThat(alice.read()).as("the connection still works").isEqualTo(new Message.Accepted(task.job()));
    }

    @Test
    void messagesWrittenOneByteAtATimeAreDecoded() throws Exception {
        PoolServer pool = start(config());
        TestMiner miner = miner(pool);
        for (byte b : new Message.GetWork("slowpoke").toBytes()) {
            miner.write(new byte[] {b});
        }
        Message.Task task = miner.read(Message.Task.class);
        for (byte b : new Message.Submit(task.job(), TestMiner.validNonce(task)).toBytes()) {
            miner.write(new byte[] {b});
        }
        assertThat(miner.read()).isEqualTo(new Message.Accepted(task.job()));
    }

    @Test
    void coalescedMessagesAreAllAnswered() throws Exception {
        PoolServer pool = start(config());
        TestMiner miner = miner(pool);
        byte[] g = new Message.GetWork("batch").toBytes();
        byte[] early = new Message.Submit(7, 1).toBytes();
        byte[] three = new byte[early.length + 3 * g.length];
        System.arraycopy(early, 0, three, 0, early.length);
        for (int i = 0; i < 3; i++) {
            System.arraycopy(g, 0, three, early.length + i * g.length, g.length);
        }
        miner.write(three);
        assertThat(miner.read()).isEqualTo(new Message.Rejected(7));
        Set<Integer> slots = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            slots.add(miner.read(Message.Task.class).slot());
        }
        assertThat(slots).containsExactlyInAnyOrder(0, 1, 2);
    }

    @Test
    void unknownTypeByteClosesOnlyThatConnection() throws Exception {
        PoolServer pool = start(config());
        TestMiner good = miner(pool);
        TestMiner bad = miner(pool);
        Message.Task task = good.getWork("good");

        bad.write(new byte[] {'X', 1, 2, 3});
        assertThat(bad.closedByPool()).as("the pool closes the offender").isTrue();
        assertThat(log.await("unknown message type byte 'X' (0x58)", WAIT)).isNotNull().contains("127.0.0.1:");

        TestMiner reverse = miner(pool);
        reverse.write(new Message.Accepted(1).toBytes());
        assertThat(reverse.closedByPool()).as("a pool-to-miner type is a violation too").isTrue();

        good.send(new Message.Submit(task.job(), TestMiner.validNonce(task)));
        assertThat(good.read()).isEqualTo(new Message.Accepted(task.job()));
    }

    /**
     * A T is written as a header and the job's shared data in one gathering write; when the socket takes only part
     * of it, the rest must queue in order, whole, and the shared data must not be disturbed for the next miner.
     */
    @Test
    void aMinerThatReadsSlowlyGetsEveryTaskWholeAndInOrder() throws Exception {
        PoolServer pool = start(config().withDataSize(65535));
        TestMiner slow = new TestMiner(pool.port(), 4096); // a small window: the first T cannot go at once
        toClose.add(slow);
        byte[] g = new Message.GetWork("slow").toBytes();
        slow.write(g);
        slow.write(g); // asked again before reading: its second T queues behind what is left of the first
        Message.Task first = (Message.Task) slow.read();
        Message.Task second = (Message.Task) slow.read();
        assertThat(first.dataLength()).isEqualTo(65535);
        assertThat(second.job()).isEqualTo(first.job());
        assertThat(second.slot()).isEqualTo(first.slot() + 1);
        assertThat(second.data()).as("the same job's data, whole").isEqualTo(first.data());
        TestMiner other = miner(pool);
        Message.Task third = other.getWork("other");
        assertThat(third.data()).as("the shared data is intact for the next miner").isEqualTo(first.data());
        other.send(new Message.Submit(third.job(), TestMiner.validNonce(third)));
        assertThat(other.read()).as("and it is what the pool checks a nonce against")
                .isEqualTo(new Message.Accepted(third.job()));
    }

    @Test
    void aMinerThatNeverReadsIsDisconnectedWithoutStallingTheOthers() throws Exception {
        PoolServer pool = start(config().withDataSize(65535)); // big T's fill its queue quickly
        TestMiner hog = new TestMiner(pool.port(), 4096);
        toClose.add(hog);
        TestMiner other = miner(pool);
        byte[] g = new Message.GetWork("hog").toBytes();
        boolean cut = false;
        for (int i = 0; i < 1000 && !cut; i++) {
            try {
                hog.write(g);
            } catch (IOException e) {
                cut = true; // the pool closed it: reset or broken pipe
            }
            if (i % 10 == 9) {
                Message.Task task = other.getWork("other");
                assertThat(task.dataLength()).as("the others are still served").isEqualTo(65535);
            }
            if (!cut && log.await("closed miner hog", Duration.ZERO) != null) {
                cut = true;
            }
        }
        // Whether or not one of the hog's writes failed, the pool must have closed it for not reading: a reset
        // for any other reason is not what this test is about.
        assertThat(pool.awaitSnapshot(s -> s.loop().notReading() == 1, WAIT)).as("closed for not reading")
                .isNotNull();
        assertThat(log.lines()).as("the pool's reason for closing the hog")
                .anyMatch(l -> l.contains("closed miner hog") && l.contains("it is not reading"));
        assertThat(other.getWork("other").dataLength()).isEqualTo(65535);
    }

    @Test
    void severalHundredMinersAllGetWorkAndAllGetInvalidatedWhenOneWins() throws Exception {
        int count = 300;
        PoolServer pool = start(config().withSlotSize(1L << 24));
        List<TestMiner> miners = new ArrayList<>();
        List<Message.Task> tasks = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            miners.add(miner(pool));
        }
        for (int i = 0; i < count; i++) {
            miners.get(i).send(new Message.GetWork("m" + i));
        }
        Set<String> work = new HashSet<>();
        for (TestMiner m : miners) {
            Message.Task task = m.read(Message.Task.class);
            tasks.add(task);
            work.add(task.job() + "/" + task.slot());
        }
        assertThat(work).as("every miner has its own slot").hasSize(count);

        Message.Task winning = tasks.get(0);
        miners.get(0).send(new Message.Submit(winning.job(), TestMiner.validNonce(winning)));
        assertThat(miners.get(0).read()).isEqualTo(new Message.Accepted(winning.job()));
        for (int i = 1; i < count; i++) {
            assertThat(miners.get(i).read()).as("miner m" + i)
                    .isEqualTo(new Message.Invalidated(tasks.get(i).job()));
        }
    }

    @Test
    void aConnectionThatSendsNoGetWorkIsClosed() throws Exception {
        PoolServer pool = start(config().withGetWorkTimeout(Duration.ofMillis(200)));
        TestMiner silent = miner(pool);
        TestMiner prompt = miner(pool);
        prompt.getWork("prompt");
        assertThat(silent.closedByPool()).as("closed for sending no G").isTrue();
        assertThat(log.await("no G within 200 ms", WAIT)).isNotNull();
        Message.Task task = prompt.getWork("prompt");
        assertThat(task.slot()).as("a miner that sent G stays").isEqualTo(1);
    }

    @Test
    void aConnectionOverTheClientLimitGetsQuit() throws Exception {
        PoolServer pool = start(config().withMaxClients(2));
        TestMiner a = miner(pool);
        TestMiner b = miner(pool);
        a.getWork("a");
        b.getWork("b");
        TestMiner c = miner(pool);
        assertThat(c.read()).isEqualTo(new Message.Quit(Message.Quit.Reason.POOL_FULL));
        assertThat(c.closedByPool()).isTrue();
        a.close();
        assertThat(log.await("miner a (127.0.0.1", WAIT)).contains("disconnected");
        assertThat(miner(pool).getWork("d").slot()).as("a freed place can be taken").isEqualTo(2);
    }

    @Test
    void maxBlocksSendsQuitToEveryoneAndStops() throws Exception {
        PoolServer pool = start(config().withMaxBlocks(1));
        TestMiner alice = miner(pool);
        TestMiner bob = miner(pool);
        TestMiner lurker = miner(pool);
        Message.Task a = alice.getWork("alice");
        Message.Task b = bob.getWork("bob");
        alice.send(new Message.Submit(a.job(), TestMiner.validNonce(a)));
        assertThat(alice.read()).isEqualTo(new Message.Accepted(a.job()));
        assertThat(alice.read()).isEqualTo(new Message.Quit(Message.Quit.Reason.SHUTDOWN));
        assertThat(bob.read()).isEqualTo(new Message.Invalidated(b.job()));
        assertThat(bob.read()).isEqualTo(new Message.Quit(Message.Quit.Reason.SHUTDOWN));
        assertThat(lurker.read()).isEqualTo(new Message.Quit(Message.Quit.Reason.SHUTDOWN));
        assertThat(alice.closedByPool()).isTrue();
        assertThat(pool.awaitTermination(WAIT)).isTrue();
        assertThat(pool.failed()).isFalse();
    }

    @Test
    void closeSendsQuitToEveryConnectionAndIsIdempotent() throws Exception {
        PoolServer pool = start(config());
        TestMiner alice = miner(pool);
        TestMiner fresh = miner(pool);
        alice.getWork("alice");
        pool.close();
        assertThat(alice.read()).isEqualTo(new Message.Quit(Message.Quit.Reason.SHUTDOWN));
        assertThat(alice.closedByPool()).isTrue();
        assertThat(fresh.read()).isEqualTo(new Message.Quit(Message.Quit.Reason.SHUTDOWN));
        assertThat(pool.awaitTermination(WAIT)).isTrue();
        pool.close();
    }

    @Test
    void jobNumbersWrapAfter65535() throws Exception {
        PoolServer pool = start(config().withFirstJobNumber(65535).withSlotSize(1L << 32));
        TestMiner miner = miner(pool);
        Message.Task last = miner.getWork("wrap");
        Message.Task first = miner.getWork("wrap");
        assertThat(last.job()).isEqualTo(65535);
        assertThat(last.slotSize()).as("one slot: the whole nonce space").isEqualTo(1L << 32);
        assertThat(first.job()).isZero();

        miner.send(new Message.Submit(0, TestMiner.validNonce(first)));
        assertThat(miner.read()).isEqualTo(new Message.Accepted(0));
        miner.send(new Message.Submit(65535, TestMiner.validNonce(last)));
        assertThat(miner.read()).as("a sibling of a won height").isEqualTo(new Message.Invalidated(65535));
    }

    @Test
    void aReusedJobNumberIsNeverCreditedAgainstOtherData() throws Exception {
        // One slot per job and the smallest data, so that 65536 jobs are cheap to hand out.
        PoolServer pool = start(config().withSlotSize(1L << 32).withDataSize(52).withZeroBits(8));
        TestMiner old = miner(pool);
        TestMiner winner = miner(pool);
        TestMiner flood = miner(pool);
        Message.Task oldTask = old.getWork("old");
        assertThat(oldTask.job()).isZero();
        for (int height = 1; height <= 2; height++) {
            Message.Task task = winner.getWork("winner");
            winner.send(new Message.Submit(task.job(), TestMiner.validNonce(task)));
            assertThat(winner.read()).isEqualTo(new Message.Accepted(task.job()));
        }
        assertThat(old.read()).isEqualTo(new Message.Invalidated(0));

        // Height 3: hand out jobs until number 0 comes round again (numbers of heights 1 and 2 are skipped
        // while live; height 1's are free once height 2 is won).
        Message.Task reused = null;
        int handedOut = 0;
        while (reused == null) {
            int batch = 256;
            byte[] gs = new byte[batch * Message.GetWork.LENGTH];
            byte[] g = new Message.GetWork("flood").toBytes();
            for (int i = 0; i < batch; i++) {
                System.arraycopy(g, 0, gs, i * g.length, g.length);
            }
            flood.write(gs);
            for (int i = 0; i < batch; i++) {
                Message.Task task = flood.read(Message.Task.class);
                handedOut++;
                if (task.job() == 0 && reused == null) {
                    reused = task;
                }
            }
            assertThat(handedOut).as("job 0 must come round within one wrap").isLessThanOrEqualTo(65536 + 256);
        }
        assertThat(BlockHeader.readFrom(reused.data()).height()).isEqualTo(3);

        byte[] oldData = oldTask.data();
        byte[] newData = reused.data();
        long nonce = 0;
        while (!(ProofOfWork.verify(oldData, nonce, 8) && !ProofOfWork.verify(newData, nonce, 8))) {
            nonce++;
        }
        old.send(new Message.Submit(0, nonce));
        assertThat(old.read()).as("job 0 as old was given it: height 1, already mined")
                .isEqualTo(new Message.Invalidated(0));
        flood.send(new Message.Submit(0, nonce));
        assertThat(flood.read()).as("checked against the data flood was given").isEqualTo(new Message.Rejected(0));
        assertThat(pool.blocksMined()).isEqualTo(2);
    }

    @Test
    void aStreamEndingInsideAMessageIsLoggedAsAViolation() throws Exception {
        PoolServer pool = start(config());
        TestMiner miner = miner(pool);
        miner.write(new byte[] {'G', 'b', 'o'});
        miner.socket.shutdownOutput();
        assertThat(miner.closedByPool()).isTrue();
        assertThat(log.await("the stream ended inside a G message: 3 of 11 bytes arrived", WAIT)).isNotNull();
    }

    @Test
    void theSummaryCountsMinersAndBlocks() throws Exception {
        PoolServer pool = start(config().withSummaryInterval(Duration.ofMillis(100)));
        TestMiner miner = miner(pool);
        Message.Task task = miner.getWork("alice");
        miner.send(new Message.Submit(task.job(), TestMiner.validNonce(task)));
        assertThat(miner.read()).isEqualTo(new Message.Accepted(task.job()));
        assertThat(log.await("summary: 1 miner, 1 block in this run", WAIT)).isNotNull()
                .containsPattern("est\\. pool hash rate [0-9.]+ (k|M|G|T)?H/s; " + BITS + " zero bits \\(fixed\\)");
    }

    @Test
    void theSummaryShowsTheRetargetRuleItsTargetAndTheMeasuredBlockTime() throws Exception {
        PoolServer pool = start(config().withSummaryInterval(Duration.ofMillis(100))
                .withTargetBlockTime(Duration.ofSeconds(30)));
        TestMiner miner = miner(pool);
        for (int i = 0; i < 2; i++) {
            Message.Task task = miner.getWork("alice");
            miner.send(new Message.Submit(task.job(), TestMiner.validNonce(task)));
            assertThat(miner.read()).isEqualTo(new Message.Accepted(task.job()));
        }
        assertThat(log.await("summary: 1 miner, 2 blocks in this run", WAIT)).isNotNull()
                .containsPattern(BITS + " zero bits \\(retarget: target 30 s a block, measured [0-9]+\\.[0-9]{2} s over"
                        + " the last 1 block\\)");
    }

    @Test
    void hashRatesAreWrittenWithUnits() {
        assertThat(PoolLog.hashRate(950)).isEqualTo("950.0 H/s");
        assertThat(PoolLog.hashRate(4_100_000)).isEqualTo("4.1 MH/s");
    }

    @Test
    void aBlockThatCannotBeWrittenIsNeverAcceptedAndStopsThePool() throws Exception {
        PoolServer pool = start(config());
        TestMiner miner = miner(pool);
        Message.Task task = miner.getWork("alice");
        pool.chainFile().close(); // every write to it now fails, as a dead disk would

        miner.send(new Message.Submit(task.job(), TestMiner.validNonce(task)));
        assertThat(miner.read()).as("no A for a block that is not on disk").isEqualTo(new Message.Quit(Message.Quit.Reason.SHUTDOWN));
        assertThat(miner.closedByPool()).isTrue();
        assertThat(pool.awaitTermination(WAIT)).isTrue();
        assertThat(pool.failed()).isTrue();
        assertThat(log.await("could not write block 1", WAIT)).isNotNull();
        assertThat(pool.blocksMined()).isZero();
    }

    /**
     * The ledger put out of step (a stray block 1 added on the loop, as a bug would), so publishing the real block 1
     * fails after its A: the block stays acknowledged and on disk, the pool stops rather than build jobs from a
     * mempool that missed it, and a restart shows the block.
     */
    @Test
    void aBlockThatCannotBePublishedAfterItsAStopsThePoolAndARestartShowsIt() throws Exception {
        PoolServer pool = start(config());
        TestMiner miner = miner(pool);
        Message.Task task = miner.getWork("alice");
        java.util.concurrent.CountDownLatch strayAdded = new java.util.concurrent.CountDownLatch(1);
        pool.onLoop(() -> {
            pool.ledger().append(new dev.minepool.server.chain.Block(1, Genesis.hash(), new byte[64], 0, BITS,
                    "stray", System.currentTimeMillis(), 0), List.of(), pool.ledger().confirmed());
            strayAdded.countDown();
        });
        assertThat(strayAdded.await(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)).isTrue();

        miner.send(new Message.Submit(task.job(), TestMiner.validNonce(task)));
        assertThat(miner.read()).as("on disk, so acknowledged").isEqualTo(new Message.Accepted(task.job()));
        assertThat(miner.read()).isEqualTo(new Message.Quit(Message.Quit.Reason.SHUTDOWN));
        assertThat(pool.awaitTermination(WAIT)).isTrue();
        assertThat(pool.failed()).isTrue();
        assertThat(log.await("block 1 is on disk and acknowledged, but publishing it", WAIT)).isNotNull()
                .contains("stopping the pool").contains("a restart reads it back from the chain file");

        PoolServer restarted = start(config());
        assertThat(restarted.ledger().height()).isEqualTo(1);
        assertThat(restarted.ledger().block(1).winner()).isEqualTo("alice");
    }

    @Test
    void aHostOverItsConnectionLimitGetsQuitWithTheReason() throws Exception {
        PoolServer pool = start(config().withMaxClientsPerHost(2));
        TestMiner a = miner(pool);
        TestMiner b = miner(pool);
        a.getWork("a");
        b.getWork("b");
        TestMiner c = miner(pool);
        assertThat(c.read()).isEqualTo(new Message.Quit(Message.Quit.Reason.HOST_FULL));
        assertThat(c.closedByPool()).isTrue();
        assertThat(log.await("refused 127.0.0.1:", WAIT)).contains("the pool has too many connections from this"
                + " address (2 connections from one address, --max-clients-per-host); sent Q");
        b.close();
        assertThat(log.await("miner b (127.0.0.1", WAIT)).contains("disconnected");
        assertThat(miner(pool).getWork("d").slot()).as("a freed place can be taken").isEqualTo(2);
    }

    @Test
    void aNameThatWouldForgeALogLineIsRefusedWithQuit() throws Exception {
        PoolServer pool = start(config());
        TestMiner evil = miner(pool);
        byte[] g = new byte[Message.GetWork.LENGTH];
        g[0] = 'G';
        byte[] name = "x\nWARN y".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        System.arraycopy(name, 0, g, 1, name.length);
        evil.write(g);
        assertThat(evil.read()).isEqualTo(new Message.Quit(Message.Quit.Reason.BAD_NAME));
        assertThat(evil.closedByPool()).isTrue();
        assertThat(log.await("refused G from", WAIT)).contains("\"x\\u{000A}WARN y\" contains a control character");
        assertThat(miner(pool).getWork("honest").slot()).as("the others are unaffected").isZero();
    }

    @Test
    void aConnectionCannotChangeItsNameToStealAWin() throws Exception {
        PoolServer pool = start(config());
        TestMiner miner = miner(pool);
        Message.Task task = miner.getWork("renA");
        miner.send(new Message.GetWork("renB"));
        assertThat(miner.read()).isEqualTo(new Message.Quit(Message.Quit.Reason.NAME_CHANGED));
        assertThat(miner.closedByPool()).isTrue();
        try (TestMiner other = new TestMiner(pool.port())) {
            Message.Task t = other.getWork("other");
            other.send(new Message.Submit(t.job(), TestMiner.validNonce(t)));
            assertThat(other.read()).isEqualTo(new Message.Accepted(t.job()));
        }
        PoolSnapshot mined = pool.awaitSnapshot(s -> !s.blocks().isEmpty(), WAIT);
        assertThat(mined.blocks()).extracting(PoolSnapshot.BlockView::winner).containsExactly("other");
        assertThat(task.job()).isNotNegative();
    }

    @Test
    void aFloodOfBadSubmitsIsClosedAndLogsOnlyAFewLinesWhileOthersAreServed() throws Exception {
        PoolServer pool = start(config());
        TestMiner flood = miner(pool);
        TestMiner honest = miner(pool);
        Message.Task task = flood.getWork("flood");
        byte[] bad = new Message.Submit(task.job(), TestMiner.invalidNonce(task)).toBytes();
        byte[] burst = new byte[bad.length * 1000];
        for (int i = 0; i < 1000; i++) {
            System.arraycopy(bad, 0, burst, i * bad.length, bad.length);
        }
        try {
            flood.write(burst);
        } catch (IOException e) {
            // the pool may close it while the burst is still being written
        }
        assertThat(honest.getWork("honest").slot()).as("honest G's are still answered").isEqualTo(1);
        assertThat(log.await("closed miner flood", WAIT)).contains("rejected submits, more than 20 at once");
        int rejects = 0;
        Message message;
        while ((message = flood.read()) instanceof Message.Rejected) {
            rejects++;
        }
        assertThat(rejects).isEqualTo(20);
        assertThat(message).isEqualTo(new Message.Quit(Message.Quit.Reason.TOO_MANY_REJECTS));
        PoolSnapshot snapshot = pool.awaitSnapshot(s -> s.rules().closedForRejects() == 1, WAIT);
        assertThat(snapshot).isNotNull();
        assertThat(snapshot.rules().rejectedSubmits()).isEqualTo(21);
        assertThat(log.lines().stream().filter(l -> l.contains("rejected S from miner flood"))).hasSize(5);
    }

    @Test
    void theSnapshotShowsConnectionsNamesAndBlocks() throws Exception {
        PoolServer pool = start(config());
        TestMiner alice = miner(pool);
        miner(pool); // connected, no G yet
        Message.Task task = alice.getWork("alice");
        PoolSnapshot named = pool.awaitSnapshot(s -> s.connections().size() == 2
                && s.connections().stream().anyMatch(c -> "alice".equals(c.name())), WAIT);
        assertThat(named).isNotNull();
        assertThat(named.connections()).extracting(PoolSnapshot.ConnectionView::state)
                .containsExactlyInAnyOrder("MINING", "AWAITING_G");
        assertThat(named.height()).isEqualTo(1);
        assertThat(named.jobs()).singleElement().satisfies(job -> {
            assertThat(job.number()).isEqualTo(task.job());
            assertThat(job.slotsGiven()).isEqualTo(1);
            assertThat(job.slots()).isEqualTo(256);
        });
        alice.send(new Message.Submit(task.job(), TestMiner.validNonce(task)));
        alice.read(Message.Accepted.class);
        assertThat(pool.awaitBlocks(1, WAIT)).isTrue();
        PoolSnapshot mined = pool.snapshot();
        assertThat(mined.blocks()).as("published on the block, before awaitBlocks returns").hasSize(1);
        assertThat(mined.tipHeight()).isEqualTo(1);
        assertThat(mined.blocks().get(0).hash()).isEqualTo(mined.tipHash());
        assertThat(mined.blocks().get(0).winner()).isEqualTo("alice");
    }

    @Test
    void anErrorInTheEventLoopStopsThePoolAsFailedWithOneLine() throws Exception {
        PoolServer pool = start(config().withTransactions((data, offset, length) -> {
            throw new NoClassDefFoundError("dev/minepool/server/rules/Gone"); // as when the jar was replaced
        }));
        TestMiner miner = miner(pool);
        miner.send(new Message.GetWork("alice"));
        assertThat(pool.awaitTermination(WAIT)).as("the pool stopped").isTrue();
        assertThat(pool.failed()).isTrue();
        assertThat(log.await("the event loop failed", WAIT)).contains("NoClassDefFoundError")
                .contains("stopping the pool");
        assertThat(miner.read()).isEqualTo(new Message.Quit(Message.Quit.Reason.SHUTDOWN));
    }

    @Test
    void anotherThreadHandsTheLoopATaskThatRunsOnTheLoopThread() throws Exception {
        PoolServer pool = start(config());
        java.util.concurrent.CompletableFuture<String> ranOn = new java.util.concurrent.CompletableFuture<>();
        pool.onLoop(() -> ranOn.complete(Thread.currentThread().getName()));
        assertThat(ranOn.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("pool-event-loop");
    }
}
