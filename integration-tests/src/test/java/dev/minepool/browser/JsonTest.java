package dev.minepool.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The harness's JSON, which every DevTools message goes through: the client's reader, with JavaScript's numbers,
 * and the harness's writer. No browser needed.
 */
class JsonTest {
    @Test
    void readsWhatChromiumSends() {
        assertThat(Json.parse("{\"id\":3,\"error\":{\"code\":-32602,\"message\":\"x\"},\"f\":1.5e2,\"ok\":true,"
                + "\"none\":null,\"list\":[1,[],{}]}"))
                .isEqualTo(mapOf("id", 3L, "error", mapOf("code", -32602L, "message", "x"), "f", 150.0, "ok", true,
                        "none", null, "list", List.of(1L, List.of(), Map.of())));
    }

    @Test
    void keepsIntegersIntegral() {
        assertThat(Json.parse("[0,-1,9007199254740993,1.0]"))
                .isEqualTo(List.of(0L, -1L, 9007199254740993L, 1.0));
    }

    @Test
    void roundTripsStringsWithEscapesAndNonAscii() {
        String tricky = "<b>x</b>\"&\\/\n\t\u0001 é 😀 \u2028";
        String written = Json.write(tricky);
        assertThat(written).doesNotContain("\n", "\u0001", "\u2028");
        assertThat(Json.parse(written)).isEqualTo(tricky);
        assertThat(Json.parse("\"\\ud83d\\ude00 \\u00e9 \\/\"")).isEqualTo("😀 é /");
    }

    @Test
    void writesMapsListsAndNumbers() {
        assertThat(Json.write(mapOf("a", Arrays.asList(1, 2.5, null, false), "b", Map.of())))
                .isEqualTo("{\"a\":[1,2.5,null,false],\"b\":{}}");
    }

    @Test
    void refusesBrokenJsonSayingWhere() {
        assertThatThrownBy(() -> Json.parse("{\"a\":1,}")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at character 7");
        assertThatThrownBy(() -> Json.parse("\"open")).hasMessageContaining("a string that never ends");
        assertThatThrownBy(() -> Json.parse("[1] 2")).hasMessageContaining("text after the value");
    }

    private static Map<String, Object> mapOf(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }
}
