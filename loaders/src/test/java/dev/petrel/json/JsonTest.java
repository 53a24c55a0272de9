package dev.petrel.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    @SuppressWarnings("unchecked")
    void parsesNestedValues() {
        Object v = Json.parse(" {\"a\": [1, -2, 3.5, 1e3, true, false, null], \"b\": {}, \"c\": [] } ");
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) v;
        assertThat(m.keySet()).containsExactly("a", "b", "c");
        assertThat((List<Object>) m.get("a")).containsExactly(1L, -2L, 3.5, 1000.0, true, false, null);
        assertThat((Map<String, Object>) m.get("b")).isEmpty();
        assertThat((List<Object>) m.get("c")).isEmpty();
    }

    @Test
    void decodesEscapesIncludingSurrogatePairs() {
        assertThat(Json.parse("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"")).isEqualTo("a\"b\\c/d\b\f\n\r\t");
        assertThat(Json.parse("\"caf\\u00e9 \\u00C5\"")).isEqualTo("café Å");
        // U+1F355 (pizza) as an escaped surrogate pair, and raw.
        String pizza = (String) Json.parse("\"\\ud83c\\udf55 🍕\"");
        assertThat(pizza).isEqualTo("\uD83C\uDF55 🍕");
        assertThat(pizza.codePointAt(0)).isEqualTo(0x1F355);
        assertThat(pizza.codePointCount(0, pizza.length())).isEqualTo(3);
    }

    @Test
    void keepsBigIntegersAsDoubles() {
        assertThat(Json.parse("9223372036854775807")).isEqualTo(Long.MAX_VALUE);
        assertThat(Json.parse("92233720368547758070")).isEqualTo(9.223372036854776E19);
    }

    @Test
    void rejectsMalformedInputWithPosition() {
        assertThatThrownBy(() -> Json.parse("{\"a\": 1,\n \"b\" 2}")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("line 2").hasMessageContaining("expected ':'");
        assertThatThrownBy(() -> Json.parse("[1, 2")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Json.parse("\"\\x\"")).hasMessageContaining("invalid escape");
        assertThatThrownBy(() -> Json.parse("\"\\u12g4\"")).hasMessageContaining("hex digit");
        assertThatThrownBy(() -> Json.parse("01")).hasMessageContaining("after the JSON value");
        assertThatThrownBy(() -> Json.parse("\"tab\there\"")).hasMessageContaining("control character");
        assertThatThrownBy(() -> Json.parse("tru")).hasMessageContaining("true");
        assertThatThrownBy(() -> Json.parse("")).hasMessageContaining("end of input");
    }

    @Test
    void duplicateKeysAreRejectedOnlyOnRequest() {
        assertThat(Json.parse("{\"a\": 1, \"a\": 2}")).isEqualTo(Map.of("a", 2L));
        assertThat(Json.parse("{\"a\": {\"b\": 1}, \"b\": 2}", true)).isEqualTo(Map.of("a", Map.of("b", 1L), "b", 2L));
        assertThatThrownBy(() -> Json.parse("{\"a\": {\"b\": 1, \"b\": 2}}", true))
                .hasMessage("invalid JSON at line 1, column 16: duplicate key \"b\"");
    }

    @Property(tries = 300)
    void escapedStringsRoundTrip(@ForAll String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\' || c < 0x20 || c > 0x7E) sb.append(String.format("\\u%04x", (int) c));
            else sb.append(c);
        }
        assertThat(Json.parse(sb.append('"').toString())).isEqualTo(s);
    }
}
