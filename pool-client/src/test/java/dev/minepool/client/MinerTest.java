package dev.minepool.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minepool.protocol.BlockHeader;
import dev.minepool.client.engine.DigestNonceScanner;
import dev.minepool.protocol.Message;
import dev.minepool.protocol.MinerName;
import dev.minepool.client.engine.NonceRange;
import dev.minepool.client.engine.NonceScanner;
import dev.minepool.protocol.ProofOfWork;
import dev.minepool.protocol.Protocol;
import dev.minepool.client.engine.ScanEngine;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.DoubleSupplier;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The miner's session against a fake pool on loopback: the exchange, the answers, deadlines, reconnecting with
 * backoff, and the pool's goodbye. The backoff's jitter is fixed at its top (every wait is its whole ceiling:
 * 20, 40, 80, 160 ms) unless a test says otherwise, and deadlines are short, so no test waits long.
 */
class MinerTest {
    private static final Duration HANG_GUARD = Duration.ofSeconds(10);
    private static final int UNREACHABLE = 255;
    private static final byte[] DATA = jobData(42);

    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final CapturedOutput output = new CapturedOutput();
    private final List<Miner> miners = new ArrayList<>();

    @AfterEach
    void stopMiners() throws Exception {
        for (Miner miner : miners) {
            miner.stop();
            assertThat(miner.awaitFinished(HANG_GUARD)).as("the miner stopped").isTrue();
        }
        executor.shutdownNow();
    }

    static byte[] jobData(long height) {
        byte[] data = RigTest.jobData();
        new BlockHeader(new byte[ProofOfWork.HASH_LENGTH], height, 1_700_000_000_000L, 7).writeTo(data);
        return data;
    }

    private static final DoubleSupplier TOP_OF_THE_JITTER = () -> 1.0;
    private static final Duration SHORT_DEADLINE = Duration.ofMillis(200);

    private MinerConfig config(int port, int threads, ScanEngine engine, boolean quiet, Duration reportEvery) {
        return MinerConfig.of(MinerName.parse("alice"), "127.0.0.1", port, threads, engine, quiet)
                .withRetry(Duration.ofMillis(20), Duration.ofMillis(160))
                .withTimeouts(HANG_GUARD, HANG_GUARD)
                .withReportEvery(reportEvery);
    }

    private MinerConfig config(int port, int threads) {
        return config(port, threads, DigestNonceScanner.ENGINE, false, Duration.ofSeconds(10));
    }

    private Future<MiningSummary> start(MinerConfig config) {
        return start(config, TOP_OF_THE_JITTER, InetAddress::getByName);
    }

    private Future<MiningSummary> start(MinerConfig config, DoubleSupplier jitter, Miner.Resolver resolver) {
        Miner miner = new Miner(config, output.stream(), jitter, resolver);
        miners.add(miner);
        return executor.submit(miner::run);
    }

