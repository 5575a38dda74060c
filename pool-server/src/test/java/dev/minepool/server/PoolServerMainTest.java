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
                "--max-blocks", "--max-clients", "pool-server chain");
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
    }

    @Test
    void slotsPerJobNeverReachPast2To32NorPastAU16() {
        PoolConfig c = PoolConfig.defaults();
        assertThat(c.slotsPerJob()).isEqualTo(256);
        assertThat(c.withSlotSize(3_000_000_000L).slotsPerJob()).isEqualTo(1);
        assertThat(c.withSlotSize(1).slotsPerJob()).as("the slot number is a u16").isEqualTo(65536);
    }
}
