package dev.petrel.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real GPT-2 vocabulary against gpt2-fixtures.json, the ids that the reference JavaScript encoder
 * (gpt-3-encoder's Encoder.js, a port of OpenAI's encoder.py) gives for gpt2-corpus.txt.
 *
 * <p>Where Encoder.js and the Python original disagree, the fixtures hold Python's ids and keep
 * Encoder.js's as {@code encoderJsIds}: JavaScript's {@code \s} counts U+FEFF as white space and not
 * U+0085, Python's {@code regex} module (which GPT-2 uses) the other way round, so text with those
 * characters next to a space or symbol is cut differently. make_gpt2_fixtures.mjs checks the
 * pre-tokenization of every case against Python's regex.findall when python3 has the regex module.
 *
 * <p>The vocabulary (encoder.json and vocab.bpe, not part of this repository) is looked for in the folder
 * named by the system property {@code petrel.gpt2.vocab}, else in ~/.cache/petrel/gpt2-vocab.
 */
class Gpt2VocabularyTest {
    private static ByteLevelBpeTokenizer gpt2;
    private static Path vocabDir;

    record Case(String text, int[] ids, int[] encoderJsIds) {}

    @BeforeAll
    static void load() throws IOException {
        vocabDir = vocabDir();
        if (vocabDir == null) return;
        // Wall time suffers from whatever else the machine runs; the CPU time of this thread less so.
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        for (String which : new String[] {"first", "second"}) {
            long c0 = mx.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            gpt2 = ByteLevelBpeTokenizer.load(vocabDir.resolve("encoder.json"), vocabDir.resolve("vocab.bpe"));
            System.out.printf("GPT-2 vocabulary (%d tokens, 50000 merges), %s load: %.1f ms wall, %.1f ms CPU%n",
                    gpt2.vocabSize(), which, (System.nanoTime() - t0) / 1e6, (mx.getCurrentThreadCpuTime() - c0) / 1e6);
        }
    }

    static Path vocabDir() {
        String prop = System.getProperty("petrel.gpt2.vocab");
        Path dir = prop != null && !prop.isEmpty() ? Paths.get(prop)
                : Paths.get(System.getProperty("user.home"), ".cache", "petrel", "gpt2-vocab");
        return Files.isRegularFile(dir.resolve("encoder.json")) && Files.isRegularFile(dir.resolve("vocab.bpe")) ? dir : null;
    }

    /** The real GPT-2 tokenizer, or null when its files are not there (for other test classes). */
    static ByteLevelBpeTokenizer gpt2OrNull() throws IOException {
        Path dir = vocabDir();
        return dir == null ? null : ByteLevelBpeTokenizer.load(dir.resolve("encoder.json"), dir.resolve("vocab.bpe"));
    }

    private static void assumeVocabulary() {
        Assumptions.assumeTrue(gpt2 != null, "GPT-2 vocabulary not found (set -Dpetrel.gpt2.vocab=DIR or put encoder.json and "
                + "vocab.bpe in ~/.cache/petrel/gpt2-vocab); ./petrel test fetches it");
    }

    @SuppressWarnings("unchecked")
    static List<Case> fixtures() throws IOException {
        try (InputStream in = Gpt2VocabularyTest.class.getResourceAsStream("/tokenizer/gpt2-fixtures.json")) {
            Map<String, Object> root = (Map<String, Object>) Json.parse(Json.readUtf8(in));
            List<Case> out = new ArrayList<>();
            for (Object o : (List<Object>) root.get("cases")) {
                Map<String, Object> c = (Map<String, Object>) o;
                out.add(new Case((String) c.get("text"), ints(c.get("ids")), c.containsKey("encoderJsIds") ? ints(c.get("encoderJsIds")) : null));
            }
            return out;
        }
    }

    private static int[] ints(Object list) {
        List<?> l = (List<?>) list;
        int[] a = new int[l.size()];
        for (int i = 0; i < a.length; i++) a[i] = (int) (long) (Long) l.get(i);
        return a;
    }

    @Test
    void encodesTheCorpusAsGpt2() throws IOException {
        assumeVocabulary();
        List<Case> cases = fixtures();
        assertThat(cases).hasSizeGreaterThanOrEqualTo(60);
        int quirks = 0;
        for (Case c : cases) {
            assertThat(gpt2.encode(c.text())).as("ids of %s", c.text()).containsExactly(c.ids());
            assertThat(gpt2.decode(c.ids())).isEqualTo(c.text());
            if (c.encoderJsIds() != null) {
                quirks++;
                assertThat(gpt2.encode(c.text())).isNotEqualTo(c.encoderJsIds());
            }
        }
        assertThat(quirks).as("cases where Encoder.js's \\s differs from Python's").isEqualTo(2);
        System.out.printf("GPT-2 fixtures: %d cases match (%d where Encoder.js differs from Python GPT-2)%n", cases.size(), quirks);
    }

