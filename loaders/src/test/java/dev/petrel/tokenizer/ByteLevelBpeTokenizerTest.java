package dev.petrel.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.petrel.ModelFormatException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A hand-made byte-level vocabulary (the 256 byte tokens, ids 0..255, then the merged tokens), to pin each rule by hand. */
class ByteLevelBpeTokenizerTest {

    /** vocab.json text: the byte alphabet in byte order, then {@code extra} from id 256 on. */
    static String vocabJson(String... extra) {
        StringBuilder sb = new StringBuilder("{");
        for (int b = 0; b < 256; b++) {
            sb.append(b == 0 ? "" : ",").append(jsonString(String.valueOf(ByteLevelAlphabet.charOf(b)))).append(':').append(b);
        }
        for (int i = 0; i < extra.length; i++) sb.append(',').append(jsonString(extra[i])).append(':').append(256 + i);
        return sb.append('}').toString();
    }

    static String jsonString(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) sb.append(String.format("\\u%04x", (int) s.charAt(i)));
        return sb.append('"').toString();
    }

    private static ByteLevelBpeTokenizer tokenizer(String[] extra, String... merges) {
        return ByteLevelBpeTokenizer.fromVocabAndMerges(vocabJson(extra), "#version: 0.2\n" + String.join("\n", merges) + "\n");
    }

    private static List<String> tokens(ByteLevelBpeTokenizer tok, int[] ids) {
        List<String> out = new ArrayList<>();
        for (int id : ids) out.add(tok.token(id));
        return out;
    }

    // ------------------------------------------------------------------ byte alphabet and pre-tokenization

    @Test
    void byteAlphabetIsGpt2s() {
        assertThat(ByteLevelAlphabet.charOf(' ')).isEqualTo('\u0120');   // Ġ
        assertThat(ByteLevelAlphabet.charOf('\n')).isEqualTo('\u010A');  // Ċ
        assertThat(ByteLevelAlphabet.charOf(0)).isEqualTo('\u0100');
        assertThat(ByteLevelAlphabet.charOf(0xAD)).isEqualTo('\u0143');  // soft hyphen, the last shifted byte
        assertThat(ByteLevelAlphabet.charOf('a')).isEqualTo('a');
        assertThat(ByteLevelAlphabet.charOf(0xE9)).isEqualTo('\u00E9');
        for (int b = 0; b < 256; b++) assertThat(ByteLevelAlphabet.byteOf(ByteLevelAlphabet.charOf(b))).isEqualTo(b);
        assertThat(ByteLevelAlphabet.byteOf(' ')).isEqualTo(-1);
        assertThat(ByteLevelAlphabet.byteOf('\u0144')).isEqualTo(-1);
    }

    static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < text.length(); ) {
            int end = Gpt2Pretokenizer.next(text, i, text.length());
            out.add(text.substring(i, end));
            i = end;
        }
        return out;
    }

    @Test
    void preTokenizesLikeGpt2sPattern() {
        assertThat(split("Hello world")).containsExactly("Hello", " world");
        assertThat(split("I'm here, they'll go")).containsExactly("I", "'m", " here", ",", " they", "'ll", " go");
        assertThat(split("I'M 'sup")).containsExactly("I", "'", "M", " '", "sup");
        assertThat(split("''s x'")).containsExactly("''", "s", " x", "'");
        assertThat(split("a  b")).containsExactly("a", " ", " b");
        assertThat(split("a   \n\nb  ")).containsExactly("a", "   \n", "\n", "b", "  ");
        assertThat(split("x\ny")).containsExactly("x", "\n", "y");
        assertThat(split("abc123 456!?.. ")).containsExactly("abc", "123", " 456", "!?..", " ");
        assertThat(split("e\u0301t\u00E9")).containsExactly("e", "\u0301", "t\u00E9");
        assertThat(split("\u65E5\u672C \uD83D\uDE00\uD83D\uDE00")).containsExactly("\u65E5\u672C", " \uD83D\uDE00\uD83D\uDE00");
        // U+0085 is white space for Python's regex (and so GPT-2), U+FEFF is not.
        assertThat(split("a \u0085b")).containsExactly("a", " ", "\u0085", "b");
        assertThat(split("x \uFEFFy")).containsExactly("x", " \uFEFF", "y");
        assertThat(split("\u00A0\u00A0a")).containsExactly("\u00A0", "\u00A0", "a");
    }

    // ------------------------------------------------------------------ merges

    @Test
    void mergesGoByRank() {
        String[] extra = {"ab", "bc", "abc"};
        ByteLevelBpeTokenizer abFirst = tokenizer(extra, "a b", "b c", "ab c");
        assertThat(tokens(abFirst, abFirst.encode("abc"))).containsExactly("abc");
        ByteLevelBpeTokenizer bcFirst = tokenizer(extra, "b c", "a b", "ab c");
        assertThat(tokens(bcFirst, bcFirst.encode("abc"))).containsExactly("a", "bc");
        assertThat(bcFirst.encode("abc")).containsExactly('a', 257);
    }

    @Test
    void mergesEveryOccurrenceLeftToRightWithoutOverlap() {
        ByteLevelBpeTokenizer tok = tokenizer(new String[] {"aa", "aaaa"}, "a a", "aa aa");
        assertThat(tokens(tok, tok.encode("aaa"))).containsExactly("aa", "a");
        assertThat(tokens(tok, tok.encode("aaaa"))).containsExactly("aaaa");
        assertThat(tokens(tok, tok.encode("aaaaa"))).containsExactly("aaaa", "a");
    }

    @Test
    void allOccurrencesOfOneRankMergeBeforeLowerRanksTheyCreate() {
        // GPT-2's loop merges every "a b" before looking again; a pair "ab a" of lower rank only exists after.
        ByteLevelBpeTokenizer tok = tokenizer(new String[] {"ab", "aba", "abab"}, "ab a", "a b", "ab ab");
        assertThat(tokens(tok, tok.encode("abab"))).containsExactly("abab");
    }

    @Test
    void spaceBelongsToTheFollowingWord() {
        ByteLevelBpeTokenizer tok = tokenizer(new String[] {"\u0120t", "he", "\u0120the"}, "\u0120 t", "h e", "\u0120t he");
        assertThat(tokens(tok, tok.encode("the the"))).containsExactly("t", "he", "\u0120the");
        assertThat(tok.decode(tok.encode("the the"))).isEqualTo("the the");
    }

    @Test
    void longWordsAreLinearish() {
        ByteLevelBpeTokenizer tok = tokenizer(new String[] {"aa", "aaaa"}, "a a", "aa aa");
        String word = "a".repeat(200_001);
        int[] ids = tok.encode(word);
        assertThat(ids).hasSize(50_001);
        assertThat(ids[ids.length - 1]).isEqualTo('a');
        assertThat(tok.decode(ids)).isEqualTo(word);
    }

    // ------------------------------------------------------------------ special tokens and vocabulary

    @Test
    void specialTokensOnlyWhenAllowed() {
        ByteLevelBpeTokenizer tok = tokenizer(new String[] {"hi", "<|endoftext|>"}, "h i");
        int eos = tok.eosId();
        assertThat(eos).isEqualTo(257);
        assertThat(tok.isSpecial(eos)).isTrue();
        assertThat(tok.isSpecial('h')).isFalse();
        assertThat(tok.encode("hi<|endoftext|>hi", true)).containsExactly(256, eos, 256);
        int[] plain = tok.encode("hi<|endoftext|>hi");
        assertThat(plain).doesNotContain(eos).hasSize(2 + 13 + 1 - 1);
        assertThat(tok.decode(plain)).isEqualTo("hi<|endoftext|>hi");
        assertThat(tok.decode(new int[] {256, eos})).isEqualTo("hi<|endoftext|>");
        assertThat(tok.encode("<|endoftext|><|endoftext|>", true)).containsExactly(eos, eos);
        assertThat(tok.encode("", true)).isEmpty();
    }

    @Test
    void vocabularyLookups() {
        ByteLevelBpeTokenizer tok = tokenizer(new String[] {"\u0120a"}, "\u0120 a");
        assertThat(tok.vocabSize()).isEqualTo(257);
        assertThat(tok.tokenId("\u0120a")).isEqualTo(256);
        assertThat(tok.tokenId(" a")).isEqualTo(-1);
        assertThat(tok.token(256)).isEqualTo("\u0120a");
        assertThat(tok.eosId()).isEqualTo(-1);
        assertThatThrownBy(() -> tok.token(257)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("257");
    }

    // ------------------------------------------------------------------ decoding

    @Test
    void decodeRejectsIdsOutOfRange() {
        ByteLevelBpeTokenizer tok = tokenizer(new String[0]);
        assertThatThrownBy(() -> tok.decode(new int[] {'a', 256})).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("token id 256 out of range [0, 256)");
        assertThatThrownBy(() -> tok.decode(new int[] {-1})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tok.decoder().append(999)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void streamingDecoderHoldsBackSplitCharacters() {
        ByteLevelBpeTokenizer tok = tokenizer(new String[0]);
        int[] ids = tok.encode("\u00E9\uD83D\uDE00!");   // é (2 bytes), 😀 (4 bytes), !: one token per byte
        assertThat(ids).hasSize(7);
        ByteLevelBpeTokenizer.Decoder d = tok.decoder();
        assertThat(d.append(ids[0])).isEmpty();
        assertThat(d.append(ids[1])).isEqualTo("\u00E9");
        assertThat(d.append(ids[2])).isEmpty();
        assertThat(d.append(ids[3])).isEmpty();
        assertThat(d.append(ids[4])).isEmpty();
        assertThat(d.append(ids[5])).isEqualTo("\uD83D\uDE00");
        assertThat(d.append(ids[6])).isEqualTo("!");
        assertThat(d.flush()).isEmpty();
        // An unfinished character comes out as one U+FFFD at the end, as decode() gives.
        assertThat(d.append(ids[2])).isEmpty();
        assertThat(d.append(ids[3])).isEmpty();
        assertThat(d.flush()).isEqualTo("\uFFFD").isEqualTo(tok.decode(new int[] {ids[2], ids[3]}));
        // A byte that cannot continue the character is not held back.
        assertThat(d.append(ids[0])).isEmpty();
        assertThat(d.append('a')).isEqualTo("\uFFFDa");
    }

    @Test
    void invalidUtf8BecomesOneReplacementPerMaximalSubpart() {
        ByteLevelBpeTokenizer tok = tokenizer(new String[0]);
        // F0 9F 98 is a valid start of a 4-byte character cut short, then 'x'; C0 and FF are never valid.
        int[] ids = {0xF0, 0x9F, 0x98, 'x', 0xC0, 0xFF, 0xED, 0xA0, 0x80};
        int[] byteTokens = new int[ids.length];
        for (int i = 0; i < ids.length; i++) byteTokens[i] = ids[i];
        assertThat(tok.decode(byteTokens)).isEqualTo("\uFFFDx\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD");
        // Python's bytes.decode("utf-8", "replace") and JavaScript's TextDecoder give these.
        assertThat(utf8(0xED, 0xA0)).isEqualTo("\uFFFD\uFFFD");
        assertThat(utf8(0xE0, 0x80)).isEqualTo("\uFFFD\uFFFD");
        assertThat(utf8(0xF4, 0x90, 0x80, 0x80)).isEqualTo("\uFFFD\uFFFD\uFFFD\uFFFD");
        assertThat(utf8(0xC0, 0xAF)).isEqualTo("\uFFFD\uFFFD");
        assertThat(utf8(0xF0, 0x9F, 0x98)).isEqualTo("\uFFFD");
        assertThat(utf8(0xE2, 0x82, 0xAC, 0xE2, 0x82)).isEqualTo("\u20AC\uFFFD");
    }

    private static String utf8(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) bytes[i];
        StringBuilder sb = new StringBuilder();
        Utf8.decode(b, 0, b.length, sb, true);
        return sb.toString();
    }

    // ------------------------------------------------------------------ malformed files

    @Test
    void mergesOfUnknownTokensAreRefusedWithTheLine() {
        assertThatThrownBy(() -> tokenizer(new String[] {"ab"}, "a b", "ab c"))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("merges.txt line 3").hasMessageContaining("'abc'");
        assertThatThrownBy(() -> tokenizer(new String[] {"ab"}, "a b", "ab \u4E2D"))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("'\u4E2D'");
    }

    @Test
    void malformedMergeLinesAreRefusedWithTheLine() {
        assertThatThrownBy(() -> tokenizer(new String[] {"ab"}, "a b", "a b c"))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("merges.txt line 3: expected two tokens");
        assertThatThrownBy(() -> tokenizer(new String[] {"ab"}, "ab"))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("line 2");
    }

    @Test
    void malformedVocabIsRefused() {
        assertThatThrownBy(() -> ByteLevelBpeTokenizer.fromVocabAndMerges("{\"a\": \"1\"}", ""))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("vocab.json").hasMessageContaining("'a'");
        assertThatThrownBy(() -> ByteLevelBpeTokenizer.fromVocabAndMerges("[1, 2]", ""))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("vocab.json");
        assertThatThrownBy(() -> ByteLevelBpeTokenizer.fromVocabAndMerges("{\"a\": 1,", ""))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("vocab.json");
        assertThatThrownBy(() -> ByteLevelBpeTokenizer.fromVocabAndMerges("{\"a\": 1, \"b\": 1}", ""))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("id 1");
    }

    @Test
    void bytesWithoutATokenAreAnError() {
        ByteLevelBpeTokenizer tok = ByteLevelBpeTokenizer.fromVocabAndMerges("{\"a\": 0, \"b\": 1, \"ab\": 2}", "a b\n");
        assertThat(tok.encode("ab")).containsExactly(2);
        assertThatThrownBy(() -> tok.encode("ac")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("byte 0x63");
    }

    // ------------------------------------------------------------------ tokenizer.json and folders

    private static String tokenizerJson(String preTokenizer, String merges, String added) {
        String vocab = vocabJson("hi", "\u0120hi", "<|endoftext|>", "<pad>", "i\u0120");
        return "{\"version\": \"1.0\", \"added_tokens\": [" + added + "], \"normalizer\": null,"
                + " \"pre_tokenizer\": " + preTokenizer + ","
                + " \"post_processor\": {\"type\": \"ByteLevel\", \"trim_offsets\": true},"
                + " \"decoder\": {\"type\": \"ByteLevel\"},"
                + " \"model\": {\"type\": \"BPE\", \"dropout\": null, \"unk_token\": null, \"continuing_subword_prefix\": \"\","
                + " \"end_of_word_suffix\": \"\", \"fuse_unk\": false, \"vocab\": " + vocab + ", \"merges\": " + merges + "}}";
    }

    private static final String BYTE_LEVEL = "{\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": true, \"use_regex\": true}";
    private static final String ADDED = "{\"id\": 258, \"content\": \"<|endoftext|>\", \"special\": true},"
            + " {\"id\": 261, \"content\": \"[ne\u00FC]\", \"special\": false}";

    @Test
    void readsTokenizerJsonWithMergesAsStringsOrPairs() {
        for (String merges : new String[] {"[\"h i\", \"\\u0120 hi\"]", "[[\"h\", \"i\"], [\"\\u0120\", \"hi\"]]"}) {
            ByteLevelBpeTokenizer tok = ByteLevelBpeTokenizer.fromJson(tokenizerJson(BYTE_LEVEL, merges, ADDED));
            assertThat(tok.encode("hi hi")).containsExactly(256, 257);
            assertThat(tok.eosId()).isEqualTo(258);
            assertThat(tok.vocabSize()).isEqualTo(262);
            // Added tokens not flagged special are always matched; special ones only when allowed.
            assertThat(tok.encode("hi[ne\u00FC]<|endoftext|>")).startsWith(256, 261).doesNotContain(258);
            assertThat(tok.encode("hi[ne\u00FC]<|endoftext|>", true)).containsExactly(256, 261, 258);
            assertThat(tok.isSpecial(261)).isFalse();
            assertThat(tok.decode(new int[] {261, 257})).isEqualTo("[ne\u00FC] hi");
        }
    }

    @Test
    void addPrefixSpaceAndNoRegex() {
        String merges = "[\"h i\", \"\\u0120 hi\"]";
        ByteLevelBpeTokenizer prefixed = ByteLevelBpeTokenizer.fromJson(tokenizerJson(
                "{\"type\": \"ByteLevel\", \"add_prefix_space\": true, \"use_regex\": true}", merges, ADDED));
        assertThat(prefixed.encode("hi")).containsExactly(257);
        ByteLevelBpeTokenizer whole = ByteLevelBpeTokenizer.fromJson(tokenizerJson(
                "{\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"use_regex\": false}", "[\"i \\u0120\"]", ADDED));
        // Without the pattern the text is one word, so a merge may cross what the pattern would cut.
        assertThat(tokens(whole, whole.encode("hi h"))).containsExactly("h", "i\u0120", "h");
        ByteLevelBpeTokenizer split = ByteLevelBpeTokenizer.fromJson(tokenizerJson(BYTE_LEVEL, "[\"i \\u0120\"]", ADDED));
        assertThat(tokens(split, split.encode("hi h"))).containsExactly("h", "i", "\u0120", "h");
    }

    @Test
    void refusesOtherPipelines() {
        String merges = "[\"h i\"]";
        assertThatThrownBy(() -> ByteLevelBpeTokenizer.fromJson(tokenizerJson("{\"type\": \"Whitespace\"}", merges, "")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pre_tokenizer Whitespace not supported");
        assertThatThrownBy(() -> ByteLevelBpeTokenizer.fromJson(tokenizerJson(BYTE_LEVEL, merges, "").replace("\"BPE\"", "\"WordPiece\"")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("model type WordPiece");
        assertThatThrownBy(() -> ByteLevelBpeTokenizer.fromJson(tokenizerJson(BYTE_LEVEL, "[\"h i\", \"x\"]", "")))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("model.merges[1]");
        assertThatThrownBy(() -> ByteLevelBpeTokenizer.fromJson(tokenizerJson(BYTE_LEVEL, "[\"h i\", \"hi q\"]", "")))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("model.merges[1]").hasMessageContaining("'hiq'");
    }

    @Test
    void fromFolderPrefersTokenizerJson(@TempDir Path dir) throws IOException {
        Files.write(dir.resolve("vocab.json"), vocabJson("hi").getBytes(StandardCharsets.UTF_8));
        Files.write(dir.resolve("merges.txt"), "#version: 0.2\r\nh i\r\n".getBytes(StandardCharsets.UTF_8));
        ByteLevelBpeTokenizer fromFiles = ByteLevelBpeTokenizer.fromFolder(dir);
        assertThat(fromFiles.encode("hi")).containsExactly(256);
        assertThat(fromFiles.vocabSize()).isEqualTo(257);

        Files.write(dir.resolve("tokenizer.json"), tokenizerJson(BYTE_LEVEL, "[\"h i\"]", ADDED).getBytes(StandardCharsets.UTF_8));
        Files.write(dir.resolve("tokenizer_config.json"), "{\"eos_token\": {\"content\": \"<pad>\"}}".getBytes(StandardCharsets.UTF_8));
        ByteLevelBpeTokenizer fromJson = ByteLevelBpeTokenizer.fromFolder(dir);
        assertThat(fromJson.vocabSize()).isEqualTo(262);
        assertThat(fromJson.eosId()).isEqualTo(259);

        Files.write(dir.resolve("merges.txt"), "h i\nh\n".getBytes(StandardCharsets.UTF_8));
        Path mergesFile = dir.resolve("merges.txt");
        assertThatThrownBy(() -> ByteLevelBpeTokenizer.load(dir.resolve("vocab.json"), mergesFile))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining(mergesFile + " line 2");
    }
}
