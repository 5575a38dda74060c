package dev.minepool.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MinerNameTest {
    @Test
    void acceptsPlainAndAccentedNamesUpToTenBytes() {
        assertThat(MinerName.parse("alice").utf8()).containsExactly("alice".getBytes(StandardCharsets.UTF_8));
        assertThat(MinerName.parse("0123456789").length()).isEqualTo(10);
        assertThat(MinerName.parse("zoë").value()).isEqualTo("zoë");
        assertThat(MinerName.parse("bob smith").value()).as("a space inside is fine").isEqualTo("bob smith");
    }

    @ParameterizedTest
    @ValueSource(strings = {"evil\n2026", "a\tb", "\u001b[31mred", "a\u0000b", "\u007f"})
    void refusesControlCharacters(String name) {
        assertThatThrownBy(() -> MinerName.parse(name)).isInstanceOf(MinerName.InvalidNameException.class)
                .hasMessageContaining("a control character");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\uFEFFalice", "al\u200Bice", "\u202Eecila", "a\u2060b"})
    void refusesInvisibleFormatCharacters(String name) {
        assertThatThrownBy(() -> MinerName.parse(name)).hasMessageContaining("an invisible format character");
    }

    @Test
    void refusesLineSeparatorsWhiteSpaceAtTheEndsAndOverlongNames() {
        assertThatThrownBy(() -> MinerName.parse("a\u2028b")).hasMessageContaining("a line separator");
        assertThatThrownBy(() -> MinerName.parse(" alice")).hasMessageContaining("begins or ends with white space");
        assertThatThrownBy(() -> MinerName.parse("alice\u00A0")).hasMessageContaining("white space");
        assertThatThrownBy(() -> MinerName.parse("")).hasMessage("the miner name is empty");
        assertThatThrownBy(() -> MinerName.parse("01234567890"))
                .hasMessageContaining("is 11 bytes in UTF-8; the protocol allows at most 10");
    }

    @Test
    void refusesANameThatIsNotInNfcOnTheWireButNormalisesWhatAPersonTyped() {
        String decomposed = "zoe\u0308"; // e + combining diaeresis: looks like "zoë"
        assertThatThrownBy(() -> MinerName.parse(decomposed)).hasMessageContaining("Normalization Form C");
        assertThat(MinerName.fromUserInput(decomposed)).isEqualTo(MinerName.parse("zoë"));
    }

    @Test
    void whatAPersonTypedLosesItsBomAndSurroundingSpaceSoItIsTheSameAccount() {
        MinerName alice = MinerName.parse("alice");
        assertThat(MinerName.fromUserInput("\uFEFFalice")).isEqualTo(alice);
        assertThat(MinerName.fromUserInput("  alice \t")).isEqualTo(alice);
        assertThatThrownBy(() -> MinerName.fromUserInput("   ")).hasMessage("the miner name is empty");
        assertThatThrownBy(() -> MinerName.fromUserInput("ali\nce")).hasMessageContaining("control character");
    }

    @Test
    void rawBytesAreCheckedAsUtf8AndShownEscaped() {
        assertThat(MinerName.parse(new byte[] {'b', 'o', 'b'})).isEqualTo(MinerName.parse("bob"));
        assertThatThrownBy(() -> MinerName.parse(new byte[] {'a', (byte) 0xC3}))
                .hasMessage("the miner name \"a\\xc3\" is not valid UTF-8");
        assertThatThrownBy(() -> MinerName.parse("x\ny".getBytes(StandardCharsets.UTF_8)))
                .hasMessage("the miner name \"x\\u{000A}y\" contains a control character (U+000A)");
    }

    @Test
    void escapingLeavesNothingThatCouldForgeALine() {
        assertThat(MinerName.escape("a\nINFO  b\u001b[2J\\\"")).isEqualTo("a\\u{000A}INFO  b\\u{001B}[2J\\\\\\\"");
        assertThat(MinerName.escape(new byte[] {'o', 'k', '\r', '\n', (byte) 0xFF})).isEqualTo("ok\\x0d\\x0a\\xff");
        assertThat(MinerName.escape("zoë")).isEqualTo("zoë");
    }

    @Test
    void aGIsNamedOnlyByExactlyTheSameBytes() {
        MinerName zoe = MinerName.parse("zo\u00eb");
        assertThat(new Message.GetWork(zoe).isNamed(zoe)).isTrue();
        assertThat(new Message.GetWork("zoe").isNamed(zoe)).isFalse();
        assertThat(new Message.GetWork("zo\u00eb\u00eb").isNamed(zoe)).as("a longer name with the same start").isFalse();
        // The decomposed spelling looks the same but is other bytes: it must take the full check, and fail it.
        Message.GetWork decomposed = new Message.GetWork("zoe\u0308".getBytes(StandardCharsets.UTF_8));
        assertThat(decomposed.isNamed(zoe)).isFalse();
        assertThatThrownBy(decomposed::name).hasMessageContaining("Normalization Form C");
    }
}