    @Test
    void knownIds() {
        assumeVocabulary();
        assertThat(gpt2.vocabSize()).isEqualTo(50257);
        assertThat(gpt2.eosId()).isEqualTo(50256);
        assertThat(gpt2.token(50256)).isEqualTo("<|endoftext|>");
        assertThat(gpt2.isSpecial(50256)).isTrue();
        assertThat(gpt2.tokenId("\u0120the")).isEqualTo(262);
        assertThat(gpt2.encode("Hello world")).containsExactly(15496, 995);
        assertThat(gpt2.encode("Hello<|endoftext|>", true)).containsExactly(15496, 50256);
        assertThat(gpt2.encode("Hello<|endoftext|>")).doesNotContain(50256);
    }

    @Test
    void streamingDecodeOfTheCorpusEqualsDecode() throws IOException {
        assumeVocabulary();
        for (Case c : fixtures()) {
            ByteLevelBpeTokenizer.Decoder d = gpt2.decoder();
            StringBuilder sb = new StringBuilder();
            for (int id : c.ids()) {
                String piece = d.append(id);
                assertThat(piece).doesNotContain("\uFFFD");
                sb.append(piece);
            }
            sb.append(d.flush());
            assertThat(sb.toString()).isEqualTo(c.text());
        }
    }

    @Test
    void tokenizerJsonFolderGivesTheSameIds(@TempDir Path dir) throws IOException {
        assumeVocabulary();
        // A Hugging Face style tokenizer.json built from the same files, merges as "a b" strings.
        StringBuilder merges = new StringBuilder("[");
        String bpe = Json.readUtf8(vocabDir.resolve("vocab.bpe"));
        boolean first = true;
        for (String line : bpe.split("\n")) {
            if (line.isEmpty() || line.startsWith("#version")) continue;
            merges.append(first ? "" : ",").append(ByteLevelBpeTokenizerTest.jsonString(line));
            first = false;
        }
        merges.append(']');
        String json = "{\"version\":\"1.0\",\"added_tokens\":[{\"id\":50256,\"content\":\"<|endoftext|>\",\"single_word\":false,"
                + "\"lstrip\":false,\"rstrip\":false,\"normalized\":true,\"special\":true}],\"normalizer\":null,"
                + "\"pre_tokenizer\":{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":true},"
                + "\"post_processor\":{\"type\":\"ByteLevel\",\"add_prefix_space\":true,\"trim_offsets\":false,\"use_regex\":true},"
                + "\"decoder\":{\"type\":\"ByteLevel\",\"add_prefix_space\":true,\"trim_offsets\":true,\"use_regex\":true},"
                + "\"model\":{\"type\":\"BPE\",\"dropout\":null,\"unk_token\":null,\"continuing_subword_prefix\":\"\","
                + "\"end_of_word_suffix\":\"\",\"fuse_unk\":false,\"byte_fallback\":false,\"vocab\":"
                + Json.readUtf8(vocabDir.resolve("encoder.json")) + ",\"merges\":" + merges + "}}";
        Files.write(dir.resolve("tokenizer.json"), json.getBytes(StandardCharsets.UTF_8));
        long t0 = System.nanoTime();
        ByteLevelBpeTokenizer hf = ByteLevelBpeTokenizer.fromFolder(dir);
        System.out.printf("GPT-2 tokenizer.json loaded in %.1f ms (first load in this test)%n", (System.nanoTime() - t0) / 1e6);
        assertThat(hf.vocabSize()).isEqualTo(50257);
        assertThat(hf.eosId()).isEqualTo(50256);
        for (Case c : fixtures()) assertThat(hf.encode(c.text())).as(c.text()).containsExactly(c.ids());
    }

    @Test
    void throughput() throws IOException {
        assumeVocabulary();
        StringBuilder sb = new StringBuilder();
        for (Case c : fixtures()) sb.append(c.text()).append('\n');
        String corpus = sb.toString();
        StringBuilder big = new StringBuilder();
        while (big.length() < 2_000_000) big.append(corpus);
        String text = big.toString();
        int bytes = text.getBytes(StandardCharsets.UTF_8).length;
        for (int i = 0; i < 3; i++) gpt2.encode(text);
        long t0 = System.nanoTime();
        int[] ids = gpt2.encode(text);
        double s = (System.nanoTime() - t0) / 1e9;
        long t1 = System.nanoTime();
        String back = gpt2.decode(ids);
        double sd = (System.nanoTime() - t1) / 1e9;
        assertThat(back).isEqualTo(text);
        System.out.printf("GPT-2 encode: %.1f MB/s, %.2f M tokens/s (%d tokens, word cache warm); decode: %.1f MB/s%n",
                bytes / s / 1e6, ids.length / s / 1e6, ids.length, bytes / sd / 1e6);

        // Words never seen before: the cache does not help, BPE runs for each.
        StringBuilder fresh = new StringBuilder();
        java.util.Random r = new java.util.Random(1);
        while (fresh.length() < 1_000_000) {
            int len = 3 + r.nextInt(10);
            fresh.append(' ');
            for (int i = 0; i < len; i++) fresh.append((char) ('a' + r.nextInt(26)));
        }
        String freshText = fresh.toString();
        long t2 = System.nanoTime();
        int[] freshIds = gpt2.encode(freshText);
        double sf = (System.nanoTime() - t2) / 1e9;
        System.out.printf("GPT-2 encode of random words (cache mostly missing): %.1f MB/s, %.2f M tokens/s%n",
                freshText.length() / sf / 1e6, freshIds.length / sf / 1e6);
    }
}
