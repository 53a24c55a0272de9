package dev.petrel.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A toy tokenizer.json, to pin each stage of the pipeline by hand. */
class WordPieceTokenizerTest {
    private static final String TOY = """
            {
              "version": "1.0",
              "truncation": null,
              "padding": null,
              "added_tokens": [
                {"id": 0, "content": "[PAD]", "special": true, "normalized": false},
                {"id": 1, "content": "[UNK]", "special": true, "normalized": false},
                {"id": 2, "content": "[CLS]", "special": true, "normalized": false},
                {"id": 3, "content": "[SEP]", "special": true, "normalized": false},
                {"id": 4, "content": "[MASK]", "special": true, "normalized": false, "lstrip": true}
              ],
              "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
                             "strip_accents": null, "lowercase": true},
              "pre_tokenizer": {"type": "BertPreTokenizer"},
              "post_processor": {"type": "TemplateProcessing",
                "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                           {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
                "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]},
                                   "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}}},
              "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                        "max_input_chars_per_word": 9,
                        "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "[MASK]": 4,
                                  "un": 5, "##aff": 6, "##able": 7, "cafe": 8, ",": 9, "中": 10, "σ": 11, "##σ": 12,
                                  "a": 13, "!": 14, "\\u00e9": 15}}
            }
            """;

    private final WordPieceTokenizer tok = WordPieceTokenizer.fromJson(TOY);

    private List<String> tokens(String text) {
        return tok.encode(text).tokens();
    }

    @Test
    void splitsWordsGreedilyIntoPieces() {
        Encoding e = tok.encode("unaffable");
        assertThat(e.tokens()).containsExactly("[CLS]", "un", "##aff", "##able", "[SEP]");
        assertThat(e.ids()).containsExactly(2, 5, 6, 7, 3);
        assertThat(e.attentionMask()).containsExactly(1, 1, 1, 1, 1);
        assertThat(e.typeIds()).containsExactly(0, 0, 0, 0, 0);
    }

    @Test
    void unknownPieceMakesTheWholeWordUnknown() {
        assertThat(tokens("unaffx a")).containsExactly("[CLS]", "[UNK]", "a", "[SEP]");
    }

    @Test
    void wordsLongerThanTheLimitAreUnknown() {
        // max_input_chars_per_word is 9 here; "unaffable" (9) fits, ten a's do not, though "a" is in the vocabulary.
        assertThat(tokens("unaffable aaaaaaaaaa")).containsExactly("[CLS]", "un", "##aff", "##able", "[UNK]", "[SEP]");
        assertThat(tokens("cafe aaaaaaaaaa")).containsExactly("[CLS]", "cafe", "[UNK]", "[SEP]");
    }

    @Test
    void normalizesCaseAccentsControlsAndChinese() {
        assertThat(tokens("CAFÉ,中a")).containsExactly("[CLS]", "cafe", ",", "中", "a", "[SEP]");
        assertThat(tokens("a\u0000\u200Ba")).containsExactly("[CLS]", "[UNK]", "[SEP]");
        assertThat(tokens("\u00A0a\u3000!")).containsExactly("[CLS]", "a", "!", "[SEP]");
        // Final capital sigma lowercases to the plain sigma (no final-form context), as in Hugging Face.
        assertThat(tokens("ΣΣ")).containsExactly("[CLS]", "σ", "##σ", "[SEP]");
        assertThat(tok.normalize("İ")).isEqualTo("i");
    }

    @Test
    void addedTokensAreMatchedInTheRawText() {
        assertThat(tokens("a[MASK]a")).containsExactly("[CLS]", "a", "[MASK]", "a", "[SEP]");
        // Matching is case-sensitive and happens before normalization: "[mask]" is three ordinary words.
        assertThat(tokens("[mask]")).containsExactly("[CLS]", "[UNK]", "[UNK]", "[UNK]", "[SEP]");
        assertThat(tok.encode("a   [MASK]").ids()).containsExactly(2, 13, 4, 3);
    }

    @Test
    void emptyAndBlankTextsGiveOnlySpecialTokens() {
        assertThat(tokens("")).containsExactly("[CLS]", "[SEP]");
        assertThat(tokens(" \t\n ")).containsExactly("[CLS]", "[SEP]");
    }

    @Test
    void accentsAreKeptWhenNotLowercasing() {
        WordPieceTokenizer cased = WordPieceTokenizer.fromJson(TOY.replace("\"lowercase\": true", "\"lowercase\": false"));
        assertThat(cased.encode("é").tokens()).containsExactly("[CLS]", "é", "[SEP]");
        assertThat(tok.encode("é").tokens()).containsExactly("[CLS]", "[UNK]", "[SEP]");
    }

    @Test
    void refusesOtherPipelines() {
        assertThatThrownBy(() -> WordPieceTokenizer.fromJson(TOY.replace("\"BertPreTokenizer\"", "\"ByteLevel\"")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pre_tokenizer ByteLevel not supported");
        assertThatThrownBy(() -> WordPieceTokenizer.fromJson(TOY.replace("\"type\": \"WordPiece\"", "\"type\": \"BPE\"")))
                .hasMessageContaining("model type BPE not supported");
    }
}
