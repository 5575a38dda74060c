package dev.minepool.client.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}
