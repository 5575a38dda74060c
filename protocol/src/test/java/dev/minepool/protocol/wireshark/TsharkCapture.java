package dev.minepool.protocol.wireshark;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A live capture of one TCP port on the loopback interface, with dumpcap (Wireshark's capture tool, which
 * tshark itself uses), into a pcap file that {@link Tshark#decode} can read. For tests that record a real
 * session:
 *
 * <pre>
 *   TsharkCapture.available().assumeAvailable();
 *   try (TsharkCapture capture = TsharkCapture.start(port, tempDir)) {
 *       ... talk over 127.0.0.1:port ...
 *       Path pcap = capture.stop();
 *       List&lt;DecodedMessage&gt; messages = Tshark.decode(pcap, Tshark.poolPort(port));
 *   }
 * </pre>
 *
 * <p>No sleeps: {@link #start} returns once a marker datagram sent after dumpcap opened the interface is in
 * the file, so everything sent afterwards is captured; {@link #stop} sends another marker and waits until it
 * is in the file before stopping dumpcap, so everything sent before it is there too (one interface keeps
 * order). dumpcap writes its file and reports {@code Packets: n} on stderr every half second or so; the file
 * is checked on each report. The markers are UDP datagrams to a socket of the capture's own on 127.0.0.1,
 * which the capture filter lets through beside the TCP port; tshark shows them as UDP, not as minepool.
 */
public final class TsharkCapture implements AutoCloseable {
    private static final long START_SECONDS = 15;
    private static final long MARKER_SECONDS = 15;
    private static final long STOP_SECONDS = 15;

    private static Availability availability;

    private final Process dumpcap;
    private final Path file;
    private final DatagramSocket markerSocket;
    private final BlockingQueue<String> stderrLines = new LinkedBlockingQueue<>();
    private final StringBuffer stderr = new StringBuffer();
    private boolean stopped;

    private TsharkCapture(Process dumpcap, Path file, DatagramSocket markerSocket) {
        this.dumpcap = dumpcap;
        this.file = file;
        this.markerSocket = markerSocket;
        Thread reader = new Thread(this::readStderr, "dumpcap-stderr");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Whether a capture can run here: tshark as {@link Tshark#available()} says, dumpcap on PATH, and the
     * right to capture on {@code lo} (root, or dumpcap with CAP_NET_RAW and CAP_NET_ADMIN).
     */
    public static synchronized Availability available() {
        if (availability == null) {
            availability = Tshark.available().and(TsharkCapture::check);
        }
        return availability;
    }

    private static Availability check() {
        Optional<Path> dumpcap = Tshark.onPath("dumpcap");
        if (dumpcap.isEmpty()) {
            return Availability.no("dumpcap is not installed (not on PATH); it comes with tshark");
        }
        try {
            // Listing the link types opens the interface, so it fails exactly when capturing would.
            Tshark.Result result = Tshark.run(List.of(dumpcap.get().toString(), "-i", "lo", "-L"));
            if (result.exitCode() != 0) {
                String why = result.stderr().lines().map(String::strip)
                        .filter(line -> !line.isEmpty() && !line.contains("cap_set_proc")).findFirst()
                        .orElse("exit code " + result.exitCode());
                return Availability.no("no right to capture on the loopback interface: " + why);
            }
        } catch (IOException e) {
            return Availability.no("dumpcap could not be run: " + e.getMessage());
        }
        return Availability.yes();
    }

    /**
     * Starts capturing TCP port {@code port} on {@code lo} into a new pcap file in {@code dir}, and returns
     * once the capture is running.
     */
    public static TsharkCapture start(int port, Path dir) throws IOException {
        Path dumpcapPath = Tshark.onPath("dumpcap").orElseThrow(() -> new IOException(available().reason()));
        DatagramSocket markerSocket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Path file = dir.resolve("minepool-port-" + port + ".pcap");
        // -p: no promiscuous mode, which loopback does not need; -P: classic pcap, as other tools expect.
        List<String> command = List.of(dumpcapPath.toString(), "-i", "lo", "-p", "-P",
                "-f", "tcp port " + port + " or udp port " + markerSocket.getLocalPort(), "-w", file.toString());
        Process process;
        try {
            process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            markerSocket.close();
            throw e;
        }
        TsharkCapture capture = new TsharkCapture(process, file, markerSocket);
        try {
            capture.awaitStderrLine("File: ", START_SECONDS);
            capture.mark("start");
            return capture;
        } catch (IOException | RuntimeException e) {
            capture.close();
            throw e;
        }
    }

    /**
     * Copies a finished capture to the folder named by {@code -Dminepool.keepCaptures=DIR}, if set, under
     * {@code name}, so that a person can open it in Wireshark after the test.
     */
    public static void keep(Path capture, String name) throws IOException {
        String keepDir = System.getProperty("minepool.keepCaptures");
        if (keepDir != null) {
            Path target = Paths.get(keepDir).toAbsolutePath();
            Files.createDirectories(target);
            Files.copy(capture, target.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The capture file (complete only after {@link #stop}). */
    public Path file() {
        return file;
    }

    /**
     * Makes sure everything sent so far is in the file, stops dumpcap and returns the file.
     *
     * @throws IOException if dumpcap failed, or did not write or stop in time
     */
    public Path stop() throws IOException {
        if (!stopped) {
            mark("end");
            stopped = true;
            dumpcap.destroy(); // SIGTERM: dumpcap finishes its file and exits
            try {
                if (!dumpcap.waitFor(STOP_SECONDS, TimeUnit.SECONDS)) {
                    throw new IOException("dumpcap did not stop within " + STOP_SECONDS + " s of SIGTERM");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while stopping dumpcap", e);
            } finally {
                close();
            }
        }
        return file;
    }

    /** Kills dumpcap if it still runs (a test that failed before {@link #stop}). */
    @Override
    public void close() {
        if (dumpcap.isAlive()) {
            dumpcap.destroyForcibly();
        }
        markerSocket.close();
    }

    /** Sends a datagram no other traffic contains and waits until dumpcap has written it to the file. */
    private void mark(String what) throws IOException {
        byte[] marker = ("minepool-capture-" + what + "-" + UUID.randomUUID()).getBytes(StandardCharsets.US_ASCII);
        markerSocket.send(new DatagramPacket(marker, marker.length, markerSocket.getLocalSocketAddress()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(MARKER_SECONDS);
        while (!contains(Files.readAllBytes(file), marker)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IOException("dumpcap did not write the " + what + " marker within " + MARKER_SECONDS
                        + " s: " + stderr.toString().strip());
            }
            try {
                // dumpcap reports "Packets: n" right after each write to the file
                String line = stderrLines.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(500)),
                        TimeUnit.NANOSECONDS);
                if (line == null && !dumpcap.isAlive()) {
                    throw new IOException("dumpcap exited with " + dumpcap.exitValue() + ": "
                            + stderr.toString().strip());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for dumpcap", e);
            }
        }
    }

    private void awaitStderrLine(String prefix, long seconds) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                String line = left > 0 ? stderrLines.poll(left, TimeUnit.NANOSECONDS) : null;
                if (line == null) {
                    throw new IOException("dumpcap did not start capturing within " + seconds + " s: "
                            + stderr.toString().strip());
                }
                if (line.equals("\u0000eof")) {
                    waitQuietly();
                    throw new IOException("dumpcap could not capture on lo (exit code " + dumpcap.exitValue()
                            + "): " + stderr.toString().strip());
                }
                if (line.startsWith(prefix)) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting dumpcap", e);
        }
    }

    private void waitQuietly() {
        try {
            dumpcap.waitFor(STOP_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** dumpcap ends its progress reports with '\r', its other lines with '\n': both end a line here. */
    private void readStderr() {
        try (Reader reader = new InputStreamReader(dumpcap.getErrorStream(), StandardCharsets.UTF_8)) {
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = reader.read()) >= 0) {
                if (c == '\n' || c == '\r') {
                    if (line.length() > 0) {
                        String text = line.toString().strip();
                        stderr.append(text).append('\n');
                        stderrLines.add(text);
                        line.setLength(0);
                    }
                } else {
                    line.append((char) c);
                }
            }
        } catch (IOException e) {
            stderr.append("(reading dumpcap's stderr failed: ").append(e.getMessage()).append(")\n");
        } finally {
            stderrLines.add("\u0000eof");
        }
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
