package dev.minepool.client.swarm;

import com.sun.management.UnixOperatingSystemMXBean;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The floor under a pool's fan-out: N loopback connections, and one thread that writes 3 bytes (the size of an
 * {@code I}) to each with a non-blocking write, timed, with nothing else. A pool that tells N miners a job is over
 * cannot beat N of these writes on the same machine; {@code bin/bench-swarm} prints its A-last I as a ratio to it.
 *
 * <p>The writing side is set up as the pool's is (non-blocking, {@code TCP_NODELAY}), from a direct buffer, so that
 * what is timed is the syscall and the kernel's loopback path, not a copy. The reading side is drained between
 * rounds, untimed, and every byte is checked, so a short write cannot pass for a fast one.
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
        try {
            for (int i = from; i < args.length; i++) {
                switch (args[i]) {
                    case "--connections" -> connections = positive(args, ++i, "--connections");
                    case "--rounds" -> rounds = positive(args, ++i, "--rounds");
                    case "-h", "--help" -> {
                        out.println("usage: minepool client floor [--connections N] [--rounds R]");
                        out.println();
                        out.println("Times one non-blocking write of " + MESSAGE_BYTES + " bytes to each of N loopback"
                                + " connections, from one thread (default 10000 connections, 7 rounds): the floor");
                        out.println("under a pool's fan-out on this machine. Needs 2N file descriptors.");
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
            long[] nanos = measure(connections, rounds);
            long[] sorted = nanos.clone();
            Arrays.sort(sorted);
            long median = sorted[(sorted.length - 1) / 2];
            for (int r = 0; r < nanos.length; r++) {
                out.printf(Locale.ROOT, "round %d: %d writes in %.3f ms, %.2f us each%n", r + 1, connections,
                        nanos[r] / 1e6, nanos[r] / 1e3 / connections);
            }
            out.printf(Locale.ROOT, "write floor: %d writes of %d bytes, median of %d rounds %.3f ms (%.2f us each),"
                            + " min %.3f ms, max %.3f ms%n", connections, MESSAGE_BYTES, rounds, median / 1e6,
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

    /** Each round's time to write to every connection once, in nanoseconds. */
    static long[] measure(int connections, int rounds) throws IOException {
        List<SocketChannel> writers = new ArrayList<>(connections);
        List<SocketChannel> readers = new ArrayList<>(connections);
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), connections);
            for (int i = 0; i < connections; i++) {
                readers.add(SocketChannel.open(listener.getLocalAddress()));
                SocketChannel accepted = listener.accept();
                accepted.configureBlocking(false);
                accepted.setOption(StandardSocketOptions.TCP_NODELAY, true);
                writers.add(accepted);
            }
            ByteBuffer message = ByteBuffer.allocateDirect(MESSAGE_BYTES);
            message.put(new byte[] {'I', 0, 1}).flip();
            ByteBuffer received = ByteBuffer.allocate(MESSAGE_BYTES);
            long[] nanos = new long[rounds];
            for (int r = 0; r < rounds; r++) {
                long start = System.nanoTime();
                for (SocketChannel w : writers) {
                    message.rewind();
                    if (w.write(message) != MESSAGE_BYTES) { // an empty socket takes 3 bytes; anything else is news
                        throw new IOException("a write of " + MESSAGE_BYTES + " bytes to an empty socket was short");
                    }
                }
                nanos[r] = System.nanoTime() - start;
                for (int i = 0; i < connections; i++) { // untimed: each reader got the whole message
                    received.clear();
                    while (received.hasRemaining()) {
                        if (readers.get(i).read(received) < 0) {
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
            for (SocketChannel c : writers) {
                c.close();
            }
            for (SocketChannel c : readers) {
                c.close();
            }
        }
    }
}
