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
import java.util.concurrent.CountDownLatch;
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
    void threadsClaimTheSlotChunkByChunkAndCoverItExactlyAsOneThreadDoes() throws Exception {
        // an odd slot size, so that the last chunk is short and an off-by-one would show
        Message.Task task = new Message.Task(9, 3, 10_007, UNREACHABLE, DATA);
        NonceRange slot = NonceRange.of(task);

        Coverage single = searchWholeSlot(task, 1);
        Coverage multi = searchWholeSlot(task, 3);

        assertThat(single.hashes).isEqualTo(slot.size());
        assertThat(multi.ranges).as("chunks of 1000 nonces").hasSize(11);
        assertCoversExactly(multi.ranges, List.of(slot));
        assertThat(multi.hashes).as("nonces hashed by all threads together")
                .isEqualTo(single.hashes).isEqualTo(slot.size());
    }

    /** The ranges, sorted, follow each other without gap or overlap and make up exactly {@code slots}. */
    private static void assertCoversExactly(List<NonceRange> ranges, List<NonceRange> slots) {
        List<NonceRange> sorted = new ArrayList<>(ranges);
        sorted.sort(Comparator.comparingLong(NonceRange::first));
        List<NonceRange> merged = new ArrayList<>();
        for (NonceRange range : sorted) {
            NonceRange last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null) {
                assertThat(range.first()).as("%s starts after %s ends: no nonce searched twice", range, last)
                        .isGreaterThanOrEqualTo(last.end());
            }
            if (last != null && last.end() == range.first()) {
                merged.set(merged.size() - 1, new NonceRange(last.first(), range.end()));
            } else {
                merged.add(range);
            }
        }
        assertThat(merged).as("the nonces searched, joined up").containsExactlyElementsOf(slots);
    }

    private record Coverage(List<NonceRange> ranges, long hashes, long[] perThread) {
    }

    private static Coverage searchWholeSlot(Message.Task task, int threads) throws Exception {
        RecordingEngine engine = new RecordingEngine();
        BlockingQueue<SlotSearch> ends = new LinkedBlockingQueue<>();
        try (Rig rig = new Rig(engine, threads, 1000)) {
            rig.start(task, ends::add);
            SlotSearch ended = ends.poll(10, TimeUnit.SECONDS);
            assertThat(ended).as("the search ended").isNotNull();
            assertThat(ended.outcome()).isInstanceOf(SlotSearch.Exhausted.class);
            return new Coverage(new ArrayList<>(engine.started), rig.totalHashes(), rig.hashesPerThread());
        }
    }

    @Test
    void whileOneThreadIsStuckTheOthersSearchTheRestOfTheSlot() throws Exception {
        Message.Task task = new Message.Task(9, 0, 20_000, UNREACHABLE, DATA);
        CountDownLatch release = new CountDownLatch(1);
        RecordingEngine engine = new RecordingEngine();
        engine.holdFirstScan(release); // the first chunk claimed stays in its thread's hands until released
        BlockingQueue<SlotSearch> ends = new LinkedBlockingQueue<>();
        try (Rig rig = new Rig(engine, 2, 1000)) {
            SlotSearch search = rig.start(task, ends::add);
            // 19 of the 20 chunks end while the first is held: the free thread takes all of them
            for (int i = 0; i < 19; i++) {
                assertThat(engine.nextEnded()).as("chunk %d of the other threads ended", i).isNotNull();
            }
            assertThat(search.outcome()).as("no end while a chunk is still being searched").isNull();
            assertThat(LongStream.of(rig.hashesPerThread()).sorted().toArray())
                    .as("nonces hashed by the held thread and by the free one").containsExactly(0, 19_000);

            release.countDown();
            SlotSearch ended = ends.poll(10, TimeUnit.SECONDS);
            assertThat(ended).as("the search ended once the held chunk was done").isSameAs(search);
            assertThat(ended.outcome()).isInstanceOf(SlotSearch.Exhausted.class);
            assertThat(rig.totalHashes()).isEqualTo(20_000);
            assertCoversExactly(new ArrayList<>(engine.started), List.of(NonceRange.of(task)));
        }
    }

    @Test
    void aSlotStartedBeforeTheCurrentOneRunsOutIsSearchedNextNeitherLostNorSearchedTwice() throws Exception {
        Message.Task first = new Message.Task(1, 4, 10_000, UNREACHABLE, DATA);
        Message.Task next = new Message.Task(1, 5, 10_000, UNREACHABLE, DATA);
        RecordingEngine engine = new RecordingEngine();
        BlockingQueue<SlotSearch> ends = new LinkedBlockingQueue<>();
        BlockingQueue<SlotSearch> ranOut = new LinkedBlockingQueue<>();
        try (Rig rig = new Rig(engine, 2, 1000)) {
            // the way the miner prefetches: the next slot is started when the first hands out its last chunk
            SlotSearch.Listener listener = new SlotSearch.Listener() {
                @Override
                public void ranOut(SlotSearch search) {
                    ranOut.add(search);
                    if (search.task() == first) {
                        rig.start(next, this);
                    }
                }

                @Override
                public void ended(SlotSearch search) {
                    ends.add(search);
                }
            };
            SlotSearch a = rig.start(first, listener);
            assertThat(ranOut.poll(10, TimeUnit.SECONDS)).isSameAs(a);
            SlotSearch b = ranOut.poll(10, TimeUnit.SECONDS);
            assertThat(b).as("the prefetched slot ran out too").isNotNull();
            List<SlotSearch> ended = List.of(ends.poll(10, TimeUnit.SECONDS), ends.poll(10, TimeUnit.SECONDS));
            assertThat(ended).containsExactlyInAnyOrder(a, b);
            assertThat(a.outcome()).isInstanceOf(SlotSearch.Exhausted.class);
            assertThat(b.outcome()).isInstanceOf(SlotSearch.Exhausted.class);
            assertThat(rig.totalHashes()).isEqualTo(20_000);
        }
        assertCoversExactly(new ArrayList<>(engine.started),
                List.of(new NonceRange(40_000, 60_000))); // slots 4 and 5 of 10,000 nonces, end to end
    }

    @Test
    void aQueuedSearchThatIsStoppedBeforeAnyThreadReachesItEndsAtOnce() throws Exception {
        RecordingEngine engine = new RecordingEngine();
        BlockingQueue<SlotSearch> ends = new LinkedBlockingQueue<>();
        try (Rig rig = new Rig(engine, 1, 1000)) {
            SlotSearch busy = rig.start(new Message.Task(1, 0, Protocol.NONCE_SPACE, UNREACHABLE, DATA), ends::add);
            SlotSearch queued = rig.start(new Message.Task(2, 0, 1000, UNREACHABLE, DATA), ends::add);
            queued.stop();
            assertThat(ends.poll(10, TimeUnit.SECONDS)).isSameAs(queued);
            assertThat(queued.outcome()).isInstanceOf(SlotSearch.Stopped.class);
            busy.stop();
            assertThat(ends.poll(10, TimeUnit.SECONDS)).isSameAs(busy);
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
        List<Long> results = new ArrayList<>();
        engine.ended.drainTo(results);
        assertThat(results).as("what the chunks' scans returned").contains(nonce);
    }

    @Test
    void stopEndsEveryThreadOfTheSearch() throws Exception {
        Message.Task task = new Message.Task(2, 0, Protocol.NONCE_SPACE, UNREACHABLE, DATA);
        RecordingEngine engine = new RecordingEngine();
        BlockingQueue<SlotSearch> ends = new LinkedBlockingQueue<>();
        try (Rig rig = new Rig(engine, 2, Integer.MAX_VALUE)) { // one chunk each: each scan ends by the stop
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
