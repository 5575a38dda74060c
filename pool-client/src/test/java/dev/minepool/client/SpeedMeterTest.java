package dev.minepool.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The speed windows, fed samples with made-up times: no clock is read. */
class SpeedMeterTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void aWindowLongerThanTheRunHasNoRateYet() {
        SpeedMeter meter = new SpeedMeter(1);
        for (int s = 0; s <= 9; s++) {
            meter.sample(s * SECOND, new long[] {s * 1000L});
        }
        assertThat(meter.total(Duration.ofSeconds(10))).as("9 s of samples for a 10 s window").isNaN();
        meter.sample(10 * SECOND, new long[] {10_000});
        assertThat(meter.total(Duration.ofSeconds(10))).isCloseTo(1000, within(1e-9));
        assertThat(meter.total(Duration.ofSeconds(60))).isNaN();
        assertThat(meter.total(Duration.ofMinutes(15))).isNaN();
    }

    @Test
    void eachWindowCoversOnlyItsOwnPastAndEachThreadIsCountedApart() {
        SpeedMeter meter = new SpeedMeter(2);
        // 20 minutes: 100 H/s per thread for the first 15, then thread 0 at 400 H/s and thread 1 stopped
        long[] hashes = new long[2];
        for (int s = 0; s <= 20 * 60; s++) {
            meter.sample(s * SECOND, hashes.clone());
            boolean late = s >= 15 * 60;
            hashes[0] += late ? 400 : 100;
            hashes[1] += late ? 0 : 100;
        }
        assertThat(meter.total(Duration.ofSeconds(10))).isCloseTo(400, within(1e-9));
        assertThat(meter.thread(0, Duration.ofSeconds(60))).isCloseTo(400, within(1e-9));
        assertThat(meter.thread(1, Duration.ofSeconds(60))).isZero();
        // the last 15 minutes: 5 at 400 and 10 at 200 (both threads at 100)
        assertThat(meter.total(Duration.ofMinutes(15))).isCloseTo((5 * 400 + 10 * 200) / 15.0, within(1e-6));
        assertThat(meter.max()).isCloseTo(400, within(1e-9));
    }

    @Test
    void samplesALittleLateStillCoverTheirWindow() {
        SpeedMeter meter = new SpeedMeter(1);
        meter.sample(0, new long[] {0});
        meter.sample(SECOND * 97 / 10, new long[] {970}); // 9.7 s later: the session thread was busy
        assertThat(meter.total(Duration.ofSeconds(10))).isCloseTo(100, within(1e-9));
    }

    @Test
    void theLinesSayNaForAWindowWithoutARateAndPutEveryFigureInOneUnit() {
        assertThat(HashRate.speeds(new double[] {24.1e6, 2.4e5, Double.NaN}, 24.3e6))
                .isEqualTo("speed 10s/60s/15m 24.1 0.2 n/a MH/s max 24.3 MH/s");
        assertThat(HashRate.speeds(new double[] {Double.NaN, Double.NaN, Double.NaN}, 0))
                .as("the first line, before 10 s have passed").isEqualTo("speed 10s/60s/15m n/a n/a n/a H/s max n/a H/s");
        SpeedMeter meter = new SpeedMeter(2);
        meter.sample(0, new long[] {0, 0});
        meter.sample(10 * SECOND, new long[] {120_000_000, 121_000_000});
        List<String> table = HashRate.threadTable(meter);
        assertThat(table).containsExactly(
                "thread      10s      60s      15m  (MH/s)",
                "     0     12.0      n/a      n/a",
                "     1     12.1      n/a      n/a",
                " total     24.1      n/a      n/a");
    }
}
