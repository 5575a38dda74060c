package dev.minepool.client.swarm;

import com.sun.management.UnixOperatingSystemMXBean;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The floor under a pool's fan-out: N loopback connections, and one thread that writes 3 bytes (the size of an
 * {@code I}) to each with a non-blocking write, timed, with nothing else. A pool that tells N miners a job is over
 * cannot beat N of these writes on the same machine; {@code bin/bench-swarm} prints its A-last I as a ratio to it.
 *
 * <p>The writing side is set up as the pool's is (non-blocking, {@code TCP_NODELAY}), from a direct buffer, so that
 * what is timed is the syscall and the kernel's loopback path, not a copy. The reading side is drained between
 * rounds, untimed, and every byte is checked, so a short write cannot pass for a fast one.
 *
 * <p>That floor is the definition, and a little kind to the pool: in a fan-out the miners (or a swarm's
 * selector thread) sleep in {@code epoll_wait} on those sockets, so each write also runs the kernel's epoll
 * callback and wakes a reader, inside the writer's system call. {@code --readers select} measures that floor: a
 * thread blocked in {@code select()} on every reading end, reading what arrives. {@code --writers W} splits the
 * connections among W threads writing at once, the evidence for or against sharding a pool's connections across
 * W selector threads on the machine at hand.
 */
public final class WriteFloor {
    static final int MESSAGE_BYTES = 3;
    /** Descriptors the JVM itself holds (jars, pipes, the listener), kept free. */
    static final int SPARE_DESCRIPTORS = 100;

    private WriteFloor() {
    }

    /** {@code minepool client floor [--connections N] [--rounds R]}; returns the exit code. */
    public static int run(String[] args, int from, PrintStream out, PrintStream err) {
        int connections = 10_000;
        int rounds = 7;
        Readers readers = Readers.IDLE;
        int writers = 1;
        try {
            for (int i = from; i < args.length; i++) {
                switch (args[i]) {
                    case "--connections" -> connections = positive(args, ++i, "--connections");
                    case "--rounds" -> rounds = positive(args, ++i, "--rounds");
                    case "--readers" -> readers = readers(args, ++i);
                    case "--writers" -> writers = positive(args, ++i, "--writers");
                    case "-h", "--help" -> {
                        out.println("usage: minepool client floor [--connections N] [--rounds R] [--readers idle|select]"
                                + " [--writers W]");
                        out.println();
                        out.println("Times one non-blocking write of " + MESSAGE_BYTES + " bytes to each of N loopback"
                                + " connections, from one thread (default 10000 connections, 7 rounds): the floor");
                        out.println("under a pool's fan-out on this machine. Needs 2N file descriptors.");
                        out.println("  --readers select  a thread waits in select() on the reading ends and reads what"
                                + " arrives, as a miner's or a swarm's does,");
                        out.println("                    so each write also wakes it (default idle: nobody waits)");
                        out.println("  --writers W       W threads write at once, each to its own share of the"
                                + " connections (default 1)");
                        return 0;
                    }
                    default -> throw new IllegalArgumentException("unknown option '" + args[i] + "' (see --help)");
                }
            }
        } catch (IllegalArgumentException e) {
            err.println("floor: " + e.getMessage());
            return 2;
        }
        long limit = fileDescriptorLimit();
        if (limit > 0 && 2L * connections + SPARE_DESCRIPTORS > limit) {
            err.println("floor: " + connections + " connections need " + (2L * connections) + " file descriptors in this"
                    + " one process, and its limit is " + limit + "; measure at most "
                    + Math.max(1, (limit - SPARE_DESCRIPTORS) / 2) + " (the cost of one write does not depend on how"
                    + " many there are), or raise ulimit -n");
            return 2;
        }
        try {
            long[] nanos = measure(connections, rounds, readers, writers);
            long[] sorted = nanos.clone();
            Arrays.sort(sorted);
            long median = sorted[(sorted.length - 1) / 2];
            for (int r = 0; r < nanos.length; r++) {
                out.printf(Locale.ROOT, "round %d: %d writes in %.3f ms, %.2f us each%n", r + 1, connections,
                        nanos[r] / 1e6, nanos[r] / 1e3 / connections);
            }
            // The default's line is the floor, and bin/bench-swarm reads it by its prefix; variants say so.
            String variant = readers == Readers.IDLE && writers == 1 ? ""
                    : " (" + readers.label + ", " + writers + (writers == 1 ? " writer)" : " writers)");
            out.printf(Locale.ROOT, "write floor%s: %d writes of %d bytes, median of %d rounds %.3f ms (%.2f us each),"
                            + " min %.3f ms, max %.3f ms%n", variant, connections, MESSAGE_BYTES, rounds, median / 1e6,
                    median / 1e3 / connections, sorted[0] / 1e6, sorted[sorted.length - 1] / 1e6);
            return 0;
        } catch (IOException e) {
            err.println("floor: " + e.getMessage() + (e.getMessage() != null && e.getMessage().contains("files")
                    ? " (each connection needs two file descriptors: raise ulimit -n)" : ""));
            return 1;
        }
    }

