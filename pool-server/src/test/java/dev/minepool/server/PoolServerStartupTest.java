package dev.minepool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What the operator sees when the pool cannot start where it was told to: one sentence, status 2, no litter. */
@Timeout(30) // a hang guard only: run() returns at once when the pool cannot start
class PoolServerStartupTest {
    @TempDir
    Path dir;

    /** The command line in-process, as {@link PoolServerMainTest} runs it. */
    static PoolServerMainTest.Outcome run(String... args) {
        return PoolServerMainTest.run(args);
    }

    @Test
    void anAddressThatIsNotOneExitsTwoWithOneSentenceAndNoChainFile() {
        Path chain = dir.resolve("chain.dat");
        PoolServerMainTest.Outcome o = run("--bind", "999.1.1.1", "--port", "0", "--chain", chain.toString());
        assertThat(o.status()).isEqualTo(2);
        assertThat(o.err()).isEqualTo("pool-server: cannot listen on 999.1.1.1:0: '999.1.1.1' is not an address or"
                + " a host name that resolves" + System.lineSeparator());
        assertThat(chain).as("no chain file left behind").doesNotExist();
    }

    @Test
    void aPortInUseExitsTwoWithOneSentenceAndNoChainFile() throws Exception {
        Path chain = dir.resolve("chain.dat");
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            String port = String.valueOf(taken.getLocalPort());
            PoolServerMainTest.Outcome o = run("--bind", "127.0.0.1", "--port", port, "--chain", chain.toString());
            assertThat(o.status()).isEqualTo(2);
            assertThat(o.err().lines()).hasSize(1).first().asString()
                    .startsWith("pool-server: cannot listen on 127.0.0.1:" + port + ": Address already in use")
                    .doesNotContain("Exception");
        }
        assertThat(chain).as("no chain file left behind").doesNotExist();
    }

    @Test
    void maxClientsPerHostIsAnOptionWithAGenerousDefault() throws Exception {
        assertThat(PoolConfig.defaults().maxClientsPerHost()).isEqualTo(1000);
        assertThat(PoolServerMain.parse(new String[] {"--max-clients-per-host", "3"}).maxClientsPerHost())
                .isEqualTo(3);
        PoolServerMainTest.Outcome o = run("--max-clients-per-host", "0");
        assertThat(o.status()).isEqualTo(2);
        assertThat(o.err()).startsWith("pool-server: --max-clients-per-host 0 must be at least 1");
        assertThat(run("--help").out()).contains("--max-clients-per-host N");
    }

    @Test
    void anHttpPortInUseExitsTwoWithOneSentenceAndNoChainFile() throws Exception {
        Path chain = dir.resolve("chain.dat");
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            String http = "127.0.0.1:" + taken.getLocalPort();
            PoolServerMainTest.Outcome o = run("--bind", "127.0.0.1", "--port", "0", "--http", http, "--chain",
                    chain.toString());
            assertThat(o.status()).isEqualTo(2);
            assertThat(o.err().lines()).hasSize(1).first().asString()
                    .startsWith("pool-server: cannot serve HTTP on " + http + ": Address already in use")
                    .contains("--http off turns it off");
        }
        assertThat(chain).as("no chain file left behind").doesNotExist();
    }

    @Test
    void httpIsOnAndPrivateByDefaultAndCanBeTurnedOff() throws Exception {
        assertThat(PoolConfig.defaults().http()).isEqualTo("127.0.0.1:8080");
        assertThat(PoolServerMain.parse(new String[] {"--http", "off"}).httpAddress()).isNull();
        assertThat(PoolServerMain.parse(new String[] {"--http", "0.0.0.0:0"}).httpAddress().getPort()).isZero();
        PoolServerMainTest.Outcome o = run("--http", "8080");
        assertThat(o.status()).isEqualTo(2);
        assertThat(o.err()).startsWith("pool-server: --http '8080' is neither off nor HOST:PORT");
        assertThat(run("--help").out()).contains("--http HOST:PORT");
    }
}
