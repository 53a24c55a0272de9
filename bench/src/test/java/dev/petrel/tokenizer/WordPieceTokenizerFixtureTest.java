package dev.petrel.tokenizer;

import dev.petrel.json.Json;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * all-MiniLM-L6-v2's real tokenizer.json against encodings made by the Hugging Face tokenizers library
 * (see make_fixtures.mjs beside the fixture file).
 */
class WordPieceTokenizerFixtureTest {
    private static WordPieceTokenizer tokenizer;

    record Case(String text, long[] ids, long[] mask, long[] types, List<String> tokens) {
        @Override
        public String toString() {
            String shown = text.length() > 40 ? text.substring(0, 40) + "..." : text;
            StringBuilder sb = new StringBuilder("\"");
            shown.codePoints().forEach(cp -> {
                if (cp < 0x20) sb.append(String.format("\\u%04x", cp));
                else sb.appendCodePoint(cp);
            });
            return sb.append('"').toString();
        }
    }

    @BeforeAll
    static void load() {
        tokenizer = WordPieceTokenizer.fromClasspath("/all-minilm-l6-v2-tokenizer.json");
    }

    @SuppressWarnings("unchecked")
    static List<Case> cases() throws IOException {
        String json;
        try (InputStream in = WordPieceTokenizerFixtureTest.class.getResourceAsStream("/tokenizer/wordpiece-fixtures.json")) {
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<Case> out = new ArrayList<>();
        for (Object o : (List<Object>) Json.parse(json)) {
            Map<String, Object> m = (Map<String, Object>) o;
            out.add(new Case((String) m.get("text"), longs(m.get("ids")), longs(m.get("attention_mask")),
                    longs(m.get("type_ids")), (List<String>) (List<?>) m.get("tokens")));
        }
        return out;
    }

    static Stream<Case> fixtures() throws IOException {
        return cases().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void matchesHuggingFace(Case c) {
        Encoding e = tokenizer.encode(c.text());
        assertThat(e.tokens()).as("tokens").containsExactlyElementsOf(c.tokens());
        assertThat(e.ids()).as("ids").containsExactly(c.ids());
        assertThat(e.attentionMask()).as("attention mask").containsExactly(c.mask());
        assertThat(e.typeIds()).as("type ids").containsExactly(c.types());
    }

    @Test
    void fixtureCoversTheCasesItShould() throws IOException {
        List<Case> cases = cases();
        assertThat(cases).hasSizeGreaterThanOrEqualTo(30);
        // One text is cut by truncation: all 128 positions real, ending in [SEP].
        assertThat(cases).anySatisfy(c -> {
            assertThat(c.mask()).containsOnly(1L);
            assertThat(c.tokens().get(127)).isEqualTo("[SEP]");
        });
    }

    @Test
    void batchEqualsSingleEncodings() throws IOException {
        List<Case> cases = cases();
        List<Encoding> batch = tokenizer.encodeBatch(cases.stream().map(Case::text).toList());
        for (int i = 0; i < cases.size(); i++) {
            assertThat(batch.get(i).ids()).as(cases.get(i).text()).containsExactly(cases.get(i).ids());
        }
    }

    @Test
    void batchLongestPadsToTheLongestText() {
        WordPieceTokenizer t = tokenizer.withPadding(new WordPieceTokenizer.Padding(0, 0, 0, 0, "[PAD]", WordPieceTokenizer.Direction.RIGHT));
        List<Encoding> batch = t.encodeBatch(List.of("Hello, world!", "hi"));
        assertThat(batch.get(0).ids()).containsExactly(101, 7592, 1010, 2088, 999, 102);
        assertThat(batch.get(1).ids()).containsExactly(101, 7632, 102, 0, 0, 0);
        assertThat(batch.get(1).attentionMask()).containsExactly(1, 1, 1, 0, 0, 0);
        assertThat(batch.get(1).tokens()).containsExactly("[CLS]", "hi", "[SEP]", "[PAD]", "[PAD]", "[PAD]");
        // A single text is never padded under BatchLongest; pad_to_multiple_of rounds up.
        assertThat(t.encode("hi").ids()).containsExactly(101, 7632, 102);
        WordPieceTokenizer m4 = t.withPadding(new WordPieceTokenizer.Padding(0, 4, 0, 0, "[PAD]", WordPieceTokenizer.Direction.LEFT));
        assertThat(m4.encode("hi").ids()).containsExactly(0, 101, 7632, 102);
        assertThat(m4.encode("hi").attentionMask()).containsExactly(0, 1, 1, 1);
    }

    @Test
    void leftTruncationKeepsTheEnd() {
        WordPieceTokenizer t = tokenizer.withPadding(null)
                .withTruncation(new WordPieceTokenizer.Truncation(4, WordPieceTokenizer.Direction.LEFT));
        assertThat(t.encode("Hello, world!").tokens()).containsExactly("[CLS]", "world", "!", "[SEP]");
        WordPieceTokenizer r = t.withTruncation(new WordPieceTokenizer.Truncation(4, WordPieceTokenizer.Direction.RIGHT));
        assertThat(r.encode("Hello, world!").tokens()).containsExactly("[CLS]", "hello", ",", "[SEP]");
    }

    private static long[] longs(Object list) {
        List<?> l = (List<?>) list;
        long[] v = new long[l.size()];
        for (int i = 0; i < v.length; i++) v[i] = (Long) l.get(i);
        return v;
    }
}