    /** This process's open-file limit, or 0 where the JVM cannot tell. */
    static long fileDescriptorLimit() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix) {
            return unix.getMaxFileDescriptorCount();
        }
        return 0;
    }

    private static Readers readers(String[] args, int i) {
        String value = i < args.length ? args[i] : "";
        return switch (value) {
            case "idle" -> Readers.IDLE;
            case "select" -> Readers.SELECTOR;
            default -> throw new IllegalArgumentException("--readers is idle or select, not '" + value + "'");
        };
    }

    private static int positive(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a number");
        }
        try {
            int n = Integer.parseInt(args[i]);
            if (n < 1) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be a whole number of at least 1, not '" + args[i] + "'");
        }
    }

    /** Each round's time to write to every connection once, in nanoseconds: one writer, nobody waiting to read. */
    static long[] measure(int connections, int rounds) throws IOException {
        return measure(connections, rounds, Readers.IDLE, 1);
    }

    /**
     * Each round's time to write to every connection once, in nanoseconds, from the first write to the last
     * writer's last write.
     *
     * @param readers who waits on the reading ends while the writes happen
     * @param writers how many threads write at once, each to its own share of the connections (1 is the pool's
     *                one loop thread; 2 is the loop sharded across two selector threads)
     */
    static long[] measure(int connections, int rounds, Readers readers, int writers) throws IOException {
        List<SocketChannel> writing = new ArrayList<>(connections);
        List<SocketChannel> reading = new ArrayList<>(connections);
        ReadingThread reader = null;
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), connections);
            for (int i = 0; i < connections; i++) {
                reading.add(SocketChannel.open(listener.getLocalAddress()));
                SocketChannel accepted = listener.accept();
                accepted.configureBlocking(false);
                accepted.setOption(StandardSocketOptions.TCP_NODELAY, true);
                writing.add(accepted);
            }
            if (readers == Readers.SELECTOR) {
                reader = new ReadingThread(reading);
                reader.start();
            }
            ByteBuffer received = ByteBuffer.allocate(MESSAGE_BYTES);
            long[] nanos = new long[rounds];
            for (int r = 0; r < rounds; r++) {
                nanos[r] = writers == 1 ? writeOnce(writing, 0, connections) : writeInParallel(writing, writers);
                if (reader != null) { // untimed: the reading thread got every byte of this round
                    reader.awaitBytes((long) (r + 1) * connections * MESSAGE_BYTES);
                    continue;
                }
                for (int i = 0; i < connections; i++) { // untimed: each reader got the whole message
                    received.clear();
                    while (received.hasRemaining()) {
                        if (reading.get(i).read(received) < 0) {
                            throw new IOException("connection " + i + " ended early");
                        }
                    }
                    if (received.get(0) != 'I' || received.get(2) != 1) {
                        throw new IOException("connection " + i + " received other bytes than were written");
                    }
                }
            }
            return nanos;
        } finally {
            if (reader != null) {
                reader.finish();
            }
            for (SocketChannel c : writing) {
                c.close();
            }
            for (SocketChannel c : reading) {
                c.close();
            }
        }
    }

    /** One 3-byte write to each of connections [from, to), from a direct buffer; the time it took. */
    private static long writeOnce(List<SocketChannel> writing, int from, int to) throws IOException {
        ByteBuffer message = ByteBuffer.allocateDirect(MESSAGE_BYTES);
        message.put(new byte[] {'I', 0, 1}).flip();
        long start = System.nanoTime();
        for (int i = from; i < to; i++) {
            message.rewind();
            if (writing.get(i).write(message) != MESSAGE_BYTES) { // an empty socket takes 3 bytes: anything else is news
                throw new IOException("a write of " + MESSAGE_BYTES + " bytes to an empty socket was short");
            }
        }
        return System.nanoTime() - start;
    }

    /**
     * The connections cut into {@code writers} consecutive shares, each written by its own thread at once: the
     * time from releasing them to the last one's last write. The threads are started and waiting before the clock
     * starts.
     */
    private static long writeInParallel(List<SocketChannel> writing, int writers) throws IOException {
        CountDownLatch ready = new CountDownLatch(writers);
        CountDownLatch go = new CountDownLatch(1);
        long[] ends = new long[writers];
        IOException[] failures = new IOException[writers];
        Thread[] threads = new Thread[writers];
        int n = writing.size();
        for (int t = 0; t < writers; t++) {
            int index = t;
            int from = (int) ((long) n * t / writers);
            int to = (int) ((long) n * (t + 1) / writers);
            threads[t] = new Thread(() -> {
                ready.countDown();
                try {
                    go.await();
                    writeOnce(writing, from, to);
                } catch (IOException e) {
                    failures[index] = e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                ends[index] = System.nanoTime();
            }, "floor-writer-" + t);
            threads[t].start();
        }
        try {
            ready.await();
            long start = System.nanoTime();
            go.countDown();
            long last = start;
            for (int t = 0; t < writers; t++) {
                threads[t].join();
                if (failures[t] != null) {
                    throw failures[t];
                }
                last = Math.max(last, ends[t]);
            }
            return last - start;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the writers wrote", e);
        }
    }

    /** Who waits on the reading ends while the writes are timed. */
    enum Readers {
        /** Nobody: the reading ends are drained between rounds. The floor. */
        IDLE("nobody reading"),
        /**
         * A thread blocked in {@code select()} on every reading end, which reads what arrives, as a swarm's or a
         * miner's does: each write then also wakes it (the kernel's epoll callback and a wake-up, paid in the
         * writer's system call), which a pool's fan-out pays too.
         */
        SELECTOR("readers in select");

        final String label;

        Readers(String label) {
            this.label = label;
        }
    }

    /** One thread, one selector over every reading end, reading whatever arrives and checking each byte. */
    private static final class ReadingThread extends Thread {
        private static final byte[] EXPECTED = {'I', 0, 1};
        private final Selector selector;
        private final int[] received;
        private final AtomicLong total = new AtomicLong();
        private volatile boolean stopping;
        private volatile IOException failure;

        ReadingThread(List<SocketChannel> reading) throws IOException {
            super("floor-reader");
            setDaemon(true);
            selector = Selector.open();
            received = new int[reading.size()];
            for (int i = 0; i < reading.size(); i++) {
                SocketChannel c = reading.get(i);
                c.configureBlocking(false);
                c.register(selector, SelectionKey.OP_READ, i);
            }
        }

        @Override
        public void run() {
            ByteBuffer buffer = ByteBuffer.allocateDirect(256);
            try {
                while (!stopping) {
                    selector.select();
                    for (SelectionKey key : selector.selectedKeys()) {
                        int i = (Integer) key.attachment();
                        buffer.clear();
                        int n = ((SocketChannel) key.channel()).read(buffer);
                        if (n < 0) {
                            throw new IOException("connection " + i + " ended early");
                        }
                        for (int b = 0; b < n; b++) {
                            if (buffer.get(b) != EXPECTED[(received[i] + b) % EXPECTED.length]) {
                                throw new IOException("connection " + i + " received other bytes than were written");
                            }
                        }
                        received[i] += n;
                        total.addAndGet(n);
                    }
                    selector.selectedKeys().clear();
                }
            } catch (IOException e) {
                failure = e;
            } catch (ClosedSelectorException e) {
                // stopped
            }
        }

        /** Waits (untimed, up to 10 s) until {@code bytes} have been read in all, each connection its share. */
        void awaitBytes(long bytes) throws IOException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (total.get() < bytes) {
                if (failure != null) {
                    throw failure;
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new IOException("the reading thread got " + total.get() + " of " + bytes + " bytes in 10 s");
                }
                LockSupport.parkNanos(100_000);
            }
            if (total.get() != bytes) {
                throw new IOException("the reading thread got " + total.get() + " bytes, " + bytes + " were written");
            }
        }

        void finish() throws IOException {
            stopping = true;
            selector.wakeup();
            try {
                join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            selector.close();
        }
    }
}
