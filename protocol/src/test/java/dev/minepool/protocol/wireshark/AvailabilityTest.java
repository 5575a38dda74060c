package dev.minepool.protocol.wireshark;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** A missing Wireshark tool must stop the test that needs it, saying why: never let it pass. */
class AvailabilityTest {
    /** These tests' own skips are not news for the console. */
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @Test
    void aMissingToolSkipsOrFailsTheTestWithItsReason() {
        Class<? extends Throwable> expected = System.getenv(Availability.REQUIRE_ENV) == null
                ? TestAbortedException.class : AssertionFailedError.class;
        assertThatThrownBy(() -> Availability.no("tshark is not installed").assumeAvailable(QUIET))
                .isInstanceOf(expected)
                .hasMessageContaining("tshark is not installed");
    }

    @Test
    void anAvailableToolLetsTheTestRun() {
        assertThatCode(() -> Availability.yes().assumeAvailable(QUIET)).doesNotThrowAnyException();
    }

    @Test
    void theFirstMissingToolGivesTheReason() {
        Availability both = Availability.no("no tshark").and(() -> Availability.no("no dumpcap"));
        assertThatThrownBy(() -> both.assumeAvailable(QUIET)).hasMessageContaining("no tshark");
    }
}
