package dev.minepool.server;

import dev.minepool.server.chain.Block;
import dev.minepool.server.chain.ChainCorruptException;
import dev.minepool.server.chain.ChainFile;
import dev.minepool.protocol.Message;
import dev.minepool.protocol.ProofOfWork;
import dev.minepool.protocol.ProtocolException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The pool server: one thread, one selector, every connection non-blocking.
 *
 * <p>A connection is <em>connected</em> until its first {@code G} (it must send one within
 * {@link PoolConfig#getWorkTimeout()}, 30 s by default, or it is closed), then a <em>miner</em> with a name.
 * Each {@code G} gets the next unused slot of the current job; each {@code S} gets exactly one of {@code A},
 * {@code R}, {@code I}. A connection is closed on a protocol violation, when it hangs up, when a message would
 * make more than {@value #OUTGOING_LIMIT} bytes plus one {@code T} wait to be written to it (it stopped
 * reading; it must not hold memory or the loop), and, after a {@code Q}, on shutdown.
 *
 * <p>The event-loop thread owns the selector, the chain file and all connection state (a {@link Miner} on each
 * key's attachment). Other threads only ask it to stop ({@link #close()}) or wait for it ({@link #awaitBlocks},
 * {@link #awaitTermination}).
 *
 * <p>Used in-process by tests of this and other modules:
 *
 * <pre>{@code
 * try (PoolServer pool = new PoolServer(PoolConfig.forTest(tempDir.resolve("chain.dat"), 12))) {
 *     pool.start();                       // returns once listening
 *     connect to 127.0.0.1:pool.port() ...
 *     pool.awaitBlocks(1, Duration.ofSeconds(10));
 * }                                       // Q to everyone, chain closed
 * }</pre>
 */
public final class PoolServer implements AutoCloseable {
    /** Bytes that may wait for one slow connection: a T (1036 bytes by default) and plenty of notices. */
    public static final int OUTGOING_LIMIT = 64 * 1024;
    /** The loop's one read buffer, shared by every connection: G and S are 11 and 7 bytes. */
    private static final int READ_BUFFER_SIZE = 16 * 1024;
    /** How long shutdown waits for Q and other queued bytes to reach slow miners. */
    private static final Duration FLUSH_ON_CLOSE = Duration.ofSeconds(2);
    private static final Duration STOP_WAIT = Duration.ofSeconds(15);
    /** Set by the loop thread when it starts saying goodbye: connections are half-closed after their Q. */
    private boolean shuttingDown;
    /** How long accepting pauses after accept() fails (out of file descriptors). */
    private static final Duration ACCEPT_PAUSE = Duration.ofMillis(100);

    private final PoolConfig config;
    private final PoolLog log;
    /** {@link #OUTGOING_LIMIT} plus one T, so that even a 65535-byte job fits in the queue of a reading miner. */
    private final int outgoingLimit;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Object blocksMonitor = new Object();
    private long blocksThisRun; // guarded by blocksMonitor

    private volatile boolean stopRequested;
    private volatile boolean failed;
    private volatile InetSocketAddress boundAddress;
    private boolean started; // guarded by this

    // Owned by the event-loop thread once started.
    private Selector selector;
    private ServerSocketChannel listener;
    private SelectionKey listenerKey;
    private boolean acceptPaused;
    private long acceptPausedUntil;
    private ChainFile chain;
    private JobBoard board;
    private Thread loopThread;
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_SIZE);
    private final List<Message> decoded = new ArrayList<>();
    /** Connections in the order they arrived, so in deadline order: the no-G timeout is the same for all. */
    private final ArrayDeque<Miner> awaitingGetWork = new ArrayDeque<>();
    private int connections;
    private int namedMiners;
    private long lastSummaryNanos;
    private long slotsSinceSummary;
    private long searchedSlotsSinceSummary;
    private long blocksSinceSummary;

    public PoolServer(PoolConfig config) {
        this.config = config;
        this.log = config.log();
        this.outgoingLimit = OUTGOING_LIMIT + Message.Task.HEADER_LENGTH + config.dataSize();
    }

    public PoolConfig config() {
        return config;
    }

    /**
     * Opens and verifies the chain, binds, and starts the event loop; returns once the pool is listening.
     *
     * @throws ChainCorruptException if the chain file is corrupt (naming the record)
     * @throws IOException           if the chain file cannot be used or the address cannot be bound
     */
    public synchronized void start() throws IOException {
        if (started) {
            throw new IllegalStateException("the pool server was already started");
        }
        started = true;
        chain = ChainFile.open(config.chainFile(), log);
        try {
            selector = Selector.open();
            listener = ServerSocketChannel.open();
            InetSocketAddress requested = new InetSocketAddress(config.bindAddress(), config.port());
            try {
                // A deep backlog: hundreds of miners may connect in the same instant, e.g. after a pool restart.
                listener.bind(requested, 4096);
            } catch (IOException e) {
                throw new IOException("cannot listen on " + config.bindAddress() + ":" + config.port() + ": "
                        + reason(e), e);
            }
            listener.configureBlocking(false);
            listenerKey = listener.register(selector, SelectionKey.OP_ACCEPT);
            boundAddress = (InetSocketAddress) listener.getLocalAddress();
        } catch (IOException | RuntimeException e) {
            closeQuietly();
            throw e;
        }
        long now = System.currentTimeMillis();
        board = new JobBoard(config, chain.tip(), now);
        ChainFile.Tip tip = chain.tip();
        log.info("chain " + config.chainFile() + ": tip is " + (tip.height() == 0 ? "the genesis block"
                : "block " + tip.height()) + " (hash " + shortHash(tip.hash()) + "); mining block "
                + (tip.height() + 1) + " at " + config.zeroBits() + " zero bits, " + config.slotsPerJob()
                + " slots of " + config.slotSize() + " nonces per job");
        log.info("listening on " + listeningOn());
        lastSummaryNanos = System.nanoTime();
        loopThread = new Thread(this::runLoop, "pool-event-loop");
        loopThread.start();
    }

    /**
     * {@code ADDR:PORT} as the operator asked for it, with the real port: the socket itself reports a wildcard
     * bind as {@code 0:0:0:0:0:0:0:0} on a dual-stack JVM, which is true but not what "--bind 0.0.0.0" said.
     */
    public String listeningOn() {
        InetSocketAddress requested = new InetSocketAddress(config.bindAddress(), boundAddress.getPort());
        String host = requested.isUnresolved() ? config.bindAddress() : requested.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + boundAddress.getPort();
    }

    /** The port the pool listens on (the real one when configured with 0). */
    public int port() {
        InetSocketAddress address = boundAddress;
        if (address == null) {
            throw new IllegalStateException("the pool server is not started");
        }
        return address.getPort();
    }

    /** The address the pool listens on. */
    public InetSocketAddress address() {
        return boundAddress;
    }

    /** Blocks mined since {@link #start()}. */
    public long blocksMined() {
        synchronized (blocksMonitor) {
            return blocksThisRun;
        }
    }

    /**
     * Waits until {@code n} blocks have been mined in this run (each on disk and its {@code A} sent), the pool
     * stops, or the timeout passes.
     *
     * @return whether {@code n} blocks were mined
     */
    public boolean awaitBlocks(long n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (blocksMonitor) {
            while (blocksThisRun < n && stopped.getCount() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                TimeUnit.NANOSECONDS.timedWait(blocksMonitor, left);
            }
            return blocksThisRun >= n;
        }
    }

    /** Waits for the pool to stop by itself (--max-blocks, a disk failure) or through {@link #close()}. */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The open chain file; for tests that need to make the disk fail. */
    ChainFile chainFile() {
        return chain;
    }

    /** Whether the pool stopped because of a failure (the chain could not be written, or the loop broke). */
    public boolean failed() {
        return failed;
    }

    /**
     * Sends {@code Q} to every connection, flushes (for up to 2 s), closes them, and closes the chain file.
     * Waits for the event loop to finish; safe to call from any thread, more than once, and from a shutdown hook.
     */
    @Override
    public void close() {
        Thread loop;
        synchronized (this) {
            if (!started) {
                started = true; // a pool closed before start never starts
                return;
            }
            loop = loopThread;
        }
        stopRequested = true;
        if (loop == null) {
            return; // start() failed and cleaned up
        }
        if (Thread.currentThread() == loop) {
            return; // the loop is already on its way out
        }
        selector.wakeup();
        try {
            if (!stopped.await(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("the event loop did not stop within " + STOP_WAIT.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // The event loop. Everything below runs on the loop thread only.

    private void runLoop() {
        try {
            while (!stopRequested) {
                selector.select(selectTimeoutMillis());
                Set<SelectionKey> ready = selector.selectedKeys();
                for (Iterator<SelectionKey> it = ready.iterator(); it.hasNext() && !stopRequested; ) {
                    SelectionKey key = it.next();
                    it.remove();
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.isAcceptable()) {
                        accept();
                    } else {
                        serve((Miner) key.attachment(), key);
                    }
                }
                long now = System.nanoTime();
                resumeAcceptsIfDue(now);
                expireGetWorkDeadlines(now);
                summaryIfDue(now);
            }
        } catch (IOException | RuntimeException | Error e) {
            failed = true;
            log.warn("the event loop failed: " + e + "; stopping the pool");
            if (!(e instanceof IOException)) {
                e.printStackTrace(); // not an expected condition: a bug, and its stack is what fixes it
            }
        } finally {
            shutdown();
            stopped.countDown();
            synchronized (blocksMonitor) {
                blocksMonitor.notifyAll();
            }
        }
    }

    private long selectTimeoutMillis() {
        long now = System.nanoTime();
        long next = lastSummaryNanos + config.summaryInterval().toNanos();
        Miner oldest = awaitingGetWork.peekFirst();
        if (oldest != null) {
            next = Math.min(next, oldest.getWorkDeadline);
        }
        if (acceptPaused) {
            next = Math.min(next, acceptPausedUntil);
        }
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(next - now) + 1);
    }

    private void serve(Miner miner, SelectionKey key) {
        try {
            if (key.isReadable()) {
                read(miner);
            }
            if (!miner.closed && key.isValid() && key.isWritable()) {
                flush(miner);
            }
        } catch (RuntimeException e) {
            // A bug, not the miner's fault; but one miner must not take the pool down with it.
            log.warn("closed " + miner.who() + " after an internal error: " + e);
            e.printStackTrace();
            close(miner);
        }
    }

    private void accept() {
        SocketChannel channel;
        while ((channel = acceptOne()) != null) {
            String address = describe(channel);
            try {
                channel.configureBlocking(false);
                if (connections >= config.maxClients()) {
                    refuse(channel, address);
                    continue;
                }
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                Miner miner = new Miner(channel, address, System.nanoTime() + config.getWorkTimeout().toNanos());
                miner.key = channel.register(selector, SelectionKey.OP_READ, miner);
                connections++;
                awaitingGetWork.addLast(miner);
            } catch (IOException e) {
                // e.g. reset before we got to it: this connection is gone, the pool carries on
                log.info(address + " disconnected while being accepted: " + reason(e));
                closeChannel(channel);
            }
        }
    }

    private void refuse(SocketChannel channel, String address) {
        try {
            channel.write(ByteBuffer.wrap(new Message.Quit(Message.Quit.Reason.SHUTDOWN).toBytes())); // a fresh socket has room for 1 byte
        } catch (IOException e) {
            // it is being refused anyway
        }
        closeChannel(channel);
        log.warn("refused " + address + ": the pool is full (" + config.maxClients()
                + " connections, --max-clients); sent Q");
    }

    private static void closeChannel(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // closing: nothing left to do with it
        }
    }

    private SocketChannel acceptOne() {
        try {
            return listener.accept();
        } catch (IOException e) {
            // Out of file descriptors, typically. The listener stays readable while the backlog is full, so
            // keep it out of the selector for a moment instead of spinning on it and logging every turn.
            log.warn("cannot accept connections: " + reason(e) + "; pausing accepts for "
                    + ACCEPT_PAUSE.toMillis() + " ms (" + connections + " connections open)");
            listenerKey.interestOps(0);
            acceptPausedUntil = System.nanoTime() + ACCEPT_PAUSE.toNanos();
            acceptPaused = true;
            return null;
        }
    }

    private void resumeAcceptsIfDue(long now) {
        if (acceptPaused && now - acceptPausedUntil >= 0) {
            acceptPaused = false;
            listenerKey.interestOps(SelectionKey.OP_ACCEPT);
        }
    }

    private static String describe(SocketChannel channel) {
        try {
            SocketAddress remote = channel.getRemoteAddress();
            if (remote instanceof InetSocketAddress inet) {
                return inet.getAddress().getHostAddress() + ":" + inet.getPort();
            }
            return String.valueOf(remote);
        } catch (IOException e) {
            return "an unknown peer";
        }
    }

    private void read(Miner miner) {
        readBuffer.clear();
        int n;
        try {
            n = miner.channel.read(readBuffer);
        } catch (IOException e) {
            log.info(miner.who() + " disconnected: " + reason(e));
            close(miner);
            return;
        }
        if (n < 0) {
            try {
                miner.decoder.finish();
                log.info(miner.who() + " disconnected");
            } catch (ProtocolException e) {
                log.warn("closed " + miner.who() + ": " + reason(e));
            }
            close(miner);
            return;
        }
        readBuffer.flip();
        ProtocolException violation = null;
        try {
            miner.decoder.decode(readBuffer, decoded);
        } catch (ProtocolException e) {
            violation = e; // the messages before the bad byte were fine: answer them first
        }
        try {
            for (Message message : decoded) {
                if (miner.closed || stopRequested) {
                    break;
                }
                if (message instanceof Message.GetWork g) {
                    getWork(miner, g);
                } else if (message instanceof Message.Submit s) {
                    submit(miner, s);
                }
            }
        } finally {
            decoded.clear();
        }
        if (violation != null && !miner.closed) {
            log.warn("closed " + miner.who() + ": " + violation.getMessage());
            close(miner);
        }
    }

    private void getWork(Miner miner, Message.GetWork g) {
        if (miner.name == null) {
            log.info("miner " + g.minerName() + " connected from " + miner.address);
            namedMiners++;
        }
        miner.name = g.minerName();
        Round round = board.round();
        if (miner.searching && miner.lastJob != null && miner.lastJob.round == round) {
            searchedSlotsSinceSummary++;
        }
        Job job = board.jobWithFreeSlot();
        int slot = job.takeSlot();
        miner.given(job);
        miner.searching = true;
        if (miner.holding != round) {
            round.holders.add(miner);
            miner.holding = round;
        }
        slotsSinceSummary++;
        send(miner, job.task(slot, config.slotSize(), config.zeroBits()));
    }

    private void submit(Miner miner, Message.Submit s) {
        String nonce = String.format("0x%08x", s.nonce());
        if (miner.name == null) {
            log.warn("rejected S from " + miner.address + ": job " + s.job() + " nonce " + nonce + " before any G");
            send(miner, new Message.Rejected(s.job()));
            return;
        }
        miner.searching = false;
        Job job = miner.recentJob(s.job());
        if (job == null) {
            log.warn("rejected S from " + miner.who() + ": unknown job " + s.job() + " (not one of the last "
                    + Miner.RECENT_JOBS + " jobs it was given)");
            send(miner, new Message.Rejected(s.job()));
            return;
        }
        Round round = job.round;
        if (round.won) {
            log.info("late S from " + miner.who() + ": block " + round.height + " (job " + s.job()
                    + ") was already mined; sent I");
            send(miner, new Message.Invalidated(s.job()));
            return;
        }
        byte[] hash = ProofOfWork.hash(job.data, s.nonce());
        int zeroBits = ProofOfWork.leadingZeroBits(hash);
        if (zeroBits < config.zeroBits()) {
            log.warn("rejected S from " + miner.who() + ": job " + s.job() + " nonce " + nonce + " gives "
                    + zeroBits + " zero bits, " + config.zeroBits() + " needed");
            send(miner, new Message.Rejected(s.job()));
            return;
        }
        win(miner, job, s.nonce(), hash);
    }

    /**
     * The first valid nonce for its height: on disk, then {@code A} to the winner, then {@code I} to every other
     * holder of a slot of that height, then the next height.
     */
    private void win(Miner winner, Job job, long nonce, byte[] hash) {
        Round round = job.round;
        round.won = true; // from here on, every other S for this height is late
        long now = System.currentTimeMillis();
        long millisToMine = Math.max(0, now - round.startedAtMillis);
        Block block = new Block(round.height, round.previousHash, job.data, nonce, config.zeroBits(), winner.name,
                now, millisToMine);
        try {
            // Forced on the loop thread, not handed to a writer: a block is rare (one per height), an fsync
            // takes milliseconds, and doing it here makes "on disk before A" true by plain program order, with
            // no pending state for the loop to track. Miners wait a few ms once per block.
            chain.append(block);
        } catch (IOException | RuntimeException e) {
            log.warn("could not write block " + round.height + " to the chain file " + config.chainFile() + ": "
                    + reason(e) + "; stopping the pool, since no block is acknowledged before it is on disk");
            failed = true;
            stopRequested = true;
            return;
        }
        log.info(String.format(Locale.ROOT, "block %d found by %s: job %d nonce 0x%08x hash %s in %.1f s", round.height,
                winner.name, job.number, nonce, shortHash(hash), millisToMine / 1000.0));
        send(winner, new Message.Accepted(job.number));
        Set<Miner> holders = round.holders;
        round.holders = null; // told now; close() must not edit the set while it is walked
        for (Miner holder : holders) {
            if (holder != winner && !holder.closed) {
                holder.searching = false;
                send(holder, new Message.Invalidated(holder.lastJob.number));
            }
        }
        board.nextRound(chain.tip(), now);
        blocksSinceSummary++;
        long mined;
        synchronized (blocksMonitor) {
            mined = ++blocksThisRun;
            blocksMonitor.notifyAll();
        }
        if (config.maxBlocks() > 0 && mined >= config.maxBlocks()) {
            log.info("mined " + count(mined, "block") + " in this run, the --max-blocks limit: stopping");
            stopRequested = true;
        }
    }

    /**
     * Writes what it can now and queues the rest. A connection whose queue would pass {@link #outgoingLimit}
     * has stopped reading; it is closed rather than allowed to grow memory.
     */
    private void send(Miner miner, Message message) {
        if (miner.closed) {
            return;
        }
        int length = message.encodedLength();
        if (miner.queuedBytes + length > outgoingLimit) {
            log.warn("closed " + miner.who() + ": it is not reading; " + miner.queuedBytes
                    + " bytes wait for it (limit " + outgoingLimit + ")");
            close(miner);
            return;
        }
        ByteBuffer bytes = ByteBuffer.allocate(length);
        message.encode(bytes);
        bytes.flip();
        if (!miner.hasOutgoing()) {
            try {
                miner.channel.write(bytes);
            } catch (IOException e) {
                log.info(miner.who() + " disconnected: " + reason(e));
                close(miner);
                return;
            }
            if (!bytes.hasRemaining()) {
                return;
            }
        }
        miner.outgoing().addLast(bytes);
        miner.queuedBytes += bytes.remaining();
        miner.key.interestOps(miner.key.interestOps() | SelectionKey.OP_WRITE);
    }

    /** Writes queued bytes while the socket takes them; OP_WRITE stays on only while some are left. */
    private void flush(Miner miner) {
        ArrayDeque<ByteBuffer> queue = miner.outgoing();
        try {
            while (!queue.isEmpty()) {
                ByteBuffer head = queue.peekFirst();
                int written = miner.channel.write(head);
                miner.queuedBytes -= written;
                if (head.hasRemaining()) {
                    return;
                }
                queue.removeFirst();
            }
        } catch (IOException e) {
            if (!miner.closeWhenFlushed) {
                log.info(miner.who() + " disconnected: " + reason(e));
            }
            close(miner);
            return;
        }
        if (miner.closeWhenFlushed) {
            closeAfterGoodbye(miner);
        } else {
            miner.key.interestOps(SelectionKey.OP_READ);
        }
    }

    /**
     * Ends a connection whose last bytes (a Q) have been written. While the pool shuts down, it half-closes
     * instead (FIN after the Q) and keeps reading until the miner closes its side or the flush deadline passes:
     * a miner that sent G at the same moment would otherwise get a reset, which can cost it the Q still unread
     * in its socket, and it would then take the pool for crashed and keep retrying.
     */
    private void closeAfterGoodbye(Miner miner) {
        if (!shuttingDown) {
            close(miner);
            return;
        }
        try {
            miner.channel.shutdownOutput();
            miner.key.interestOps(SelectionKey.OP_READ);
        } catch (IOException | RuntimeException e) {
            close(miner);
        }
    }

    private void close(Miner miner) {
        if (miner.closed) {
            return;
        }
        miner.closed = true;
        connections--;
        if (miner.name != null) {
            namedMiners--;
        }
        if (miner.holding != null && miner.holding.holders != null) {
            miner.holding.holders.remove(miner);
        }
        miner.key.cancel();
        closeChannel(miner.channel);
    }

    private void expireGetWorkDeadlines(long now) {
        for (Miner miner = awaitingGetWork.peekFirst(); miner != null; miner = awaitingGetWork.peekFirst()) {
            if (miner.closed || miner.name != null) {
                awaitingGetWork.removeFirst();
            } else if (miner.getWorkDeadline - now <= 0) {
                awaitingGetWork.removeFirst();
                log.warn("closed " + miner.address + ": no G within " + seconds(config.getWorkTimeout())
                        + " of connecting");
                close(miner);
            } else {
                return;
            }
        }
    }

    /**
     * The summary line. The hash rate is a lower bound from two pieces of evidence over the interval: a block
     * takes 2^bits hashes on average, and a miner that asks again without having been answered has searched its
     * whole slot. Slots abandoned on I are not counted, so the true rate is somewhat higher.
     */
    private void summaryIfDue(long now) {
        long interval = now - lastSummaryNanos;
        if (interval < config.summaryInterval().toNanos()) {
            return;
        }
        double seconds = interval / 1e9;
        double hashes = Math.max(blocksSinceSummary * ProofOfWork.expectedHashes(config.zeroBits()),
                (double) searchedSlotsSinceSummary * config.slotSize());
        long blocks;
        synchronized (blocksMonitor) {
            blocks = blocksThisRun;
        }
        log.info("summary: " + count(namedMiners, "miner") + ", " + count(blocks, "block") + " in this run, "
                + count(slotsSinceSummary, "slot") + " handed out in the last " + Math.round(seconds)
                + " s, est. pool hash rate "
                + hashRate(hashes / seconds));
        lastSummaryNanos = now;
        slotsSinceSummary = 0;
        searchedSlotsSinceSummary = 0;
        blocksSinceSummary = 0;
    }

    /** An exception as a log line fragment: its message, or its kind when it has none (ClosedChannelException). */
    static String reason(Throwable e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    static String hashRate(double perSecond) {
        String[] units = {"H/s", "kH/s", "MH/s", "GH/s", "TH/s"};
        int unit = 0;
        while (perSecond >= 1000 && unit < units.length - 1) {
            perSecond /= 1000;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", perSecond, units[unit]);
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    /** {@code 1 block}, {@code 2 blocks}: log lines are read by people. */
    static String count(long n, String noun) {
        return n + " " + (n == 1 ? noun : noun + "s");
    }

    static String shortHash(byte[] hash) {
        return HexFormat.of().formatHex(hash, 0, 6) + "…";
    }

    /** Q to everyone, a bounded wait for the bytes to leave, then every channel and the chain file closed. */
    private void shutdown() {
        shuttingDown = true;
        try {
            if (listener != null) {
                listener.close(); // no new miners while the others are told goodbye
            }
            List<Miner> open = new ArrayList<>();
            for (SelectionKey key : selector.keys()) {
                if (key.attachment() instanceof Miner miner && !miner.closed) {
                    open.add(miner);
                }
            }
            for (Miner miner : open) {
                send(miner, new Message.Quit(Message.Quit.Reason.SHUTDOWN));
                if (!miner.closed) {
                    miner.closeWhenFlushed = true;
                    if (!miner.hasOutgoing()) {
                        closeAfterGoodbye(miner);
                    }
                }
            }
            if (!open.isEmpty()) {
                log.info("sent Q to " + open.size() + " connections");
            }
            long deadline = System.nanoTime() + FLUSH_ON_CLOSE.toNanos();
            while (connections > 0 && deadline - System.nanoTime() > 0) {
                selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                    SelectionKey key = it.next();
                    it.remove();
                    if (key.isValid() && key.attachment() instanceof Miner miner) {
                        if (key.isReadable()) {
                            drain(miner);
                        }
                        if (!miner.closed && key.isValid() && key.isWritable()) {
                            flush(miner);
                        }
                    }
                }
            }
            for (SelectionKey key : selector.keys()) {
                if (key.attachment() instanceof Miner miner) {
                    close(miner);
                }
            }
        } catch (IOException | RuntimeException e) {
            log.warn("while closing connections: " + e);
        } finally {
            closeQuietly();
            long mined;
            synchronized (blocksMonitor) {
                mined = blocksThisRun;
            }
            log.info("pool stopped: " + count(mined, "block") + " in this run, chain tip is block " + chainTipHeight());
        }
    }

    private long chainTipHeight() {
        return chain == null ? 0 : chain.tip().height();
    }

    /** During shutdown a miner's input is read and ignored, so that its socket does not reset on close. */
    private void drain(Miner miner) {
        readBuffer.clear();
        try {
            if (miner.channel.read(readBuffer) < 0) {
                close(miner);
            }
        } catch (IOException e) {
            close(miner);
        }
    }

    private void closeQuietly() {
        try {
            if (listener != null) {
                listener.close();
            }
        } catch (IOException e) {
            log.warn("closing the listening socket: " + reason(e));
        }
        try {
            if (selector != null) {
                selector.close();
            }
        } catch (IOException e) {
            log.warn("closing the selector: " + reason(e));
        }
        try {
            if (chain != null) {
                chain.close();
            }
        } catch (IOException e) {
            failed = true;
            log.warn("closing the chain file " + config.chainFile() + ": " + reason(e));
        }
    }
}
