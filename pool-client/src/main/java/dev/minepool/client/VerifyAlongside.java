package dev.minepool.client;

import dev.minepool.client.api.ApiException;
import dev.minepool.client.api.PoolApi;
import dev.minepool.client.api.Terminal;
import dev.minepool.client.verify.ChainCheck;
import dev.minepool.client.verify.ChainCopy;
import dev.minepool.client.verify.VerifyException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * {@code --verify}: the chain verifier beside the miner, on a thread of its own. It checks after each block the
 * miner hears of (an {@code A} or an {@code I}) and at least every {@code every}, one check at a time; blocks
 * heard of during a check make one more check after it, not one each. One line per check: {@code verified 42
 * blocks up to 000abc…, balances agree}, or a loud warning naming the bad block or the disagreeing account.
 * Mining goes on either way: the verifier tells the person, it does not decide for them.
 *
 * <p>The pool tells its miners of a block before its API shows it, so a check after a block heard of waits up to
 * {@link #PUBLISHED_WAIT} for the API to go past the height checked last; the block is checked then, not at the
 * next one.
 */
final class VerifyAlongside implements AutoCloseable {
    /**
     * How long a check after a block heard of waits for the API to show a new block: far above the moment a pool
     * takes to publish one, and short enough for a miner whose block came from another pool (a failover).
     */
    static final Duration PUBLISHED_WAIT = Duration.ofSeconds(1);

    private final ChainCheck check;
    private final Console console;
    private final Duration every;
    private final Semaphore blockHeard = new Semaphore(0);
    private final Thread thread;
    private final String what;
    private volatile boolean stopped;
    /** The height the last check that agreed reached; the verifier's thread only. */
    private long verifiedHeight;

    VerifyAlongside(PoolApi api, Path copy, Duration every, Console console) {
        this.console = console;
        this.what = api.url() + " (local copy " + copy + ")";
        this.every = every;
        this.check = new ChainCheck(api, copy, note -> console.event("verify: %s", note));
        this.thread = new Thread(this::loop, "chain-verifier");
        this.thread.setDaemon(true);
    }

    void start() {
        console.info("verify: checking the chain of %s after each block and every %s", what,
                HashRate.format(every));
        thread.start();
    }

    /** Called by the miner's session thread for each A or I: never blocks it. */
    void blockHeard() {
        if (blockHeard.availablePermits() == 0) {
            blockHeard.release();
        }
    }

    private void loop() {
        boolean afterBlock = false;
        while (!stopped) {
            runOnce(afterBlock);
            try {
                afterBlock = blockHeard.tryAcquire(every.toMillis(), TimeUnit.MILLISECONDS);
                if (afterBlock) {
                    blockHeard.drainPermits();
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void runOnce(boolean afterBlock) {
        try {
            ChainCheck.Outcome outcome = afterBlock ? check.run(verifiedHeight + 1, PUBLISHED_WAIT) : check.run();
            verifiedHeight = outcome.height();
            console.info("verify: %s", outcome.summary());
        } catch (VerifyException | ChainCopy.Damaged e) {
            console.event("WARNING: verify FAILED: %s", Terminal.safe(e.getMessage()));
            console.event("WARNING: the pool's chain or its balances cannot be trusted; you may be mining for "
                    + "nothing (this miner keeps mining; stop it if you agree)");
        } catch (ApiException e) {
            if (stopped) {
                return; // the miner is stopping, which interrupted the request
            }
            console.event("verify: could not check: %s", Terminal.safe(e.getMessage()));
        } catch (IOException e) {
            console.event("verify: could not use the chain copy: %s", e);
        } catch (RuntimeException e) {
            console.event("verify: the check failed unexpectedly: %s", e);
        }
    }

    @Override
    public void close() {
        stopped = true;
        thread.interrupt();
        try {
            thread.join(2000);
            check.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // closing a read-only-at-this-point copy: nothing to save
        }
    }
}
