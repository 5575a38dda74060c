package dev.minepool.client.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The write floor over real loopback sockets: every round writes to every connection, and the tool says so. */
@Timeout(60) // a hang guard only
class WriteFloorTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return WriteFloor.run(args, 0, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void timesOneWriteToEachConnectionPerRound() throws Exception {
        long[] nanos = WriteFloor.measure(200, 3);
        assertThat(nanos).hasSize(3);
        for (long n : nanos) {
            assertThat(n).isPositive();
        }

        assertThat(run("--connections", "50", "--rounds", "2")).isZero();
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("round 1: 50 writes in ", "round 2: 50 writes in ");
        Matcher floor = Pattern.compile("write floor: 50 writes of 3 bytes, median of 2 rounds ([0-9.]+) ms \\(([0-9.]+)"
                + " us each\\)").matcher(printed);
        assertThat(floor.find()).as(printed).isTrue();
        assertThat(Double.parseDouble(floor.group(1))).isPositive();
    }

    @Test
    void measuresWithReadersInSelectAndWithSeveralWriters() throws Exception {
        assertThat(WriteFloor.measure(300, 2, WriteFloor.Readers.SELECTOR, 1)).hasSize(2).doesNotContain(0L);
        assertThat(WriteFloor.measure(301, 2, WriteFloor.Readers.IDLE, 2)).hasSize(2).doesNotContain(0L);
        assertThat(WriteFloor.measure(7, 2, WriteFloor.Readers.SELECTOR, 3)).hasSize(2).doesNotContain(0L);

        assertThat(run("--connections", "40", "--rounds", "2", "--readers", "select", "--writers", "2")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .as("a variant names itself, so that a reader of the default line never takes it for the floor")
                .contains("write floor (readers in select, 2 writers): 40 writes of 3 bytes, median of 2 rounds");
    }

    @Test
    void badOptionsAreRefusedWithAReason() {
        assertThat(run("--connections", "0")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--connections must be a whole number of at least 1");
        assertThat(run("--connections", "500000000")).as("more than any open-file limit allows").isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("file descriptors in this one process");
        assertThat(run("--readers", "busy")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--readers is idle or select, not 'busy'");
        assertThat(run("--fast")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown option '--fast'");
    }
}
