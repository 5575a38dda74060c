package dev.minepool.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minepool.protocol.Direction;
import dev.minepool.protocol.Message;
import dev.minepool.protocol.MessageReader;
import dev.minepool.protocol.ProofOfWork;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;

/** A hand-written miner over a plain blocking socket: writes raw bytes, reads messages with a timeout. */
final class TestMiner implements AutoCloseable {
    /** A hang guard, not a limit anyone asserts on. */
    static final int READ_TIMEOUT_MILLIS = 10_000;

    final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final MessageReader reader;

    TestMiner(int port) throws IOException {
        this(port, 0);
    }

    /** @param receiveBuffer a small SO_RCVBUF for a miner that is meant to fall behind; 0 for the default */
    TestMiner(int port, int receiveBuffer) throws IOException {
        socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new InetSocketAddress("127.0.0.1", port), READ_TIMEOUT_MILLIS);
        socket.setSoTimeout(READ_TIMEOUT_MILLIS);
        socket.setTcpNoDelay(true);
        in = socket.getInputStream();
        out = socket.getOutputStream();
        reader = new MessageReader(in, Direction.SERVER_TO_CLIENT);
    }

    TestMiner send(Message message) throws IOException {
        return write(message.toBytes());
    }

    TestMiner write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** The next message from the pool; fails the test if none comes within the hang guard. */
    Message read() throws IOException {
        Message message = reader.read();
        if (message == null) {
            throw new IOException("the pool closed the connection");
        }
        return message;
    }

    <T extends Message> T read(Class<T> type) throws IOException {
        Message message = read();
        assertThat(message).as("the message from the pool").isInstanceOf(type);
        return type.cast(message);
    }

    Message.Task getWork(String name) throws IOException {
        send(new Message.GetWork(name));
        return read(Message.Task.class);
    }

    /** Whether the pool closed the connection (EOF or reset) with nothing more to say; any message fails. */
    boolean closedByPool() throws IOException {
        if (reader.hasBuffered()) {
            throw new AssertionError("expected the connection to close, but the pool sent " + reader.read());
        }
        try {
            int n = in.read(new byte[1]);
            if (n > 0) {
                throw new AssertionError("expected the connection to close, but the pool sent more bytes");
            }
            return n < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** The first nonce of the task's slot that meets its zero bits (tests use few bits, so this is quick). */
    static long validNonce(Message.Task task) {
        return findNonce(task.data(), task.firstNonce(), task.endNonce(), task.zeroBits(), true);
    }

    /** The first nonce of the slot that does not meet the zero bits. */
    static long invalidNonce(Message.Task task) {
        return findNonce(task.data(), task.firstNonce(), task.endNonce(), task.zeroBits(), false);
    }

    static long findNonce(byte[] data, long first, long end, int zeroBits, boolean valid) {
        var midstate = ProofOfWork.midstate(data);
        byte[] hash = new byte[ProofOfWork.HASH_LENGTH];
        for (long nonce = first; nonce < end; nonce++) {
            ProofOfWork.hash(midstate, nonce, hash);
            if (ProofOfWork.meets(hash, zeroBits) == valid) {
                return nonce;
            }
        }
        throw new AssertionError("no " + (valid ? "valid" : "invalid") + " nonce in the slot");
    }
}