    private MiningSummary stop(Future<MiningSummary> run) throws Exception {
        miners.get(0).stop();
        return run.get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void submitsNoncesInsideTheSlotThatMeetTheZeroBitsAndEarnsACoinPerAccept() throws Exception {
        try (FakePool pool = new FakePool()) {
            Future<MiningSummary> run = start(config(pool.port(), 2));
            try (FakePool.Connection miner = pool.accept()) {
                for (int job = 1; job <= 3; job++) {
                    assertThat(miner.next(Message.GetWork.class).minerName()).isEqualTo("alice");
                    Message.Task task = new Message.Task(job, job + 4, 1 << 16, 10, DATA);
                    miner.send(task);
                    Message.Submit submit = miner.next(Message.Submit.class);
                    assertThat(submit.job()).isEqualTo(job);
                    assertThat(NonceRange.of(task).contains(submit.nonce()))
                            .as("nonce 0x%08x lies in slot %s", submit.nonce(), NonceRange.of(task)).isTrue();
                    assertThat(ProofOfWork.verify(DATA, submit.nonce(), 10))
                            .as("nonce 0x%08x meets 10 zero bits", submit.nonce()).isTrue();
                    miner.send(new Message.Accepted(job));
                    output.awaitLine("accepted: +1 coin, total " + job);
                }
                miner.next(Message.GetWork.class);
                MiningSummary summary = stop(run);
                assertThat(summary.submitted()).isEqualTo(3);
                assertThat(summary.coins()).isEqualTo(3);
                assertThat(summary.hashes()).isPositive();
            }
        }
        assertThat(output.text()).contains("minepool miner alice -> 127.0.0.1:", "2 threads, engine digest",
                "job 1 slot 5: nonces 0x00050000-0x0005ffff, 10 zero bits (height 42)", "found nonce 0x",
                "summary: ran ", "submitted 3, accepted 3, rejected 0, stale 0; jobs invalidated 0", "coins earned 3");
    }

    @Test
    void rejectionIsReportedAndNewWorkIsAskedFor() throws Exception {
        try (FakePool pool = new FakePool()) {
            Future<MiningSummary> run = start(config(pool.port(), 1));
            try (FakePool.Connection miner = pool.accept()) {
                miner.next(Message.GetWork.class);
                miner.send(new Message.Task(7, 0, 1 << 16, 8, DATA));
                Message.Submit submit = miner.next(Message.Submit.class);
                miner.send(new Message.Rejected(7));
                miner.next(Message.GetWork.class);
                output.awaitLine(String.format("rejected by the pool: nonce 0x%08x for job 7", submit.nonce()));
                MiningSummary summary = stop(run);
                assertThat(summary.rejected()).isEqualTo(1);
                assertThat(summary.coins()).isZero();
            }
        }
    }

    @Test
    void invalidationStopsEveryThreadAndAsksForNewWork() throws Exception {
        RecordingEngine engine = new RecordingEngine();
        try (FakePool pool = new FakePool()) {
            // chunks of 2^30: each thread holds one, so each scan ends by the I, and the slot never runs out
            Future<MiningSummary> run = start(config(pool.port(), 2, engine, false, Duration.ofSeconds(10))
                    .withChunk(1 << 30));
            try (FakePool.Connection miner = pool.accept()) {
                miner.next(Message.GetWork.class);
                miner.send(new Message.Task(5, 0, Protocol.NONCE_SPACE, UNREACHABLE, DATA));
                assertThat(engine.nextStarted()).as("thread 1 is hashing").isNotNull();
                assertThat(engine.nextStarted()).as("thread 2 is hashing").isNotNull();

                miner.send(new Message.Invalidated(5));
                miner.next(Message.GetWork.class);
                assertThat(List.of(engine.nextEnded(), engine.nextEnded())).as("what both scans returned")
                        .containsOnly(NonceScanner.STOPPED);
                output.awaitLine("job 5 invalidated: someone else found the block");
                assertThat(stop(run).invalidated()).isEqualTo(1);
            }
        }
    }

    @Test
    void invalidationOfASubmittedNonceIsReportedAndNewWorkIsAskedFor() throws Exception {
        try (FakePool pool = new FakePool()) {
            Future<MiningSummary> run = start(config(pool.port(), 2));
            try (FakePool.Connection miner = pool.accept()) {
                miner.next(Message.GetWork.class);
                miner.send(new Message.Task(65535, 1, 1 << 16, 6, DATA));
                Message.Submit submit = miner.next(Message.Submit.class);
                miner.send(new Message.Invalidated(65535));
                miner.next(Message.GetWork.class);
                output.awaitLine(String.format("job 65535 invalidated: the block was already mined before nonce "
                        + "0x%08x arrived", submit.nonce()));
                MiningSummary summary = stop(run);
                assertThat(summary.stale()).isEqualTo(1);
                assertThat(summary.invalidated()).isZero();
                assertThat(summary.coins()).isZero();
            }
        }
    }

    @Test
    void lateAndDuplicateAnswersForOldJobsAreIgnored() throws Exception {
        try (FakePool pool = new FakePool()) {
            Future<MiningSummary> run = start(config(pool.port(), 2));
            try (FakePool.Connection miner = pool.accept()) {
                miner.next(Message.GetWork.class);
                miner.send(new Message.Task(1, 0, 1 << 16, 6, DATA));
                miner.next(Message.Submit.class);
                miner.send(new Message.Accepted(1));
                miner.next(Message.GetWork.class);
                miner.send(new Message.Task(2, 0, Protocol.NONCE_SPACE, UNREACHABLE, DATA));
                output.awaitLine("job 2 slot 0");

                miner.send(new Message.Accepted(1), new Message.Rejected(1), new Message.Invalidated(1));
                output.awaitLine("ignoring I for job 1");
                // Had any of them been taken for an answer, a G would come before the S for job 3.
                miner.send(new Message.Invalidated(2));
                miner.next(Message.GetWork.class);
                miner.send(new Message.Task(3, 0, 1 << 16, 6, DATA));
                assertThat(miner.next(Message.Submit.class).job()).isEqualTo(3);

                MiningSummary summary = stop(run);
                assertThat(summary.coins()).as("the duplicate A earns nothing").isEqualTo(1);
                assertThat(summary.rejected()).isZero();
                assertThat(summary.invalidated()).isEqualTo(1);
            }
        }
        assertThat(output.text()).contains("ignoring A for job 1", "ignoring R for job 1");
    }

    @Test
    void exhaustedSlotAsksForNewWork() throws Exception {
        try (FakePool pool = new FakePool()) {
            Future<MiningSummary> run = start(config(pool.port(), 2));
            try (FakePool.Connection miner = pool.accept()) {
                miner.next(Message.GetWork.class);
                miner.send(new Message.Task(4, 2, 5000, UNREACHABLE, DATA));
                miner.next(Message.GetWork.class);
                output.awaitLine("job 4 slot 2: searched all 5000 nonces without a hit");
                MiningSummary summary = stop(run);
                assertThat(summary.hashes()).isEqualTo(5000);
                assertThat(summary.slotsSearched()).isEqualTo(1);
            }
        }
    }

    @Test
    void reconnectsWhenThePoolClosesTheConnection() throws Exception {
        try (FakePool pool = new FakePool()) {
            Future<MiningSummary> run = start(config(pool.port(), 1));
            try (FakePool.Connection first = pool.accept()) {
                first.next(Message.GetWork.class);
                first.send(new Message.Task(1, 0, Protocol.NONCE_SPACE, UNREACHABLE, DATA));
                output.awaitLine("job 1 slot 0");
            }
            try (FakePool.Connection second = pool.accept()) {
                assertThat(second.next(Message.GetWork.class).minerName()).isEqualTo("alice");
                output.awaitLine("lost connection to 127.0.0.1:" + pool.port()
                        + " (the pool closed the connection); retrying in 20 ms");
                // and carries on mining
                second.send(new Message.Task(2, 0, 1 << 16, 6, DATA));
                assertThat(second.next(Message.Submit.class).job()).isEqualTo(2);
            }
            stop(run);
        }
    }

    @Test
    void reconnectsAfterAnUnknownMessageType() throws Exception {
        try (FakePool pool = new FakePool()) {
            Future<MiningSummary> run = start(config(pool.port(), 1));
            try (FakePool.Connection first = pool.accept()) {
                first.next(Message.GetWork.class);
                first.sendRaw('X', 0, 1);
                try (FakePool.Connection second = pool.accept()) {
                    second.next(Message.GetWork.class);
                }
            }
            output.awaitLine("the pool sent something that is not minepool protocol "
                    + "(unknown message type byte 'X' (0x58)); reconnecting in 20 ms");
            stop(run);
        }
    }

    @Test
    void reconnectsAfterAMalformedTask() throws Exception {
        try (FakePool pool = new FakePool()) {
            Future<MiningSummary> run = start(config(pool.port(), 1));
            try (FakePool.Connection first = pool.accept()) {
                first.next(Message.GetWork.class);
                // slot 2 of 2^31 nonces would reach past nonce 2^32
                first.sendRaw(0x54, 0x00, 0x01, 0x00, 0x02, 0x80, 0x00, 0x00, 0x00, 0x08, 0x00, 0x01, 0xAA);
                try (FakePool.Connection second = pool.accept()) {
                    second.next(Message.GetWork.class);
                }
            }
            output.awaitLine("which reaches past nonce 2^32); reconnecting");
            stop(run);
        }
        assertThat(output.text()).doesNotContain("Exception", "\tat ");
    }

    @Test
    void retriesWithDoublingWaitsUntilThePoolIsBack() throws Exception {
        try (FakePool.ClosedPort closed = new FakePool.ClosedPort()) {
            Future<MiningSummary> run = start(config(closed.port(), 1));
            String pool = "127.0.0.1:" + closed.port();
            output.awaitLine("cannot reach " + pool + " (connection refused); retrying in 20 ms (attempt 1)");
            output.awaitLine("cannot reach " + pool + " (connection refused); retrying in 40 ms (attempt 2)");
            output.awaitLine("cannot reach " + pool + " (connection refused); retrying in 80 ms (attempt 3)");
            output.awaitLine("retrying in 160 ms (attempt 5)"); // the maximum, which it stays at
            try (FakePool back = closed.listen(); FakePool.Connection miner = back.accept()) {
                miner.next(Message.GetWork.class);
                miner.send(new Message.Task(1, 0, 1 << 16, 6, DATA));
                assertThat(miner.next(Message.Submit.class).job()).isEqualTo(1);
            }
            stop(run);
        }
        assertThat(output.text()).doesNotContain("retrying in 320 ms");
    }

    @Test
    void theJitterDrawsEachWaitBetweenHalfAndAllOfItsCeiling() throws Exception {
        Deque<Double> draws = new ArrayDeque<>(List.of(0.0, 0.5, 1.0));
        try (FakePool.ClosedPort closed = new FakePool.ClosedPort()) {
            start(config(closed.port(), 1), () -> draws.isEmpty() ? 0.0 : draws.poll(), InetAddress::getByName);
            output.awaitLine("retrying in 10 ms (attempt 1)"); // ceiling 20 ms, the bottom of the jitter
            output.awaitLine("retrying in 30 ms (attempt 2)"); // ceiling 40 ms, halfway
            output.awaitLine("retrying in 80 ms (attempt 3)"); // ceiling 80 ms, the top
        }
    }

    @Test
    void aConnectThatIsNeverAnsweredTimesOutAndIsRetried() throws Exception {
        // A listener whose accept queue is full: Linux drops further SYNs, so a connect waits until it times out.
        try (java.net.ServerSocket full = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<Socket> fillers = new ArrayList<>();
            try {
                boolean dropping = false;
                for (int i = 0; i < 16 && !dropping; i++) {
                    Socket filler = new Socket();
                    fillers.add(filler);
                    try {
                        filler.connect(full.getLocalSocketAddress(), (int) SHORT_DEADLINE.toMillis());
                    } catch (SocketTimeoutException e) {
                        dropping = true;
                    }
                }
                Assumptions.assumeTrue(dropping, "this system does not drop SYNs to a full accept queue");
                Future<MiningSummary> run = start(config(full.getLocalPort(), 1)
                        .withTimeouts(SHORT_DEADLINE, HANG_GUARD));
                output.awaitLine("cannot reach 127.0.0.1:" + full.getLocalPort()
                        + " (no answer to the connect within 200 ms); retrying in 20 ms (attempt 1)");
                output.awaitLine("(attempt 2)");
                stop(run);
            } finally {
                for (Socket filler : fillers) {
                    filler.close();
                }
            }
        }
    }

    @Test
    void aServiceThatNeverAnswersGIsLeftAfterTheResponseTimeoutWithGrowingWaits() throws Exception {
        try (FakePool silent = new FakePool()) {
            Future<MiningSummary> run = start(config(silent.port(), 1).withTimeouts(HANG_GUARD, SHORT_DEADLINE));
            String expected = "no answer to G from 127.0.0.1:" + silent.port()
                    + " within 200 ms; is that a minepool pool? Reconnecting in ";
            try (FakePool.Connection first = silent.accept()) {
                first.next(Message.GetWork.class); // and never a word back
                output.awaitLine(expected + "20 ms (attempt 1)");
            }
            try (FakePool.Connection second = silent.accept()) {
                second.next(Message.GetWork.class);
                output.awaitLine(expected + "40 ms (attempt 2)");
            }
            try (FakePool.Connection third = silent.accept()) {
                third.next(Message.GetWork.class);
                output.awaitLine(expected + "80 ms (attempt 3)");
            }
            assertThat(stop(run).failed()).as("a silent pool is retried, not a reason to give up").isFalse();
        }
    }

    @Test
    void anUnansweredSubmitIsLeftAfterTheResponseTimeoutAndTheHealthySessionResetsTheBackoff() throws Exception {
        try (FakePool pool = new FakePool()) {
            // long enough for this test to answer G on a busy machine; the S is left unanswered
            Duration deadline = Duration.ofSeconds(1);
            Future<MiningSummary> run = start(config(pool.port(), 1).withTimeouts(HANG_GUARD, deadline));
            try (FakePool.Connection first = pool.accept()) {
                first.sendRaw('H', 'T', 'T', 'P'); // a failure first, so that the reset shows
            }
            output.awaitLine("reconnecting in 20 ms (attempt 1)");
            try (FakePool.Connection second = pool.accept()) {
                second.next(Message.GetWork.class);
                second.send(new Message.Task(1, 0, 1 << 16, 6, DATA));
                second.next(Message.Submit.class);
                output.awaitLine("no answer to S from 127.0.0.1:" + pool.port() + " within 1 s; is that a minepool "
                        + "pool? Reconnecting in 20 ms (attempt 1)");
            }
            try (FakePool.Connection third = pool.accept()) {
                assertThat(third.next(Message.GetWork.class).minerName()).isEqualTo("alice");
            }
            stop(run);
        }
    }

    @Test
    void aWrongServiceThatSendsOtherBytesIsRetriedWithGrowingWaits() throws Exception {
        byte[] http = "HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        int[] reply = new int[http.length];
        for (int i = 0; i < http.length; i++) {
            reply[i] = http[i];
        }
        try (FakePool wrong = new FakePool()) {
            Future<MiningSummary> run = start(config(wrong.port(), 1));
            for (int attempt = 1; attempt <= 4; attempt++) {
                try (FakePool.Connection miner = wrong.accept()) {
                    miner.next(Message.GetWork.class);
                    miner.sendRaw(reply);
                    output.awaitLine("the pool sent something that is not minepool protocol (unknown message type "
                            + "byte 'H' (0x48)); reconnecting in " + (20 << (attempt - 1)) + " ms (attempt " + attempt
                            + ")");
                }
            }
            stop(run);
        }
    }

    @Test
    void aHostThatDoesNotResolveAtTheFirstConnectStopsTheMinerAsAFailure() throws Exception {
        Future<MiningSummary> run = start(config(3333, 1), TOP_OF_THE_JITTER, host -> {
            throw new UnknownHostException(host);
        });
        MiningSummary summary = run.get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS);
        assertThat(summary.failed()).isTrue();
        assertThat(output.text()).contains("cannot resolve pool host '127.0.0.1'; check --host", "summary: ")
                .doesNotContain("retrying");
    }

