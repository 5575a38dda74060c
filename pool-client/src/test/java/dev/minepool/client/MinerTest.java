package dev.minepool.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minepool.protocol.BlockHeader;
import dev.minepool.client.engine.DigestNonceScanner;
import dev.minepool.protocol.Message;
import dev.minepool.client.engine.NonceRange;
import dev.minepool.client.engine.NonceScanner;
import dev.minepool.protocol.ProofOfWork;
import dev.minepool.protocol.Protocol;
import dev.minepool.client.engine.ScanEngine;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The miner's session against a fake pool on loopback: the exchange, the answers, and reconnecting. */
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

    private MinerConfig config(int port, int threads, ScanEngine engine, boolean quiet, Duration reportEvery) {
        return new MinerConfig("alice", "127.0.0.1", port, threads, engine, quiet, Duration.ofMillis(20),
                Duration.ofMillis(160), reportEvery);
    }

    private MinerConfig config(int port, int threads) {
        return config(port, threads, DigestNonceScanner.ENGINE, false, Duration.ofSeconds(10));
    }

    private Future<MiningSummary> start(MinerConfig config) {
        Miner miner = new Miner(config, output.stream());
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
                "summary: ran ", "submitted 3, accepted 3, rejected 0, invalidated 0; coins earned 3");
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
            Future<MiningSummary> run = start(config(pool.port(), 2, engine, false, Duration.ofSeconds(10)));
            try (FakePool.Connection miner = pool.accept()) {
                miner.next(Message.GetWork.class);
                miner.send(new Message.Task(5, 0, Protocol.NONCE_SPACE, UNREACHABLE, DATA));
                assertThat(engine.nextStarted()).as("thread 1 is hashing").isNotNull();
                assertThat(engine.nextStarted()).as("thread 2 is hashing").isNotNull();

                miner.send(new Message.Invalidated(5));
                miner.next(Message.GetWork.class);
                assertThat(List.of(engine.nextEnded(), engine.nextEnded())).as("what both scans returned")
                        .containsOnly(NonceScanner.STOPPED);
                output.awaitLine("job 5 invalidated: someone else found the block, asking for new work");
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
                assertThat(summary.invalidated()).isEqualTo(1);
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
                output.awaitLine("job 4 slot 2: searched all 5000 nonces without a hit; asking for new work");
                assertThat(stop(run).hashes()).isEqualTo(5000);
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
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort(); // free now, refused once closed
        }
        Future<MiningSummary> run = start(config(port, 1));
        String pool = "127.0.0.1:" + port;
        output.awaitLine("cannot reach " + pool + " (connection refused); retrying in 20 ms (attempt 1)");
        output.awaitLine("cannot reach " + pool + " (connection refused); retrying in 40 ms (attempt 2)");
        output.awaitLine("cannot reach " + pool + " (connection refused); retrying in 80 ms (attempt 3)");
        output.awaitLine("retrying in 160 ms (attempt 5)"); // the maximum, which it stays at
        try (FakePool back = new FakePool(port); FakePool.Connection miner = back.accept()) {
            miner.next(Message.GetWork.class);
            miner.send(new Message.Task(1, 0, 1 << 16, 6, DATA));
            assertThat(miner.next(Message.Submit.class).job()).isEqualTo(1);
        }
        stop(run);
        assertThat(output.text()).doesNotContain("retrying in 320 ms");
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
        assertThat(line).matches(".*summary: ran [0-9.]+ m?s, \\d+ hashes, average [0-9.]+ [kMG]?H/s; "
                + "blocks submitted 0, accepted 0, rejected 0, invalidated 0; coins earned 0");
    }

    @Test
    void reportsTheHashRateInTotalAndPerThread() throws Exception {
        try (FakePool pool = new FakePool()) {
            Future<MiningSummary> run = start(
                    config(pool.port(), 2, DigestNonceScanner.ENGINE, false, Duration.ofMillis(100)));
            try (FakePool.Connection miner = pool.accept()) {
                miner.next(Message.GetWork.class);
                miner.send(new Message.Task(1, 0, Protocol.NONCE_SPACE, UNREACHABLE, DATA));
                String line = output.awaitLine("hash rate ");
                Matcher rate = Pattern.compile("hash rate ([0-9.]+) ([kMG]?)H/s \\(([0-9.]+), ([0-9.]+) per thread\\)")
                        .matcher(line);
                assertThat(rate.find()).as("'%s' gives a total and two per-thread rates", line).isTrue();
                double total = Double.parseDouble(rate.group(1));
                double sum = Double.parseDouble(rate.group(3)) + Double.parseDouble(rate.group(4));
                assertThat(total).isPositive().isCloseTo(sum, org.assertj.core.data.Offset.offset(0.16));
                stop(run);
            }
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
