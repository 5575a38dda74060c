package dev.minepool.protocol.wireshark;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A TCP connection between a miner and a pool on 127.0.0.1, written as a pcap file without capturing
 * anything: a handshake, then one segment per call with the bytes given, each acknowledged, then FIN from
 * both sides. Lets a test decide exactly where segment boundaries fall, which a live capture cannot.
 *
 * <p>Several connections can share one {@link Capture}, so that one file holds several miners, their
 * segments interleaved in the order the calls are made. Each frame is stamped 1 ms after the one before it,
 * unless {@link Capture#idle} lets more time pass, so response times in a capture are known in advance.
 *
 * <p>The file is classic pcap (microsecond timestamps, link type Ethernet) holding Ethernet II, IPv4 and TCP
 * headers with correct lengths, sequence numbers and checksums.
 */
public final class SyntheticTcpSession {
    private static final int LINKTYPE_ETHERNET = 1;
    private static final int ETHERNET_HEADER = 14;
    private static final int IPV4_HEADER = 20;
    private static final int TCP_HEADER = 20;
    private static final int FIN = 0x01;
    private static final int SYN = 0x02;
    private static final int PSH = 0x08;
    private static final int ACK = 0x10;
    private static final byte[] LOOPBACK = {127, 0, 0, 1};

    /** The time of the first frame, in microseconds since the epoch (2025-11-22). */
    public static final long START_MICROS = 1_763_780_461_000_000L;
    /** The time between one frame and the next, unless {@link Capture#idle} adds more. */
    public static final long FRAME_GAP_MICROS = 1_000;

    private final Capture capture;
    private final int minerPort;
    private final int poolPort;
    private long minerSeq = 1_000;
    private long poolSeq = 500_000;
    private boolean closed;

    /** A connection alone in a capture of its own. */
    public SyntheticTcpSession(int minerPort, int poolPort) {
        this(new Capture(), minerPort, poolPort);
    }

    /** A connection in a capture shared with others: its handshake is written now. */
    public SyntheticTcpSession(Capture capture, int minerPort, int poolPort) {
        this.capture = capture;
        capture.sessions.add(this);
        this.minerPort = minerPort;
        this.poolPort = poolPort;
        segment(true, SYN, new byte[0]);
        minerSeq++;
        segment(false, SYN | ACK, new byte[0]);
        poolSeq++;
        segment(true, ACK, new byte[0]);
    }

    /** Each argument becomes one segment from the miner to the pool, acknowledged by the pool. */
    public SyntheticTcpSession fromMiner(byte[]... segments) {
        for (byte[] payload : segments) {
            send(true, payload);
        }
        return this;
    }

    /** Each argument becomes one segment from the pool to the miner, acknowledged by the miner. */
    public SyntheticTcpSession fromPool(byte[]... segments) {
        for (byte[] payload : segments) {
            send(false, payload);
        }
        return this;
    }

    /** The capture this connection is written to. */
    public Capture capture() {
        return capture;
    }

    /** Closes the connection (FIN both ways), the pool first, as the minepool server does. */
    public SyntheticTcpSession close() {
        if (!closed) {
            closed = true;
            segment(false, FIN | ACK, new byte[0]);
            poolSeq++;
            segment(true, FIN | ACK, new byte[0]);
            minerSeq++;
            segment(false, ACK, new byte[0]);
        }
        return this;
    }

    /** Writes the capture, closing every connection in it first unless done already. */
    public Path writePcap(Path file) throws IOException {
        return capture.writePcap(file);
    }

    /**
     * One pcap file's worth of frames, from one or more connections, with one clock. A snapshot length, if
     * set, cuts every longer frame as a capture with {@code -s} would: the file records the frame's real
     * length and only its first bytes.
     */
    public static final class Capture {
        private final List<SyntheticTcpSession> sessions = new ArrayList<>();
        private final List<byte[]> frames = new ArrayList<>();
        private final List<Long> times = new ArrayList<>();
        private long micros = START_MICROS;
        private int snapLength = 65535;
        private int ipId;

        /** Lets this much time pass before the next frame, on top of the usual {@value #FRAME_GAP_MICROS} µs. */
        public Capture idle(java.time.Duration duration) {
            micros += duration.toNanos() / 1_000;
            return this;
        }

        /** Keeps at most this many bytes of each frame from now on, as a capture's snapshot length does. */
        public Capture snapLength(int bytes) {
            snapLength = bytes;
            return this;
        }

        /** Writes every frame so far, closing every connection first unless done already. */
        public Path writePcap(Path file) throws IOException {
            for (SyntheticTcpSession session : sessions) {
                session.close();
            }
            int size = 24 + frames.stream().mapToInt(f -> 16 + Math.min(f.length, snapLength)).sum();
            ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN); // pcap: writer's order
            out.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(snapLength)
                    .putInt(LINKTYPE_ETHERNET);
            for (int i = 0; i < frames.size(); i++) {
                byte[] frame = frames.get(i);
                long time = times.get(i);
                int kept = Math.min(frame.length, snapLength);
                out.putInt((int) (time / 1_000_000)).putInt((int) (time % 1_000_000))
                        .putInt(kept).putInt(frame.length).put(frame, 0, kept);
            }
            return Files.write(file, out.array());
        }

        private void add(byte[] frame) {
            frames.add(frame);
            times.add(micros);
            micros += FRAME_GAP_MICROS;
        }
    }

    private void send(boolean fromMiner, byte[] payload) {
        if (closed) {
            throw new IllegalStateException("the connection is closed");
        }
        segment(fromMiner, PSH | ACK, payload);
        if (fromMiner) {
            minerSeq += payload.length;
        } else {
            poolSeq += payload.length;
        }
        segment(!fromMiner, ACK, new byte[0]);
    }

    private void segment(boolean fromMiner, int flags, byte[] payload) {
        int tcpLength = TCP_HEADER + payload.length;
        ByteBuffer frame = ByteBuffer.allocate(ETHERNET_HEADER + IPV4_HEADER + tcpLength); // big-endian
        // Ethernet II: loopback has all-zero addresses; type IPv4.
        frame.put(new byte[12]).putShort((short) 0x0800);
        int ip = frame.position();
        frame.put((byte) 0x45).put((byte) 0).putShort((short) (IPV4_HEADER + tcpLength))
                .putShort((short) capture.ipId++).putShort((short) 0x4000) // don't fragment
                .put((byte) 64).put((byte) 6).putShort((short) 0).put(LOOPBACK).put(LOOPBACK);
        frame.putShort(ip + 10, (short) checksum(frame.array(), ip, IPV4_HEADER, 0));
        int tcp = frame.position();
        boolean ack = (flags & ACK) != 0;
        frame.putShort((short) (fromMiner ? minerPort : poolPort)).putShort((short) (fromMiner ? poolPort : minerPort))
                .putInt((int) (fromMiner ? minerSeq : poolSeq)).putInt(ack ? (int) (fromMiner ? poolSeq : minerSeq) : 0)
                .put((byte) (5 << 4)).put((byte) flags).putShort((short) 65535).putShort((short) 0)
                .putShort((short) 0).put(payload);
        // The TCP checksum covers a pseudo-header: both addresses, the protocol and the TCP length.
        long pseudo = 0x7f00 + 0x0001 + 0x7f00 + 0x0001 + 6 + tcpLength;
        frame.putShort(tcp + 16, (short) checksum(frame.array(), tcp, tcpLength, pseudo));
        capture.add(frame.array());
    }

    private static int checksum(byte[] bytes, int offset, int length, long initial) {
        long sum = initial;
        for (int i = 0; i < length; i += 2) {
            int high = bytes[offset + i] & 0xFF;
            int low = i + 1 < length ? bytes[offset + i + 1] & 0xFF : 0;
            sum += (high << 8) | low;
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (int) (~sum & 0xFFFF);
    }
}
