package dev.minepool.client.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class JsonValueTest {
    @Test
    void readsCoinsExactlyAsBaseUnits() throws Exception {
        JsonValue v = JsonValue.parse("{\"balances\":{\"alice\":118.00000001,\"bob\":0.1}}", "test");
        assertThat(v.get("balances").get("alice").units()).isEqualTo(11_800_000_001L);
        assertThat(v.get("balances").get("bob").units()).isEqualTo(10_000_000L);
    }

    @Test
    void refusesMoreThanEightDecimalsAsCoins() throws Exception {
        JsonValue v = JsonValue.parse("{\"x\":0.000000001}", "test");
        assertThatThrownBy(() -> v.get("x").units()).isInstanceOf(ApiException.class)
                .hasMessageContaining("test.x should be an amount of coins with at most 8 decimals");
    }

    @Test
    void decodesEscapesAndNamesTheWrongField() throws Exception {
        JsonValue v = JsonValue.parse("{\"name\":\"a\\u003cb\\\"c\",\"n\":[1,2,{\"k\":null}],\"t\":true}", "GET /x");
        assertThat(v.get("name").string()).isEqualTo("a<b\"c");
        assertThat(v.get("n").array()).hasSize(3);
        assertThat(v.get("n").array().get(2).get("k").isNull()).isTrue();
        assertThat(v.get("missing").isNull()).isTrue();
        assertThat(v.get("t").bool()).isTrue();
        assertThatThrownBy(() -> v.get("name").longValue()).hasMessage(
                "GET /x.name should be a number, but the pool sent a string");
    }

    @Test
    void refusesBrokenAndTooDeepDocuments() {
        assertThatThrownBy(() -> JsonValue.parse("{\"a\":1", "GET /y")).isInstanceOf(ApiException.class)
                .hasMessageContaining("GET /y is not valid JSON");
        assertThatThrownBy(() -> JsonValue.parse("[".repeat(100) + "]".repeat(100), "GET /y"))
                .hasMessageContaining("nested deeper than");
        assertThatThrownBy(() -> JsonValue.parse("{} x", "GET /y")).hasMessageContaining("text after the value");
    }

    @Test
    void givesPlainJavaObjectsInDocumentOrderWithNumbersExact() throws Exception {
        Object plain = JsonValue.parse("{\"z\":1.50,\"a\":[true,null,\"s\",{}],\"m\":{\"n\":[]}}", "test")
                .plain(Function.identity());
        assertThat(plain).isInstanceOf(Map.class)
                .isEqualTo(Map.of("z", new BigDecimal("1.50"), "a", Arrays.asList(true, null, "s", Map.of()),
                        "m", Map.of("n", List.of())));
        assertThat(List.copyOf(((Map<?, ?>) plain).keySet())).as("the keys in document order")
                .isEqualTo(List.of("z", "a", "m"));
        assertThatThrownBy(() -> ((Map<?, ?>) plain).clear())
                .as("a plain document cannot be changed behind the reader's back")
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void givesEachNumberAsTheCallerMakesIt() throws Exception {
        Function<BigDecimal, Object> javaScript = n -> n.scale() == 0 ? (Object) n.longValueExact() : n.doubleValue();
        assertThat(JsonValue.parse("[7,-1,1.5,[2]]", "test").plain(javaScript))
                .isEqualTo(List.of(7L, -1L, 1.5, List.of(2L)));
        assertThat(JsonValue.parse("42", "test").plain(javaScript)).isEqualTo(42L);
        assertThat(JsonValue.parse("null", "test").plain(javaScript)).isNull();
    }
}
