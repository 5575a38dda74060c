package dev.minepool.server.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.minepool.server.rules.DecayingRate;
import org.junit.jupiter.api.Test;

/** The decaying averages, and the HTTP side's way of carrying a snapshot's rates forward to the moment it is read. */
class RatesTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void aSteadyStreamConvergesOnItsRateAndAnIdleOneDecaysByEToTheMinusTOverTau() {
        DecayingRate rate = new DecayingRate();
        long t = 0;
        for (int i = 0; i < 3600; i++) { // an hour of 1,000 hashes a second
            rate.add(1000, t);
            t += SECOND;
        }
        double[] now = rate.perSecond(t);
        assertThat(now[0]).isCloseTo(1000, within(10.0)); // the 1-minute average has long converged
        assertThat(now[2]).as("after 4 τ of 15 minutes").isCloseTo(1000 * (1 - Math.exp(-4)), within(2.0));
        double[] later = rate.perSecond(t + 60 * SECOND);
        assertThat(later[0] / now[0]).isCloseTo(Math.exp(-1), within(1e-9)); // one τ of the 1-minute window
        assertThat(later[1] / now[1]).isCloseTo(Math.exp(-0.2), within(1e-9));
    }

    @Test
    void aSnapshotsRatesCarriedForwardAgreeWithTheLoopsOwnAverages() {
        DecayingRate rate = new DecayingRate();
        rate.add(5_000_000, 0);
        rate.add(3_000_000, 7 * SECOND);
        PoolSnapshot.Rates atSnapshot = PoolSnapshot.Rates.of(rate.perSecond(10 * SECOND));
        for (double seconds : new double[] {0.5, 30, 400}) {
            double[] loop = rate.perSecond(10 * SECOND + (long) (seconds * SECOND));
            PoolSnapshot.Rates carried = atSnapshot.decayedBy(seconds);
            assertThat(carried.m1()).as("1m after %s s", seconds).isCloseTo(loop[0], within(loop[0] * 1e-12));
            assertThat(carried.m5()).as("5m after %s s", seconds).isCloseTo(loop[1], within(loop[1] * 1e-12));
            assertThat(carried.m15()).as("15m after %s s", seconds).isCloseTo(loop[2], within(loop[2] * 1e-12));
            assertThat(carried.m1()).isLessThan(atSnapshot.m1());
        }
    }

    @Test
    void nothingToDecayStaysAsItIs() {
        PoolSnapshot.Rates rates = new PoolSnapshot.Rates(60, 300, 900);
        assertThat(rates.decayedBy(0)).isSameAs(rates);
        assertThat(rates.decayedBy(-5)).as("a clock that stepped back").isSameAs(rates);
        assertThat(PoolSnapshot.Rates.ZERO.decayedBy(100)).isSameAs(PoolSnapshot.Rates.ZERO);
    }
}
