package dev.minepool.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minepool.protocol.Direction;
import dev.minepool.protocol.Message;
import dev.minepool.protocol.MessageReader;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;

/**
 * A pool written for the tests: a raw {@link ServerSocket} on 127.0.0.1, port 0, speaking the protocol with
 * the protocol module's codec. Every accept and read has a timeout, which is only a guard against a hang.
 *
 * <p>A port is never probed, closed and reused (another process may take it in between): a pool keeps the port
 * it bound, and a port where nothing listens is a {@link ClosedPort}, held for as long as the test needs it.
 */
final class FakePool implements AutoCloseable {
    static final int TIMEOUT_MILLIS = 10_000;

    private final ServerSocket server;

    FakePool() throws IOException {
        this(0, false);
    }

    private FakePool(int port, boolean reusePort) throws IOException {
        server = new ServerSocket();
        server.setReuseAddress(true);
        if (reusePort) {
            server.setOption(StandardSocketOptions.SO_REUSEPORT, true);
        }
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        server.setSoTimeout(TIMEOUT_MILLIS);
    }

    /** Whether a miner has connected and not been accepted yet; looks without waiting for one. */
    boolean hasWaitingConnection() throws IOException {
        server.setSoTimeout(1);
        try (Socket socket = server.accept()) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } finally {
            server.setSoTimeout(TIMEOUT_MILLIS);
        }
    }

    int port() {
        return server.getLocalPort();
    }

    /** The next miner to connect; fails the test if none does within the timeout. */
    Connection accept() throws IOException {
        Socket socket = server.accept();
        socket.setSoTimeout(TIMEOUT_MILLIS);
        return new Connection(socket);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }

    /**
     * A loopback port where nothing listens: a client socket bound to port 0 that never connects. A connect to
     * it is refused, and the port stays taken, so no other test or process can start listening there.
     */
    static final class ClosedPort implements AutoCloseable {
        private final Socket holder = new Socket();
        private final boolean reusePort;

        ClosedPort() throws IOException {
            reusePort = holder.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT);
            if (reusePort) {
                holder.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            }
            holder.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        }

        int port() {
            return holder.getLocalPort();
        }

        /**
         * A pool that starts listening on this port. With SO_REUSEPORT (Linux, macOS) it binds next to the held
         * socket, so the port is never free; without it the port is let go just before the pool binds it.
         */
        FakePool listen() throws IOException {
            if (!reusePort) {
                holder.close();
            }
            return new FakePool(port(), reusePort);
        }

        @Override
        public void close() throws IOException {
            holder.close();
        }
    }

    /** One miner's connection, seen from the pool. */
    static final class Connection implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final MessageReader reader;

        Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.reader = new MessageReader(in, Direction.CLIENT_TO_SERVER);
        }

        /** The next message from the miner (waits up to the timeout). */
        Message next() throws IOException {
            Message message = reader.read();
            if (message == null) {
                throw new IOException("the miner closed the connection");
            }
            return message;
        }

        /** The next message, which must be of {@code type}. */
        <T extends Message> T next(Class<T> type) throws IOException {
            Message message = next();
            assertThat(message).as("the next message from the miner").isInstanceOf(type);
            return type.cast(message);
        }

        /** Exactly {@code n} raw bytes, as the miner sent them. */
        byte[] readBytes(int n) throws IOException {
            assertThat(reader.hasBuffered()).as("bytes already read as messages").isFalse();
            return in.readNBytes(n);
        }

        void send(Message... messages) throws IOException {
            for (Message message : messages) {
                socket.getOutputStream().write(message.toBytes());
            }
            socket.getOutputStream().flush();
        }

        /** Bytes as given, each an unsigned value 0..255: for what a real pool would never send. */
        void sendRaw(int... values) throws IOException {
            byte[] bytes = new byte[values.length];
            for (int i = 0; i < values.length; i++) {
                bytes[i] = (byte) values[i];
            }
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
