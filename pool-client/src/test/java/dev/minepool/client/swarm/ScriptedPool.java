package dev.minepool.client.swarm;

import dev.minepool.protocol.Direction;
import dev.minepool.protocol.Message;
import dev.minepool.protocol.MessageDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A pool for the swarm's tests that can misbehave: a raw {@link ServerSocket} on 127.0.0.1, port 0, a thread
 * per connection. Each G gets a T (slot = the connection's number, 4 zero bits, so any slot has a solution);
 * each S gets an A, and then every other connection gets whatever {@link Notice} says, which is where the
 * tests leave out an I or name the wrong job. Accepts and reads have timeouts, only as guards against a hang.
 */
final class ScriptedPool implements AutoCloseable {
    static final int FIRST_JOB = 7;
    static final int ZERO_BITS = 4;
    private static final int TIMEOUT_MILLIS = 10_000;
    private static final byte[] DATA = new byte[64];

    /** What the {@code loser}-th other connection (0, 1, ... in connection order) is told after a win. */
    interface Notice {
        /** The message, or null to send nothing. */
        Message to(int loser, int job);
    }

    /** Instead of a message: close that connection, as a pool that crashed halfway through would. */
    static final Message.Quit HANG_UP = new Message.Quit(Message.Quit.Reason.SHUTDOWN);

    private final ServerSocket server;
    private final Notice notice;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private int job = FIRST_JOB; // guarded by this

    ScriptedPool(Notice notice) throws IOException {
        this.notice = notice;
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        server.setSoTimeout(TIMEOUT_MILLIS);
        start(new Thread(this::acceptLoop, "scripted-pool-accept"));
    }

    /** A pool that behaves: an I naming the right job to every other connection. */
    static ScriptedPool honest() throws IOException {
        return new ScriptedPool((loser, job) -> new Message.Invalidated(job));
    }

    int port() {
        return server.getLocalPort();
    }

    private void start(Thread thread) {
        thread.setDaemon(true);
        threads.add(thread);
        thread.start();
    }

    private void acceptLoop() {
        try {
            while (!server.isClosed()) {
                Socket socket = server.accept();
                socket.setSoTimeout(TIMEOUT_MILLIS);
                socket.setTcpNoDelay(true);
                int number;
                synchronized (this) {
                    sockets.add(socket);
                    number = sockets.size() - 1;
                }
                start(new Thread(() -> serve(socket, number), "scripted-pool-" + number));
            }
        } catch (IOException e) {
            // closed by the test, or nobody came within the guard's time
        }
    }

    private void serve(Socket socket, int number) {
        MessageDecoder decoder = new MessageDecoder(Direction.CLIENT_TO_SERVER);
        byte[] buffer = new byte[256];
        List<Message> received = new ArrayList<>();
        try {
            InputStream in = socket.getInputStream();
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                decoder.decode(ByteBuffer.wrap(buffer, 0, n), received);
                for (Message message : received) {
                    if (message instanceof Message.GetWork) {
                        synchronized (this) {
                            send(socket, new Message.Task(job, number, 1 << 16, ZERO_BITS, DATA));
                        }
                    } else if (message instanceof Message.Submit submit) {
                        win(socket, submit);
                    }
                }
                received.clear();
            }
        } catch (IOException e) {
            // the swarm hung up, the test closed the pool, or bytes that do not decode (ProtocolException is an
            // IOException, and the tests check what the swarm counted, not what this pool saw): done
        }
    }

    private synchronized void win(Socket winner, Message.Submit submit) throws IOException {
        send(winner, new Message.Accepted(submit.job()));
        int loser = 0;
        for (Socket other : sockets) {
            if (other != winner) {
                Message message = notice.to(loser++, job);
                if (message == HANG_UP) {
                    other.close();
                } else if (message != null) {
                    send(other, message);
                }
            }
        }
        job++;
    }

    private static void send(Socket socket, Message message) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(message.toBytes());
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : sockets) {
            socket.close();
        }
        for (Thread thread : threads) {
            try {
                thread.join(TIMEOUT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