    @Test
    void aHostThatStopsResolvingAfterTheMinerHasConnectedIsRetried() throws Exception {
        try (FakePool pool = new FakePool()) {
            Deque<Boolean> answers = new ArrayDeque<>(List.of(true, false, false));
            Miner.Resolver flakyDns = host -> {
                Boolean resolves = answers.poll();
                if (resolves != null && !resolves) {
                    throw new UnknownHostException(host);
                }
                return InetAddress.getLoopbackAddress();
            };
            Future<MiningSummary> run = start(config(pool.port(), 1), TOP_OF_THE_JITTER, flakyDns);
            try (FakePool.Connection first = pool.accept()) {
                first.next(Message.GetWork.class);
            }
            output.awaitLine("cannot resolve pool host '127.0.0.1' now; retrying in 40 ms (attempt 2)");
            output.awaitLine("cannot resolve pool host '127.0.0.1' now; retrying in 80 ms (attempt 3)");
            try (FakePool.Connection back = pool.accept()) {
                back.next(Message.GetWork.class);
            }
            assertThat(stop(run).failed()).isFalse();
        }
    }

    @ParameterizedTest(name = "Q reason {0}")
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 255})
    void aQuitForAnyReasonButShutdownStopsTheMinerAsAFailureAndSaysWhy(int reason) throws Exception {
        try (FakePool pool = new FakePool()) {
            Future<MiningSummary> run = start(config(pool.port(), 1, DigestNonceScanner.ENGINE, true,
                    Duration.ofSeconds(10)));
            try (FakePool.Connection miner = pool.accept()) {
                miner.next(Message.GetWork.class);
                miner.send(new Message.Quit(reason));
                assertThat(run.get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS).failed()).isTrue();
            }
        }
        Message.Quit.Reason known = Message.Quit.Reason.fromCode(reason);
        String words = known != null ? known.description() : "reason code " + reason + ", which this miner does "
                + "not know";
        assertThat(output.lines().get(0)).as("printed even with --quiet")
                .endsWith("the pool said goodbye (Q): " + words + "; stopping");
        assertThat(output.text()).doesNotContain("retrying", "reconnecting");
    }

    @Test
    void aQuitBecauseThePoolShutsDownStopsTheMinerWithoutAFailure() throws Exception {
        try (FakePool pool = new FakePool()) {
            Future<MiningSummary> run = start(config(pool.port(), 1));
            try (FakePool.Connection miner = pool.accept()) {
                miner.next(Message.GetWork.class);
                miner.send(new Message.Quit(Message.Quit.Reason.SHUTDOWN));
                assertThat(run.get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS).failed()).isFalse();
            }
        }
        assertThat(output.text()).contains("the pool said goodbye (Q): the pool is shutting down; stopping");
    }

    @Test
    void aBurstOfTasksNeverHoldsMoreThanTheQueueBoundAndTheMinerCarriesOn() throws Exception {
        int burst = 20_000;
        byte[] data = jobData(7);
        try (FakePool pool = new FakePool()) {
            Future<MiningSummary> run = start(config(pool.port(), 1, DigestNonceScanner.ENGINE, true,
                    Duration.ofSeconds(10)));
            try (FakePool.Connection miner = pool.accept()) {
                miner.next(Message.GetWork.class);
                // back to back, no reads in between: the miner must slow this pool down rather than buffer it
                Message[] tasks = new Message[burst];
                for (int job = 1; job <= burst; job++) {
                    tasks[job - 1] = new Message.Task(job, 0, Protocol.NONCE_SPACE, UNREACHABLE, data);
                }
                miner.send(tasks);
                miner.send(new Message.Invalidated(burst));
                // only the I for the last job asks for work: every T before it was taken, in order
                miner.next(Message.GetWork.class);
                miner.send(new Message.Task(1, 0, 1 << 16, 6, DATA));
                assertThat(miner.next(Message.Submit.class).job()).as("still mining after the burst").isEqualTo(1);
            }
            assertThat(miners.get(0).eventQueueHighWater()).as("events waiting at once during %d T", burst)
                    .isPositive().isLessThanOrEqualTo(Miner.EVENT_QUEUE_BOUND);
            stop(run);
        }
    }

    @Test
    void stopEndsTheMinerInTheMiddleOfABurst() throws Exception {
        try (FakePool pool = new FakePool()) {
            Future<MiningSummary> run = start(config(pool.port(), 1));
            try (FakePool.Connection miner = pool.accept()) {
                miner.next(Message.GetWork.class);
                Future<?> writer = executor.submit(() -> {
                    for (int job = 1; job <= 20_000; job++) {
                        miner.send(new Message.Task(job, 0, Protocol.NONCE_SPACE, UNREACHABLE, DATA));
                    }
                    return null;
                });
                output.awaitLine("job 2000 slot 0");
                miners.get(0).stop();
                assertThat(run.get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS).failed()).isFalse();
                writer.cancel(true);
            }
        }
        assertThat(output.lines().get(output.lines().size() - 1)).contains("summary: ");
    }

    @Test
    void stopEndsTheRunWithASummary() throws Exception {
        try (FakePool pool = new FakePool()) {
            Future<MiningSummary> run = start(config(pool.port(), 2));
            try (FakePool.Connection miner = pool.accept()) {
                miner.next(Message.GetWork.class);
                miner.send(new Message.Task(1, 0, Protocol.NONCE_SPACE, UNREACHABLE, DATA));
                output.awaitLine("job 1 slot 0");
                MiningSummary summary = stop(run);
                assertThat(summary.submitted()).isZero();
            }
        }
        String line = output.awaitLine("summary: ");
        assertThat(line).matches(".*summary: ran [0-9.]+ m?s, \\d+ hashes, average [0-9.]+ [kMG]?H/s, "
                + "speed 10s/60s/15m (n/a|[0-9.]+) n/a n/a [kMG]?H/s max (n/a|[0-9.]+) [kMG]?H/s; "
                + "blocks submitted 0, accepted 0, rejected 0, stale 0; jobs invalidated 0; slots searched 0; "
                + "coins earned 0");
    }

    @Test
    void printsTheSpeedLineAndThePerThreadTableOnTheirIntervals() throws Exception {
        try (FakePool pool = new FakePool()) {
            Future<MiningSummary> run = start(config(pool.port(), 2, DigestNonceScanner.ENGINE, false,
                    Duration.ofMillis(100)).withThreadsEvery(Duration.ofMillis(100)));
            try (FakePool.Connection miner = pool.accept()) {
                miner.next(Message.GetWork.class);
                miner.send(new Message.Task(1, 0, Protocol.NONCE_SPACE, UNREACHABLE, DATA));
                // A run this short has no 10 s figure yet: n/a, as in xmrig, rather than a made-up rate.
                String line = output.awaitLine("speed 10s/60s/15m");
                assertThat(line).matches(".*speed 10s/60s/15m (n/a|[0-9.]+) n/a n/a [kMG]?H/s max (n/a|[0-9.]+) "
                        + "[kMG]?H/s, accepted 0, rejected 0, stale 0");
                output.awaitLine(l -> l.matches(".*\\s+thread\\s+10s\\s+60s\\s+15m\\s+\\([kMG]?H/s\\)"),
                        "the table's head");
                output.awaitLine(l -> l.matches(".*\\]\\s+1( +(n/a|[0-9.]+)){3}"), "the row of thread 1");
                output.awaitLine(l -> l.matches(".*\\]\\s+total( +(n/a|[0-9.]+)){3}"), "the total row");
                stop(run);
            }
        }
    }

    @Test
    void asksForTheNextSlotBeforeTheCurrentOneEndsAndSearchesBothExactlyOnce() throws Exception {
        RecordingEngine engine = new RecordingEngine();
        CountDownLatch release = new CountDownLatch(1);
        engine.holdFirstScan(release); // slot 0's first chunk stays unfinished until the test says so
        try (FakePool pool = new FakePool()) {
            Future<MiningSummary> run = start(config(pool.port(), 2, engine, false, Duration.ofSeconds(10))
                    .withChunk(1000));
            try (FakePool.Connection miner = pool.accept()) {
                miner.next(Message.GetWork.class);
                miner.send(new Message.Task(1, 0, 20_000, UNREACHABLE, DATA));
                // Slot 0 cannot be over (a chunk of it is held), yet the next G comes: the prefetch.
                miner.next(Message.GetWork.class);
                miner.send(new Message.Task(1, 1, 20_000, UNREACHABLE, DATA));
                // The free thread searches slot 1 meanwhile, to its last chunk, and asks again.
                miner.next(Message.GetWork.class);
                output.awaitLine("job 1 slot 1: searched all 20000 nonces without a hit");
                assertThat(output.text()).doesNotContain("job 1 slot 0: searched all");
                release.countDown();
                output.awaitLine("job 1 slot 0: searched all 20000 nonces without a hit");
                MiningSummary summary = stop(run);
                assertThat(summary.hashes()).as("every nonce of both slots, once").isEqualTo(40_000);
                assertThat(summary.slotsSearched()).isEqualTo(2);
            }
        }
        List<NonceRange> ranges = new ArrayList<>(engine.started);
        ranges.sort(java.util.Comparator.comparingLong(NonceRange::first));
        long next = 0;
        for (NonceRange range : ranges) {
            assertThat(range.first()).as("%s follows the chunk before it, no gap or overlap", range).isEqualTo(next);
            next = range.end();
        }
        assertThat(next).isEqualTo(40_000);
    }

    @Test
    void anAcceptStopsThePrefetchedSlotOfTheSameBlockAndAsksAgain() throws Exception {
        RecordingEngine engine = new RecordingEngine();
        try (FakePool pool = new FakePool()) {
            Future<MiningSummary> run = start(config(pool.port(), 1, engine, false, Duration.ofSeconds(10))
                    .withChunk(1 << 16));
            try (FakePool.Connection miner = pool.accept()) {
                miner.next(Message.GetWork.class);
                // one chunk: it runs out at once, so the next G comes before the hit's S
                miner.send(new Message.Task(1, 0, 1 << 16, 6, DATA));
                miner.next(Message.GetWork.class);
                miner.send(new Message.Task(1, 1, Protocol.NONCE_SPACE >> 1, UNREACHABLE, DATA));
                Message.Submit submit = miner.next(Message.Submit.class);
                assertThat(submit.job()).isEqualTo(1);
                NonceRange started;
                do {
                    started = engine.nextStarted();
                    assertThat(started).as("the prefetched slot's first chunk").isNotNull();
                } while (started.first() < Protocol.NONCE_SPACE >> 1);
                miner.send(new Message.Accepted(1));
                // the won block's other slot is dropped, and work is asked for
                miner.next(Message.GetWork.class);
                Long result;
                do {
                    result = engine.nextEnded();
                    assertThat(result).as("a scan that ends once the A stops the prefetched slot").isNotNull();
                } while (result != NonceScanner.STOPPED);
                MiningSummary summary = stop(run);
                assertThat(summary.coins()).isEqualTo(1);
            }
        }
    }

    @Test
    void movesToTheBackupAfterTheRetriesAndBackToThePrimaryWhenItAnswers() throws Exception {
        try (FakePool.ClosedPort primary = new FakePool.ClosedPort(); FakePool backup = new FakePool()) {
            PoolAddress first = new PoolAddress("127.0.0.1", primary.port());
            PoolAddress second = new PoolAddress("127.0.0.1", backup.port());
            MinerConfig config = MinerConfig.of(MinerName.parse("alice"), List.of(first, second), 1,
                    DigestNonceScanner.ENGINE, false)
                    .withRetry(Duration.ofMillis(20), Duration.ofMillis(40))
                    .withRetries(2)
                    .withTimeouts(HANG_GUARD, HANG_GUARD);
            Future<MiningSummary> run = start(config);
            output.awaitLine("cannot reach " + first + " (connection refused); retrying in 20 ms (attempt 1)");
            output.awaitLine("switching from pool " + first + " to " + second + ": 2 tries failed in a row, the "
                    + "last: cannot reach " + first + " (connection refused)");
            try (FakePool.Connection onBackup = backup.accept()) {
                onBackup.next(Message.GetWork.class);
                onBackup.send(new Message.Task(1, 0, Protocol.NONCE_SPACE, UNREACHABLE, DATA));
                output.awaitLine("job 1 slot 0");
                try (FakePool back = primary.listen(); FakePool.Connection onPrimary = back.accept()) {
                    // the check's connection becomes the session: the next G comes on it
                    assertThat(onPrimary.next(Message.GetWork.class).minerName()).isEqualTo("alice");
                    output.awaitLine("switching back to the primary pool " + first + " from " + second
                            + ": it answers again");
                    assertThat(onBackup.readBytes(1)).as("the backup's connection is closed").isEmpty();
                    onPrimary.send(new Message.Task(2, 0, 1 << 16, 6, DATA));
                    assertThat(onPrimary.next(Message.Submit.class).job()).isEqualTo(2);
                }
            }
            stop(run);
        }
    }

    @Test
    void aPoolThatShutsDownIsLeftForTheBackupWhenThereIsOne() throws Exception {
        try (FakePool primary = new FakePool(); FakePool backup = new FakePool()) {
            PoolAddress first = new PoolAddress("127.0.0.1", primary.port());
            PoolAddress second = new PoolAddress("127.0.0.1", backup.port());
            Future<MiningSummary> run = start(MinerConfig.of(MinerName.parse("alice"), List.of(first, second), 1,
                    DigestNonceScanner.ENGINE, false).withRetry(Duration.ofMillis(20), Duration.ofSeconds(10))
                    .withTimeouts(HANG_GUARD, HANG_GUARD));
            try (FakePool.Connection miner = primary.accept()) {
                miner.next(Message.GetWork.class);
                miner.send(new Message.Quit(Message.Quit.Reason.SHUTDOWN));
            }
            try (FakePool.Connection miner = backup.accept()) {
                miner.next(Message.GetWork.class);
            }
            output.awaitLine("switching from pool " + first + " to " + second + ": it said goodbye (Q): the pool is "
                    + "shutting down");
            assertThat(stop(run).failed()).isFalse();
        }
    }

    @Test
    void quietKeepsOnlyHitsAnswersAndTheSummary() throws Exception {
        try (FakePool pool = new FakePool()) {
            Future<MiningSummary> run = start(
                    config(pool.port(), 1, DigestNonceScanner.ENGINE, true, Duration.ofMillis(50)));
            try (FakePool.Connection miner = pool.accept()) {
                miner.next(Message.GetWork.class);
                miner.send(new Message.Task(1, 0, 1 << 16, 8, DATA));
                miner.next(Message.Submit.class);
                miner.send(new Message.Accepted(1));
                miner.next(Message.GetWork.class);
                miner.send(new Message.Quit(Message.Quit.Reason.SHUTDOWN));
                assertThat(run.get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS).coins()).isEqualTo(1);
            }
        }
        assertThat(output.lines()).hasSize(3);
        assertThat(output.lines().get(0)).contains("found nonce 0x");
        assertThat(output.lines().get(1)).contains("accepted: +1 coin, total 1");
        assertThat(output.lines().get(2)).contains("summary: ");
    }
}
