package dev.minepool.protocol.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CoinsTest {
    @ParameterizedTest
    @CsvSource({
        "0, 0.00000000",
        "1, 0.00000001",
        "150000000, 1.50000000",
        "100000000, 1.00000000",
        "-150000000, -1.50000000",
        "-1, -0.00000001",
        "9223372036854775807, 92233720368.54775807",
        "-9223372036854775808, -92233720368.54775808",
    })
    void formatsWithExactlyEightDecimals(long units, String coins) {
        assertThat(Coins.format(units)).isEqualTo(coins);
    }

    @Test
    void formatsAU64AmountAndTrimsForPeople() {
        assertThat(Coins.formatUnsigned(-1L)).as("2^64 - 1 units").isEqualTo("184467440737.09551615");
        assertThat(Coins.formatUnsigned(Long.MIN_VALUE)).as("2^63 units").isEqualTo("92233720368.54775808");
        assertThat(Coins.formatUnsigned(150_000_000L)).isEqualTo("1.50000000");
        assertThat(Coins.formatTrimmed(150_000_000L)).isEqualTo("1.5");
        assertThat(Coins.formatTrimmed(300_000_000L)).isEqualTo("3");
        assertThat(Coins.formatTrimmed(1L)).isEqualTo("0.00000001");
        assertThat(Coins.formatTrimmed(0L)).isEqualTo("0");
    }

    @ParameterizedTest
    @CsvSource({
        "1.5, 150000000",
        "0.00000001, 1",
        "3, 300000000",
        "0, 0",
        "007.10, 710000000",
        "92233720368.54775807, 9223372036854775807",
        "0.1, 10000000",
    })
    void parsesCoinsToExactBaseUnits(String coins, long units) {
        assertThat(Coins.parse(coins)).isEqualTo(units);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-1", "+1", "1e3", "1.", ".5", "1.5.1", "1,5", " 1", "1 ", "abc", "0x10", "١",
        "１", "NaN", "Infinity"})
    void refusesWhatIsNotAPlainDecimal(String coins) {
        assertThatThrownBy(() -> Coins.parse(coins)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("amount");
    }

    @Test
    void refusesMoreThanEightDecimalsAndOverflows() {
        assertThatThrownBy(() -> Coins.parse("0.000000001")).hasMessageContaining("has 9 decimals");
        assertThatThrownBy(() -> Coins.parse("92233720368.54775808")).hasMessageContaining("more than any balance");
        assertThatThrownBy(() -> Coins.parse("99999999999999999999999")).hasMessageContaining("more than any balance");
        assertThatThrownBy(() -> Coins.parse(null)).hasMessageContaining("no amount");
    }

    @Test
    void everyFormattedAmountParsesBack() {
        java.util.Random random = new java.util.Random(14);
        for (int i = 0; i < 1000; i++) {
            long units = random.nextLong() & Long.MAX_VALUE;
            assertThat(Coins.parse(Coins.format(units))).isEqualTo(units);
            assertThat(Coins.parse(Coins.formatTrimmed(units))).isEqualTo(units);
        }
    }
}
