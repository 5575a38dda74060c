package dev.minepool.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minepool.protocol.Message;
import dev.minepool.client.engine.NonceRange;
import dev.minepool.client.engine.NonceScanner;
import dev.minepool.protocol.ProofOfWork;
import dev.minepool.protocol.Protocol;
import dev.minepool.client.engine.ScanEngine;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class RigTest {
    private static final byte[] DATA = jobData();
    /** No hash has 255 leading zero bits, so a search at it always covers its whole slot. */
    private static final int UNREACHABLE = 255;

    static byte[] jobData() {
        byte[] data = new byte[Protocol.DEFAULT_DATA_SIZE];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7 + 3);
        }
        return data;
    }

    @Test
    void multithreadedSearchCoversTheSlotExactlyAsSingleThreaded() throws Exception {
        // an odd slot size, so that the parts differ in size and an off-by-one would show
        Message.Task task = new Message.Task(9, 3, 10_007, UNREACHABLE, DATA);
        NonceRange slot = NonceRange.of(task);

        Coverage single = searchWholeSlot(task, 1);
        Coverage multi = searchWholeSlot(task, 3);

        assertThat(single.ranges).containsExactly(slot);
        assertThat(multi.ranges).as("one part per thread").hasSize(3);
        assertThat(multi.ranges.get(0).first()).as("the first part starts the slot").isEqualTo(slot.first());
        for (int i = 1; i < multi.ranges.size(); i++) {
            assertThat(multi.ranges.get(i).first()).as("part %d starts where part %d ends: no gap, no overlap", i,
                    i - 1).isEqualTo(multi.ranges.get(i - 1).end());
        }
        assertThat(multi.ranges.get(2).end()).as("the last part ends the slot").isEqualTo(slot.end());
        assertThat(multi.hashes).as("nonces hashed by all threads together")
                .isEqualTo(single.hashes).isEqualTo(slot.size());
        assertThat(LongStream.of(multi.perThread)).as("every thread did its share").allMatch(h -> h > 3000);
    }

    private record Coverage(List<NonceRange> ranges, long hashes, long[] perThread) {
    }

    private static Coverage searchWholeSlot(Message.Task task, int threads) throws Exception {
        RecordingEngine engine = new RecordingEngine();
        BlockingQueue<SlotSearch> ends = new LinkedBlockingQueue<>();
        try (Rig rig = new Rig(engine, threads)) {
            rig.start(task, ends::add);
            SlotSearch ended = ends.poll(10, TimeUnit.SECONDS);
            assertThat(ended).as("the search ended").isNotNull();
            assertThat(ended.outcome()).isInstanceOf(SlotSearch.Exhausted.class);
            List<NonceRange> ranges = new ArrayList<>(engine.started);
            ranges.sort(Comparator.comparingLong(NonceRange::first));
            return new Coverage(ranges, rig.totalHashes(), rig.hashesPerThread());
        }
    }

    @Test
    void findsAValidNonceInsideTheSlotAndStopsTheOtherThreads() throws Exception {
        Message.Task task = new Message.Task(1, 5, 1 << 20, 12, DATA);
        RecordingEngine engine = new RecordingEngine();
        BlockingQueue<SlotSearch> ends = new LinkedBlockingQueue<>();
        long nonce;
        try (Rig rig = new Rig(engine, 2)) {
            rig.start(task, ends::add);
            SlotSearch ended = ends.poll(10, TimeUnit.SECONDS);
            assertThat(ended).isNotNull();
            assertThat(ended.outcome()).isInstanceOf(SlotSearch.Found.class);
            nonce = ((SlotSearch.Found) ended.outcome()).nonce();
            assertThat(NonceRange.of(task).contains(nonce)).as("nonce %d is in the slot", nonce).isTrue();
            assertThat(ProofOfWork.verify(DATA, nonce, 12)).as("nonce meets 12 zero bits").isTrue();
            // both threads hashed far less than the 2^20 nonces of the slot: the hit stopped the search
            assertThat(rig.totalHashes()).isLessThan(1 << 19);
        }
        // Read once the rig is closed, so every thread is done. The other thread may have been stopped before it
        // began scanning at all (a fast hit under load): then it reports nothing, which is fine; what it must not
        // report is a finished search without a hit.
        List<Long> results = new ArrayList<>();
        engine.ended.drainTo(results);
        assertThat(results).as("one thread hit, the other was stopped or found one too")
                .contains(nonce).doesNotContain(NonceScanner.NOT_FOUND).hasSizeBetween(1, 2);
    }

    @Test
    void stopEndsEveryThreadOfTheSearch() throws Exception {
        Message.Task task = new Message.Task(2, 0, Protocol.NONCE_SPACE, UNREACHABLE, DATA);
        RecordingEngine engine = new RecordingEngine();
        BlockingQueue<SlotSearch> ends = new LinkedBlockingQueue<>();
        try (Rig rig = new Rig(engine, 2)) {
            SlotSearch search = rig.start(task, ends::add);
            assertThat(engine.nextStarted()).isNotNull();
            assertThat(engine.nextStarted()).isNotNull();
            search.stop();
            SlotSearch ended = ends.poll(10, TimeUnit.SECONDS);
            assertThat(ended).as("the search ended after stop()").isNotNull();
            assertThat(ended.outcome()).isInstanceOf(SlotSearch.Stopped.class);
            assertThat(List.of(engine.nextEnded(), engine.nextEnded())).containsOnly(NonceScanner.STOPPED);
        }
    }

    @Test
    void aScannerThatThrowsEndsTheSearchAsFailed() throws Exception {
        ScanEngine broken = new ScanEngine() {
            @Override
            public String name() {
                return "broken";
            }

            @Override
            public NonceScanner scanner(byte[] data) {
                throw new IllegalStateException("no midstate today");
            }
        };
        BlockingQueue<SlotSearch> ends = new LinkedBlockingQueue<>();
        try (Rig rig = new Rig(broken, 2)) {
            rig.start(new Message.Task(3, 0, 1000, 8, DATA), ends::add);
            SlotSearch ended = ends.poll(10, TimeUnit.SECONDS);
            assertThat(ended).isNotNull();
            assertThat(ended.outcome()).isInstanceOfSatisfying(SlotSearch.Failed.class,
                    failed -> assertThat(failed.reason()).contains("no midstate today"));
            // the threads survive the failure and mine the next job
            rig.start(new Message.Task(4, 0, 1000, UNREACHABLE, DATA), ends::add);
            assertThat(ends.poll(10, TimeUnit.SECONDS)).isNotNull();
        }
    }
}
