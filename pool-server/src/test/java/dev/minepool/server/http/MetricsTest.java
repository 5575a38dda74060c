package dev.minepool.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.minepool.protocol.Direction;
import dev.minepool.protocol.Message;
import dev.minepool.protocol.MessageReader;
import dev.minepool.protocol.ProofOfWork;
import dev.minepool.server.PoolConfig;
import dev.minepool.server.PoolLog;
import dev.minepool.server.PoolServer;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code /metrics} from a pool that has mined, read with a strict parser of the Prometheus text format. */
@Timeout(60) // a hang guard only
class MetricsTest {
    static final Duration WAIT = Duration.ofSeconds(10);
    static final PrintStream SILENT = new PrintStream(OutputStream.nullOutputStream());

    @TempDir
    Path dir;

    @Test
    void everyFamilyParsesStrictlyAndCountsWhatHappened() throws Exception {
        PoolConfig config = PoolConfig.forTest(dir.resolve("chain.dat"), 8).withHttp("127.0.0.1:0")
                .withLog(new PoolLog(SILENT, SILENT));
        try (PoolServer pool = new PoolServer(config)) {
            pool.start();
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", pool.port()), 5000);
                socket.setSoTimeout(10_000);
                MessageReader in = new MessageReader(socket.getInputStream(), Direction.SERVER_TO_CLIENT);
                OutputStream out = socket.getOutputStream();
                out.write(new Message.GetWork("alice").toBytes());
                Message.Task task = (Message.Task) in.read();
                long nonce = task.firstNonce();
                while (!ProofOfWork.meets(ProofOfWork.hash(task.data(), nonce), task.zeroBits())) {
                    nonce++;
                }
                out.write(new Message.Submit(task.job(), nonce).toBytes());
                assertThat(in.read()).isEqualTo(new Message.Accepted(task.job()));
                out.write(new Message.Submit(task.job() ^ 1, nonce).toBytes()); // a job it was never given
                assertThat(in.read()).isEqualTo(new Message.Rejected(task.job() ^ 1));
            }
            assertThat(pool.awaitSnapshot(s -> s.rules().rejectedSubmits() == 1 && s.connections().isEmpty(), WAIT))
                    .isNotNull();
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(pool.httpUrl() + "metrics")).timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.headers().firstValue("content-type")).hasValue(MetricsResource.CONTENT_TYPE);

            Map<String, PrometheusText.Family> families = PrometheusText.parse(response.body());

            assertThat(families).containsKeys("minepool_miners_connected", "minepool_connections_accepted_total",
                    "minepool_connections_closed_total", "minepool_messages_received_total",
                    "minepool_messages_sent_total", "minepool_blocks_found_total", "minepool_submits_rejected_total",
                    "minepool_protocol_violations_total", "minepool_get_work_to_task_seconds",
                    "minepool_fanout_seconds", "minepool_hashrate_hashes_per_second", "minepool_chain_height");
            assertThat(value(families, "minepool_blocks_found_total", Map.of())).isEqualTo(1);
            assertThat(value(families, "minepool_chain_height", Map.of())).isEqualTo(1);
            assertThat(value(families, "minepool_messages_received_total", Map.of("type", "G"))).isEqualTo(1);
            assertThat(value(families, "minepool_messages_received_total", Map.of("type", "S"))).isEqualTo(2);
            assertThat(value(families, "minepool_messages_sent_total", Map.of("type", "A"))).isEqualTo(1);
            assertThat(value(families, "minepool_submits_rejected_total", Map.of("reason", "unknown_job")))
                    .isEqualTo(1);
            assertThat(value(families, "minepool_connections_closed_total", Map.of("reason", "hangup"))).isEqualTo(1);
            assertThat(families.get("minepool_get_work_to_task_seconds").type()).isEqualTo("histogram");
            assertThat(value(families, "minepool_fanout_seconds_count", Map.of())).isEqualTo(1);
        }
    }

    private static double value(Map<String, PrometheusText.Family> families, String name, Map<String, String> labels) {
        return families.values().stream().flatMap(f -> f.samples().stream())
                .filter(s -> s.name().equals(name) && s.labels().equals(labels)).findFirst()
                .orElseThrow(() -> new AssertionError("no sample " + name + labels)).value();
    }

    @Test
    void theParserRefusesWhatTheFormatDoesNotAllow() {
        assertThatThrownBy(() -> PrometheusText.parse("a_total 1\n")).hasMessageContaining("no TYPE");
        assertThatThrownBy(() -> PrometheusText.parse("# HELP a x\n# TYPE a counter\na 1\n"))
                .hasMessageContaining("does not end in _total");
        assertThatThrownBy(() -> PrometheusText.parse("# HELP a x\n# TYPE a gauge\na{l=\"v\"} 1\na{l=\"v\"} 2\n"))
                .hasMessageContaining("duplicate");
        assertThatThrownBy(() -> PrometheusText.parse("# HELP h x\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\n"
                + "h_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n")).hasMessageContaining("rise");
        assertThatThrownBy(() -> PrometheusText.parse("# HELP a x\n# TYPE a gauge\na 1")).hasMessageContaining("line feed");
        assertThatThrownBy(() -> PrometheusText.parse("# HELP a x\n# TYPE a gauge\na{l=\"\\x\"} 1\n"))
                .hasMessageContaining("bad escape");
    }
}
