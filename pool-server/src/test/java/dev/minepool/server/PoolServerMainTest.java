package dev.minepool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class PoolServerMainTest {
    record Outcome(int status, String out, String err) {
    }

    static Outcome run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = PoolServerMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpListsEveryOption() {
        Outcome o = run("--help");
        assertThat(o.status()).isZero();
        assertThat(o.out()).contains("--port", "--bind", "--bits", "--slot-size", "--data-size", "--chain",
                "--max-blocks", "--max-clients", "--target-block-time DURATION", "pool-server chain");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--bits 0           | --bits 0 is out of range: 1..255",
            "--bits many        | --bits 'many' is not a whole number",
            "--slot-size 0      | --slot-size 0 is out of range: 1..4294967296",
            "--slot-size 4294967297 | --slot-size 4294967297 is out of range",
            "--data-size 51     | --data-size 51 is out of range: 52..65535",
            "--data-size 65536  | --data-size 65536 is out of range",
            "--port 70000       | --port 70000 is out of range: 0..65535",
            "--max-clients 0    | --max-clients 0 must be at least 1",
            "--frobnicate 1     | unknown option '--frobnicate'",
            "--port             | --port needs a value",
            "--target-block-time 2 | --target-block-time '2' is not a duration: a whole number and a unit, such as 2s",
            "--target-block-time 1.5s | --target-block-time '1.5s' is not a duration",
            "--target-block-time 0s | --target-block-time 0s is out of range: 1ms..24h",
            "--target-block-time 25h | --target-block-time 25h is out of range: 1ms..24h",
    })
    void aBadOptionIsAOneLineErrorWithStatus2(String args, String message) {
        Outcome o = run(args.trim().split("\\s+"));
        assertThat(o.status()).isEqualTo(2);
        assertThat(o.err()).startsWith("pool-server: " + message).doesNotContain("Exception");
    }

    @Test
    void optionsFillTheConfig() throws Exception {
        PoolConfig c = PoolServerMain.parse(new String[] {"--port", "0", "--bind=127.0.0.1", "--bits", "20",
                "--slot-size", "4294967296", "--data-size", "52", "--chain", "x.dat", "--max-blocks", "3",
                "--max-clients", "5"});
        assertThat(c.port()).isZero();
        assertThat(c.bindAddress()).isEqualTo("127.0.0.1");
        assertThat(c.zeroBits()).isEqualTo(20);
        assertThat(c.slotSize()).isEqualTo(1L << 32);
        assertThat(c.slotsPerJob()).isEqualTo(1);
        assertThat(c.dataSize()).isEqualTo(52);
        assertThat(c.chainFile().toString()).isEqualTo("x.dat");
        assertThat(c.maxBlocks()).isEqualTo(3);
        assertThat(c.maxClients()).isEqualTo(5);
        assertThat(c.targetBlockTime()).as("no target: fixed bits").isEqualTo(PoolConfig.FIXED_BITS);
        assertThat(c.difficultyRule()).isEqualTo(dev.minepool.protocol.chain.DifficultyRule.fixed(20));
    }

    @ParameterizedTest
    @CsvSource({"2s, 2000", "30s, 30000", "10m, 600000", "1h, 3600000", "500ms, 500", "24h, 86400000"})
    void theTargetBlockTimeTakesAWholeNumberAndAUnit(String value, long millis) throws Exception {
        PoolConfig c = PoolServerMain.parse(new String[] {"--bits", "12", "--target-block-time", value});
        assertThat(c.targetBlockTime().toMillis()).isEqualTo(millis);
        assertThat(c.difficultyRule()).isEqualTo(dev.minepool.protocol.chain.DifficultyRule.retarget(12, millis));
        assertThat(c.difficultyRule().tauMillis()).isEqualTo(4 * millis);
    }

    @Test
    void everyWithMethodKeepsTheTargetBlockTime() {
        PoolConfig c = PoolConfig.defaults().withTargetBlockTime(java.time.Duration.ofSeconds(2));
        java.util.List<PoolConfig> changed = java.util.List.of(c.withBind("127.0.0.1"), c.withPort(1),
                c.withZeroBits(3), c.withSlotSize(5), c.withDataSize(60), c.withChainFile(java.nio.file.Path.of("y")),
                c.withMaxBlocks(2), c.withMaxClients(3), c.withMaxClientsPerHost(4),
                c.withGetWorkTimeout(java.time.Duration.ofSeconds(1)),
                c.withSummaryInterval(java.time.Duration.ofSeconds(1)), c.withFirstJobNumber(9),
                c.withTransactions(TransactionSource.random()), c.withLog(PoolLog.standard()), c.withHttp("off"));
        assertThat(changed).allSatisfy(changedConfig -> assertThat(changedConfig.targetBlockTime())
                .isEqualTo(java.time.Duration.ofSeconds(2)));
        assertThat(c.withTargetBlockTime(PoolConfig.FIXED_BITS).withPort(7).targetBlockTime()).isZero();
    }

    @Test
    void slotsPerJobNeverReachPast2To32NorPastAU16() {
        PoolConfig c = PoolConfig.defaults();
        assertThat(c.slotsPerJob()).isEqualTo(256);
        assertThat(c.withSlotSize(3_000_000_000L).slotsPerJob()).isEqualTo(1);
        assertThat(c.withSlotSize(1).slotsPerJob()).as("the slot number is a u16").isEqualTo(65536);
    }
}
