package dev.minepool.client.swarm;

import dev.minepool.client.engine.DigestNonceScanner;
import dev.minepool.protocol.Message;
import dev.minepool.client.engine.NonceRange;
import dev.minepool.client.engine.NonceScanner;
import dev.minepool.protocol.ProtocolException;
import java.io.IOException;
import com.sun.management.UnixOperatingSystemMXBean;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The load generator: many protocol sessions from one process, on one thread, to see how a pool copes with
 * thousands of miners and what each of them waits for.
 *
 * <p>One thread owns the selector and every session (a {@link Session} on each key's attachment); there is no
 * thread per connection, so ten thousand sessions cost ten thousand sockets and small objects, not ten thousand
 * stacks. Sessions connect first, with at most {@link SwarmConfig#connectsInFlight()} connects pending so the
 * pool's accept backlog never overflows. Then each round:
 * <ol>
 *   <li>every live session sends {@code G} (at most {@link SwarmConfig#window()} waiting for their {@code T} at
 *       once) and records the time from its {@code G} written to its {@code T} read;</li>
 *   <li>once every session holds a slot, one session, round-robin, solves its slot with
 *       {@link DigestNonceScanner} and sends {@code S}. It solves on this thread: at the low zero bits a swarm
 *       needs (8 bits is 256 hashes on average, well under a millisecond) a worker and a wakeup would cost
 *       more than the search;</li>
 *   <li>the winner must get exactly one {@code A} and every other session exactly one {@code I} naming the job
 *       of its {@code T}; each I's time is taken from the moment the swarm saw the win: the winner's {@code A}
 *       read, or an {@code I} if one was read first. The pool writes the A before any I, but one select can
 *       find the A's socket and hundreds of I's ready at once and hand them over in any order; an I read
 *       before the A then proves the A was already on its way, and counting that I as 0 would hide how long
 *       the I's take to spread.</li>
 * </ol>
 * Whatever does not arrive within {@link SwarmConfig#timeout()} is an error, and so is an {@code R}, a
 * {@code Q}, a message nobody was waiting for, a wrong job number or a dropped connection; the session it
 * happened on is closed so that it is counted once. Every time is {@link System#nanoTime} on this one thread:
 * what is measured includes the swarm's own time to reach each of its sockets.
 */
public final class Swarm {
    /** One read buffer for every session: a read brings at most a T and a notice or two. */
    private static final int READ_BUFFER_SIZE = 64 * 1024;
    /**
     * G's written between two looks at the sockets: T's start coming back while the herd is still being sent,
     * and this thread must read them then, not after writing ten thousand G's.
     */
    private static final int WRITES_BETWEEN_POLLS = 64;
    /** Error lines printed in full; beyond these the errors are only counted, so a dead pool prints a page. */
    private static final int ERROR_DETAILS = 10;
    /** File descriptors left to the JVM itself, beyond one per session and the selector's. */
    private static final int FD_RESERVE = 64;

    private enum Phase { CONNECT, TASKS, ANSWERS, BETWEEN }

    private final SwarmConfig config;
    private final PrintStream out;
    private final SwarmTable table;
    private final long timeoutNanos;
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_SIZE);
    private final List<Message> decoded = new ArrayList<>();
    private final EnumMap<SwarmError, Integer> totalErrors = new EnumMap<>(SwarmError.class);
    private EnumMap<SwarmError, Integer> roundErrors = new EnumMap<>(SwarmError.class);
    private int errorDetails;
    /** Why the last socket could not be opened. */
    private String socketFailure;
    /** The open-file limit, for the error line about it; empty when the JVM cannot tell. */
    private String fdLimitText = "";

    // Owned by the thread in run().
    private Selector selector;
    private Session[] sessions;
    private Phase phase = Phase.CONNECT;
    private int connecting;
    /** Sessions of this round still waiting for a T, whether their G went out yet or not. */
    private int awaitingTasks;
    /** G's written whose T has not been read. */
    private int outstanding;
    /** Sessions of this round still waiting for their A (the winner) or I (everyone else). */
    private int awaitingAnswers;
    private Latencies getWorkToTask;
    private Session winner;
    /** Every measured time with its start, when {@link SwarmConfig#trace()} asks for it; null otherwise. */
    private SwarmTrace trace;
    private long acceptReadNanos;
    /** When the swarm first saw this round's win: the A or an I read, whichever came first. */
    private long firstAnswerNanos;

    public Swarm(SwarmConfig config, PrintStream out) {
        this.config = config;
        this.out = out;
        this.table = new SwarmTable(out);
        this.timeoutNanos = config.timeout().toNanos();
    }

    /**
     * Connects, runs the rounds, prints the table and the summary, and closes every session.
     *
     * @throws IOException if the host cannot be resolved or the selector cannot be opened; everything that
     *                     goes wrong with a session is counted in the result instead
     */
    public SwarmResult run() throws IOException {
        InetSocketAddress address = new InetSocketAddress(config.host(), config.port());
        if (address.isUnresolved()) {
            throw new IOException("cannot resolve the pool's host '" + config.host() + "'");
        }
        if (config.trace() != null) {
            try {
                trace = SwarmTrace.open(config.trace(), out);
            } catch (IOException e) {
                throw new IOException("cannot write the trace " + config.trace() + ": " + SwarmTrace.why(e), e);
            }
        }
        table.header(config, address);
        loadTheJdksSocketWrites();
        int affordable = affordableSessions();
        List<RoundResult> rounds = new ArrayList<>();
        long connectNanos;
        int connected;
        try (Selector opened = Selector.open()) {
            selector = opened;
            long start = System.nanoTime();
            connectAll(address, affordable);
            connectNanos = System.nanoTime() - start;
            connected = live().size();
            table.connected(connected, config, connectNanos, totalErrors);
            table.roundsHeader();
            int total = config.warmupRounds() + config.rounds();
            for (int r = 1; r <= total && !live().isEmpty(); r++) {
                RoundResult result = round(r, r <= config.warmupRounds());
                rounds.add(result);
                table.round(result);
            }
        } finally {
            closeAll();
            if (trace != null) {
                trace.close();
            }
        }
        SwarmResult result = new SwarmResult(config.connections(), connected, connectNanos, rounds, totalErrors);
        table.summary(result);
        return result;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Connecting

    /** Starts the sessions that the file-descriptor limit allows and counts the rest as failed connects. */
    private void connectAll(InetSocketAddress address, int affordable) {
        sessions = new Session[config.connections()];
        if (affordable < sessions.length) {
            int left = sessions.length - affordable;
            count(SwarmError.CONNECT_FAILED, left, (left == 1 ? "session " + affordable : "sessions " + affordable
                    + " to " + (sessions.length - 1)) + ": not started, out of file descriptors" + fdLimitText);
        }
        // In the order they started, which is deadline order: the connect timeout is the same for all.
        ArrayDeque<Session> pending = new ArrayDeque<>();
        int next = 0;
        int end = affordable;
        while (next < end || connecting > 0) {
            while (next < end && connecting < config.connectsInFlight()) {
                Session session = open(next, address);
                if (session == null) {
                    // Out of file descriptors: every later socket would fail the same way, so say it once.
                    int left = end - next;
                    count(SwarmError.CONNECT_FAILED, left, (left == 1 ? "session " + next : "sessions " + next
                            + " to " + (end - 1)) + ": " + socketFailure);
                    next = end;
                    break;
                }
                next++;
                if (session.state == Session.State.CONNECTING) {
                    pending.addLast(session);
                }
            }
            long now = System.nanoTime();
            for (Session head = pending.peekFirst(); head != null; head = pending.peekFirst()) {
                if (head.state != Session.State.CONNECTING) {
                    pending.removeFirst();
                } else if (now - head.startedNanos >= timeoutNanos) {
                    pending.removeFirst();
                    fail(head, SwarmError.CONNECT_FAILED, "no answer to the connect within " + seconds(timeoutNanos));
                } else {
                    break;
                }
            }
            Session head = pending.peekFirst();
            if (connecting > 0 && head != null) {
                boolean moreToStart = next < end && connecting < config.connectsInFlight();
                poll(moreToStart ? 0 : millisUntil(head.startedNanos + timeoutNanos));
            }
        }
    }

    /**
     * Opens session {@code index}'s socket and starts its connect; null if not even a socket could be had, with
     * the reason in {@link #socketFailure}.
     */
    private Session open(int index, InetSocketAddress address) {
        SocketChannel channel;
        try {
            channel = SocketChannel.open();
        } catch (IOException e) {
            socketFailure = "cannot open a socket: " + reason(e) + fdLimitText;
            return null;
        }
        Session session = new Session(index, channel);
        sessions[index] = session;
        session.startedNanos = System.nanoTime();
        connecting++;
        try {
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            if (channel.connect(address)) {
                session.key = channel.register(selector, SelectionKey.OP_READ, session);
                connected(session);
            } else {
                session.key = channel.register(selector, SelectionKey.OP_CONNECT, session);
            }
        } catch (IOException e) {
            fail(session, SwarmError.CONNECT_FAILED, "cannot connect to " + address + ": " + reason(e));
        }
        return session;
    }

    private void finishConnect(Session session) {
        try {
            if (session.channel.finishConnect()) {
                session.key.interestOps(SelectionKey.OP_READ);
                connected(session);
            }
        } catch (IOException e) {
            fail(session, SwarmError.CONNECT_FAILED, "cannot connect to " + config.host() + ":" + config.port()
                    + ": " + reason(e));
        }
    }

    private void connected(Session session) {
        connecting--;
        session.state = Session.State.IDLE;
    }

    // ---------------------------------------------------------------------------------------------------------
    // A round

    private RoundResult round(int number, boolean warmup) {
        roundErrors = new EnumMap<>(SwarmError.class);
        List<Session> live = live();
        getWorkToTask = new Latencies();
        collectTasks(live);
        int sessionsInRound = live.size();

        phase = Phase.BETWEEN;
        winner = pickWinner(number);
        int winnerJob = -1;
        int zeroBits = -1;
        long nonce = NonceScanner.NOT_FOUND;
        if (winner != null) {
            Message.Task task = winner.task;
            winnerJob = task.job();
            zeroBits = task.zeroBits();
            nonce = DigestNonceScanner.ENGINE.scanner(task.data()).scan(NonceRange.of(task), zeroBits, () -> false);
            if (nonce < 0) {
                fail(winner, SwarmError.NO_NONCE, "no nonce with " + zeroBits + " zero bits in slot " + task.slot()
                        + " of job " + winnerJob + " (" + NonceRange.of(task) + "); run the pool at low bits");
                winner = null;
            }
        }
        int expected = 0;
        long submitted = 0;
        long submitToAccept = -1;
        Latencies acceptToInvalidation = new Latencies();
        int invalidations = 0;
        if (winner != null) {
            for (Session session : live) {
                if (session.state == Session.State.HOLDING) {
                    expected++;
                }
            }
            expected--; // the winner, which is still HOLDING here
            phase = Phase.ANSWERS;
            awaitingAnswers = expected + 1;
            acceptReadNanos = -1;
            firstAnswerNanos = Long.MAX_VALUE;
            winner.state = Session.State.WINNER;
            submitted = System.nanoTime();
            write(winner, new Message.Submit(winnerJob, nonce).toBytes());
            long deadline = submitted + timeoutNanos;
            while (awaitingAnswers > 0 && System.nanoTime() - deadline < 0) {
                poll(millisUntil(deadline));
            }
            phase = Phase.BETWEEN;
            for (Session session : live) {
                if (session.state == Session.State.HOLDING) {
                    fail(session, SwarmError.MISSING_INVALIDATION, "no I for job " + session.task.job() + " within "
                            + seconds(timeoutNanos) + " of the winner's S");
                } else if (session.state == Session.State.WINNER) {
                    fail(session, SwarmError.MISSING_ACCEPT, "no A for its S (job " + winnerJob + " nonce "
                            + String.format("0x%08x", nonce) + ") within " + seconds(timeoutNanos));
                }
            }
            if (acceptReadNanos >= 0) {
                submitToAccept = acceptReadNanos - submitted;
            }
            for (Session session : live) {
                if (session != winner && session.state == Session.State.DONE) {
                    invalidations++;
                    acceptToInvalidation.add(session.answeredNanos - firstAnswerNanos);
                }
            }
        }
        if (trace != null) {
            trace.round(number, warmup, live, winner, submitted, winner == null ? -1 : acceptReadNanos,
                    firstAnswerNanos);
        }
        return new RoundResult(number, warmup, sessionsInRound, winner == null ? -1 : winner.index, winnerJob, zeroBits,
                getWorkToTask, submitToAccept, Math.max(0, expected), invalidations, acceptToInvalidation,
                roundErrors);
    }

    /** Every live session sends G, no more than the window at once, until each has its T or timed out. */
    private void collectTasks(List<Session> live) {
        phase = Phase.TASKS;
        for (Session session : live) {
            session.state = Session.State.IDLE;
            session.task = null;
            session.taskNanos = 0;
        }
        awaitingTasks = live.size();
        outstanding = 0;
        // G's in the order they went out, which is deadline order.
        ArrayDeque<Session> sent = new ArrayDeque<>();
        int cursor = 0;
        while (awaitingTasks > 0) {
            int written = 0;
            while (cursor < live.size() && outstanding < config.window() && written < WRITES_BETWEEN_POLLS) {
                Session session = live.get(cursor++);
                if (session.state != Session.State.IDLE) {
                    continue; // closed since the round began
                }
                session.state = Session.State.AWAITING_TASK;
                outstanding++;
                sent.addLast(session);
                session.startedNanos = System.nanoTime();
                write(session, session.getWork);
                written++;
            }
            long now = System.nanoTime();
            for (Session head = sent.peekFirst(); head != null; head = sent.peekFirst()) {
                if (head.state != Session.State.AWAITING_TASK) {
                    sent.removeFirst();
                } else if (now - head.startedNanos >= timeoutNanos) {
                    sent.removeFirst();
                    fail(head, SwarmError.MISSING_TASK, "no T within " + seconds(timeoutNanos) + " of its G");
                } else {
                    break;
                }
            }
            if (awaitingTasks > 0) {
                boolean moreToSend = cursor < live.size() && outstanding < config.window();
                Session head = sent.peekFirst();
                poll(moreToSend || head == null ? 0 : millisUntil(head.startedNanos + timeoutNanos));
            }
        }
    }

    /** Round {@code r}'s winner: the first session holding a slot from index {@code r - 1} on, round-robin. */
    private Session pickWinner(int round) {
        int n = sessions.length;
        for (int i = 0; i < n; i++) {
            Session session = sessions[(round - 1 + i) % n];
            if (session != null && session.state == Session.State.HOLDING) {
                return session;
            }
        }
        return null;
    }

    // ---------------------------------------------------------------------------------------------------------
    // The selector

    /** One select (0: without waiting) and everything it found ready. */
    private void poll(long timeoutMillis) {
        try {
            if (timeoutMillis <= 0) {
                selector.selectNow();
            } else {
                selector.select(timeoutMillis);
            }
        } catch (IOException e) {
            throw new IllegalStateException("the selector failed: " + reason(e), e);
        }
        for (SelectionKey key : selector.selectedKeys()) {
            Session session = (Session) key.attachment();
            if (!key.isValid() || session.state == Session.State.CLOSED) {
                continue;
            }
            if (key.isConnectable()) {
                finishConnect(session);
                continue;
            }
            if (key.isReadable()) {
                read(session);
            }
            if (session.state != Session.State.CLOSED && key.isValid() && key.isWritable()) {
                flush(session);
            }
        }
        selector.selectedKeys().clear();
    }

    private void read(Session session) {
        readBuffer.clear();
        int n;
        try {
            n = session.channel.read(readBuffer);
        } catch (IOException e) {
            fail(session, SwarmError.DROPPED, "the connection broke: " + reason(e));
            return;
        }
        long now = System.nanoTime();
        if (n < 0) {
            fail(session, SwarmError.DROPPED, "the pool closed the connection");
            return;
        }
        readBuffer.flip();
        ProtocolException violation = null;
        try {
            session.decoder.decode(readBuffer, decoded);
        } catch (ProtocolException e) {
            violation = e; // the messages before the bad byte count first
        }
        try {
            for (Message message : decoded) {
                if (session.state == Session.State.CLOSED) {
                    break;
                }
                receive(session, message, now);
            }
        } finally {
            decoded.clear();
        }
        if (violation != null && session.state != Session.State.CLOSED) {
            fail(session, SwarmError.PROTOCOL_VIOLATION, violation.getMessage());
        }
    }

    private void receive(Session session, Message message, long now) {
        if (message instanceof Message.Task task) {
            if (session.state != Session.State.AWAITING_TASK) {
                unexpected(session, "a T for job " + task.job());
                return;
            }
            session.task = task;
            session.taskNanos = now;
            session.state = Session.State.HOLDING;
            getWorkToTask.add(now - session.startedNanos);
            outstanding--;
            awaitingTasks--;
        } else if (message instanceof Message.Invalidated invalidated) {
            if (session.state != Session.State.HOLDING || phase != Phase.ANSWERS) {
                unexpected(session, "an I for job " + invalidated.job());
            } else if (invalidated.job() != session.task.job()) {
                fail(session, SwarmError.WRONG_JOB, "its I names job " + invalidated.job() + ", but the T it holds is"
                        + " job " + session.task.job());
            } else {
                answered(session, now);
            }
        } else if (message instanceof Message.Accepted accepted) {
            if (session.state != Session.State.WINNER) {
                unexpected(session, "an A for job " + accepted.job());
            } else if (accepted.job() != session.task.job()) {
                fail(session, SwarmError.WRONG_JOB, "its A names job " + accepted.job() + ", but it submitted for"
                        + " job " + session.task.job());
            } else {
                acceptReadNanos = now;
                answered(session, now);
            }
        } else if (message instanceof Message.Rejected rejected) {
            fail(session, SwarmError.REJECTED, "R for job " + rejected.job()
                    + (session.state == Session.State.WINNER ? ", in answer to its nonce" : ", unasked"));
        } else if (message instanceof Message.Quit) {
            fail(session, SwarmError.QUIT, "the pool sent Q (full, shutting down, or --max-blocks reached)");
        } else {
            unexpected(session, "a " + message.type().letter()); // G and S never decode in this direction
        }
    }

    private void answered(Session session, long now) {
        session.answeredNanos = now;
        firstAnswerNanos = Math.min(firstAnswerNanos, now);
        session.state = Session.State.DONE;
        awaitingAnswers--;
    }

    private void unexpected(Session session, String what) {
        fail(session, SwarmError.UNEXPECTED_MESSAGE, what + " while " + describe(session.state));
    }

    private static String describe(Session.State state) {
        return switch (state) {
            case CONNECTING -> "connecting";
            case IDLE -> "between rounds";
            case AWAITING_TASK -> "waiting for its T";
            case HOLDING -> "holding its slot before anyone submitted";
            case WINNER -> "waiting for the A to its S";
            case DONE -> "done with the round";
            case CLOSED -> "closed";
        };
    }

    private void write(Session session, byte[] bytes) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        if (session.unwritten != null) {
            // Never expected: a session has one message out at a time. But it must not be lost if it happens.
            ByteBuffer both = ByteBuffer.allocate(session.unwritten.remaining() + bytes.length);
            both.put(session.unwritten).put(bytes).flip();
            buffer = both;
        }
        try {
            session.channel.write(buffer);
        } catch (IOException e) {
            fail(session, SwarmError.DROPPED, "the connection broke: " + reason(e));
            return;
        }
        if (buffer.hasRemaining()) {
            session.unwritten = buffer;
            session.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        } else {
            session.unwritten = null;
        }
    }

    private void flush(Session session) {
        ByteBuffer buffer = session.unwritten;
        if (buffer == null) {
            session.key.interestOps(SelectionKey.OP_READ);
            return;
        }
        session.unwritten = null;
        session.key.interestOps(SelectionKey.OP_READ);
        byte[] rest = new byte[buffer.remaining()];
        buffer.get(rest);
        write(session, rest);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Errors and the end

    /** Counts an error against a session, closes it, and takes it out of whatever its round waits for. */
    private void fail(Session session, SwarmError kind, String detail) {
        switch (session.state) {
            case CLOSED -> {
                return;
            }
            case CONNECTING -> connecting--;
            case IDLE -> {
                if (phase == Phase.TASKS) {
                    awaitingTasks--;
                }
            }
            case AWAITING_TASK -> {
                outstanding--;
                awaitingTasks--;
            }
            case HOLDING, WINNER -> {
                if (phase == Phase.ANSWERS) {
                    awaitingAnswers--;
                }
            }
            case DONE -> {
                // nothing waits for it any more
            }
        }
        session.state = Session.State.CLOSED;
        if (session.key != null) {
            session.key.cancel();
        }
        closeQuietly(session.channel);
        count(kind, session.describe() + ": " + detail);
    }

    private void count(SwarmError kind, String detail) {
        count(kind, 1, detail);
    }

    private void count(SwarmError kind, int n, String detail) {
        totalErrors.merge(kind, n, Integer::sum);
        if (phase != Phase.CONNECT) {
            roundErrors.merge(kind, n, Integer::sum);
        }
        if (errorDetails < ERROR_DETAILS) {
            out.println("error: " + kind.label() + ": " + detail);
        } else if (errorDetails == ERROR_DETAILS) {
            out.println("error: (further errors are only counted)");
        }
        errorDetails++;
    }

    /**
     * The JDK opens a file descriptor of its own the first time any socket is written or read (the class
     * behind both keeps a spare descriptor for closing). A swarm that has used every descriptor for its
     * sessions would then fail on its first G with an ExceptionInInitializerError instead of counting the
     * sessions it could not open; a pipe loads that class now, while descriptors are still free.
     */
    private static void loadTheJdksSocketWrites() throws IOException {
        Pipe pipe = Pipe.open();
        pipe.sink().close();
        pipe.source().close();
    }

    /**
     * How many sessions the open-file limit leaves room for, keeping {@link #FD_RESERVE} for the JVM, which
     * opens files lazily (a native library, a class) and fails with an Error, not an IOException, when it
     * cannot. Every session beyond is counted as a failed connect. Asked now, while descriptors are free,
     * since asking needs a native library too.
     */
    private int affordableSessions() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix) {
            long limit = unix.getMaxFileDescriptorCount();
            long inUse = unix.getOpenFileDescriptorCount();
            fdLimitText = "; the limit is " + limit + " open files (ulimit -n), " + inUse + " in use before the"
                    + " swarm began. Each session needs one here and one in the pool; bin/minepool raises the soft"
                    + " limit to the hard one";
            return (int) Math.max(0, Math.min(config.connections(), limit - inUse - FD_RESERVE));
        }
        return config.connections();
    }

    private List<Session> live() {
        List<Session> live = new ArrayList<>(sessions.length);
        for (Session session : sessions) {
            if (session != null && session.state != Session.State.CLOSED) {
                live.add(session);
            }
        }
        return live;
    }

    private void closeAll() {
        if (sessions == null) {
            return;
        }
        for (Session session : sessions) {
            if (session != null && session.state != Session.State.CLOSED) {
                session.state = Session.State.CLOSED;
                closeQuietly(session.channel);
            }
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // closing: nothing left to do with it
        }
    }

    private static long millisUntil(long deadlineNanos) {
        long left = deadlineNanos - System.nanoTime();
        return left <= 0 ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(left));
    }

    private static String seconds(long nanos) {
        return SwarmTable.seconds(nanos);
    }

    static String reason(Throwable e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
