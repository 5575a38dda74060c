package dev.minepool.client.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code --engine}: parsing, and the choice with and without the Vector API module (injected). */
class EngineChoiceTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource({"auto, AUTO", "vector, VECTOR", "digest, DIGEST", "Vector, VECTOR", "' digest ', DIGEST"})
    void parsesTheThreeNames(String value, EngineChoice expected) {
        assertThat(EngineChoice.parse(value)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "''{0}''")
    @ValueSource(strings = {"", "fast", "sha", "vectors"})
    void anyOtherNameIsNoChoice(String value) {
        assertThat(EngineChoice.parse(value)).isNull();
    }

    @Test
    void theTestJvmHasTheVectorModuleAsSurefireIsConfigured() {
        assertThat(EngineChoice.vectorModulePresent()).as("surefire's --add-modules jdk.incubator.vector").isTrue();
    }

    @Test
    void autoPicksTheVectorEngineWhenTheModuleIsPresent() throws Exception {
        EngineChoice.Selection selection = EngineChoice.AUTO.select(() -> true);
        assertThat(selection.engine().name()).isEqualTo("vector");
        assertThat(selection.engine()).isSameAs(VectorNonceScanner.ENGINE);
        assertThat(selection.note()).as("nothing to explain").isNull();
    }

    @Test
    void autoFallsBackToTheDigestEngineAndSaysWhy() throws Exception {
        EngineChoice.Selection selection = EngineChoice.AUTO.select(() -> false);
        assertThat(selection.engine().name()).isEqualTo("digest");
        assertThat(selection.note()).isEqualTo("engine digest (MessageDigest): the Vector API module "
                + "jdk.incubator.vector is not loaded; run java with --add-modules jdk.incubator.vector "
                + "(bin/minepool does) for the faster vector engine");
    }

    @Test
    void vectorWithoutTheModuleIsRefusedWithHowToLoadIt() {
        assertThatThrownBy(() -> EngineChoice.VECTOR.select(() -> false))
                .isInstanceOf(EngineChoice.UnavailableException.class)
                .hasMessageContaining("--add-modules jdk.incubator.vector").hasMessageContaining("--engine digest");
    }

    @Test
    void digestIsDigestWithOrWithoutTheModule() throws Exception {
        assertThat(EngineChoice.DIGEST.select(() -> true).engine().name()).isEqualTo("digest");
        assertThat(EngineChoice.DIGEST.select(() -> false).engine().name()).isEqualTo("digest");
    }

    @Test
    void benchMeasuresEveryEngineThatCanRunHereUnlessOneIsNamed() throws Exception {
        assertThat(names(EngineChoice.AUTO.engines(() -> true))).containsExactly("vector", "digest");
        assertThat(names(EngineChoice.AUTO.engines(() -> false))).containsExactly("digest");
        assertThat(names(EngineChoice.VECTOR.engines(() -> true))).containsExactly("vector");
        assertThat(names(EngineChoice.DIGEST.engines(() -> true))).containsExactly("digest");
    }

    private static List<String> names(List<ScanEngine> engines) {
        return engines.stream().map(ScanEngine::name).toList();
    }
}
