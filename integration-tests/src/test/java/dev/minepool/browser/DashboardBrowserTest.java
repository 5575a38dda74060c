package dev.minepool.browser;

import static org.assertj.core.api.Assertions.assertThat;

import dev.minepool.protocol.Direction;
import dev.minepool.protocol.Message;
import dev.minepool.protocol.MessageReader;
import dev.minepool.protocol.ProofOfWork;
import dev.minepool.server.PoolConfig;
import dev.minepool.server.PoolLog;
import dev.minepool.server.PoolServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard in a real browser: a real pool (in-process, HTTP on a free port), two miners driven by hand over
 * real sockets so that the test decides when a block is found, and headless Chromium watching the page. The page
 * must change by itself, from its event stream, and show a name that is also markup as plain characters.
 */
@Timeout(120) // a hang guard only
class DashboardBrowserTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    /** Ten bytes on the wire, as a name may be; markup if a page ever put it in as HTML. */
    private static final String MARKUP_NAME = "<b>x</b>\"&";
    private static final PrintStream SILENT = new PrintStream(OutputStream.nullOutputStream());

    @TempDir
    Path dir;

    private PoolServer pool;
    private Chromium chromium;

    @AfterEach
    void stop() {
        if (chromium != null) {
            chromium.close();
        }
        if (pool != null) {
            pool.close();
        }
    }

    /** One miner on a raw socket. */
    private static final class HandMiner implements AutoCloseable {
        final Socket socket = new Socket();
        final MessageReader in;
        final OutputStream out;
        Message.Task task;

        HandMiner(int port, String name) throws IOException {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(10_000);
            in = new MessageReader(socket.getInputStream(), Direction.SERVER_TO_CLIENT);
            out = socket.getOutputStream();
            getWork(name);
        }

        /** Asks for a slot; asking again without an answer tells the pool it searched the last one. */
        void getWork(String name) throws IOException {
            out.write(new Message.GetWork(name).toBytes());
            task = (Message.Task) in.read();
        }

        Message solve() throws IOException {
            long nonce = task.firstNonce();
            while (!ProofOfWork.meets(ProofOfWork.hash(task.data(), nonce), task.zeroBits())) {
                nonce++;
            }
            out.write(new Message.Submit(task.job(), nonce).toBytes());
            return in.read();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void theDashboardFollowsABlockLiveAndShowsAMarkupNameAsText() throws Exception {
        Path binary = BrowserAvailability.assumeChromium();
        pool = new PoolServer(PoolConfig.forTest(dir.resolve("chain.dat"), 10).withSlotSize(1L << 20)
                .withHttp("127.0.0.1:0").withLog(new PoolLog(SILENT, SILENT)));
        pool.start();
        try (HandMiner alice = new HandMiner(pool.port(), "alice");
             HandMiner marked = new HandMiner(pool.port(), MARKUP_NAME)) {
            for (int i = 0; i < 3; i++) { // slots searched to the end: hash rates above zero for the charts
                alice.getWork("alice");
                marked.getWork(MARKUP_NAME);
            }
            chromium = Chromium.launch(binary);
            Page page = chromium.newPage();
            page.navigate(pool.httpUrl());
            page.awaitTrue("document.querySelectorAll('#miners tr[data-name]').length === 2", WAIT);
            page.awaitTrue("document.getElementById('status').textContent === 'live'", WAIT);
            assertThat(page.textOf("#height")).isEqualTo("0");
            assertThat(page.textOf("#blocks")).contains("no blocks yet");
            page.markDocument();

            assertThat(marked.solve()).isInstanceOf(Message.Accepted.class);

            page.awaitTrue("document.getElementById('height').textContent === '1'", WAIT);
            page.awaitTrue("document.querySelector('#blocks li[data-height=\"1\"] .winner') !== null", WAIT);
            assertThat(page.textOf("#blocks li[data-height=\"1\"] .winner")).as("the winner, as characters")
                    .isEqualTo(MARKUP_NAME);
            assertThat(page.textOf("#tip")).isEqualTo(pool.snapshot().tipHash());
            // The miners table changes with the next stats event: the winner's balance is 1.
            page.awaitTrue("(() => { const row = [...document.querySelectorAll('#miners tr')]"
                    + ".find(r => r.dataset.name === " + jsString(MARKUP_NAME) + ");"
                    + " return row && row.querySelector('.balance').textContent === '1'; })()", WAIT);
            assertThat(page.count("#miners b, #blocks b, #activity b")).as("no element made from a name").isZero();
            assertThat(page.isMarkedDocument()).as("updated without a reload").isTrue();

            // A miner's own panel, with its chart, on a click.
            page.evaluate("document.querySelector('#miners tr[data-name=\"alice\"]').click()");
            page.awaitTrue("!document.getElementById('miner-panel').hidden", WAIT);
            assertThat(page.textOf("#miner-name")).isEqualTo("alice");
            page.awaitTrue("document.querySelectorAll('#chart path.series').length === 1", WAIT);

            Path shot = page.screenshot(Path.of("target", "dashboard.png"));
            assertThat(Files.size(shot)).isGreaterThan(10_000);
            assertThat(page.errors()).as("errors in the page").isEmpty();
        }
    }

    private static String jsString(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
