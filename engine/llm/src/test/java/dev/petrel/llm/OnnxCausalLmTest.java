package dev.petrel.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.petrel.InvalidInputException;
import dev.petrel.ModelFormatException;
import dev.petrel.Options;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fixtures' ONNX exports of gpt2-tiny (see src/test/resources/gpt2/README.md) run through the general
 * engine must continue the prompts exactly as the HF folder's float64 reference does, with logits within
 * 1e-4 (PyTorch float32 itself is within 5e-6 of that reference).
 */
class OnnxCausalLmTest {
    private static final Path ONNX = Fixtures.folder("onnx");
    private static final double TOLERANCE = 1e-4;

    @TempDir
    Path tmp;

    private static OnnxCausalLm load(Path p) {
        try {
            return OnnxCausalLm.load(p, new Options().threads(1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny-past-opset14.onnx", "gpt2-tiny-past-opset17.onnx", "gpt2-tiny-merged-opset17.onnx",
            "gpt2-tiny-nopast-opset14.onnx", "gpt2-tiny-nopast-opset17.onnx"})
    void greedyContinuationAndLogitsMatchTheReference(String file) {
        OnnxCausalLm lm = load(ONNX.resolve(file));
        assertThat(lm.vocabSize()).isEqualTo(507);
        assertThat(lm.capacity()).isEqualTo(128);   // the rows of transformer.wpe.weight: no config.json beside the file
        assertThat(lm.tokenizer()).isNull();
        assertThat(lm.layout()).isEqualTo(file.contains("merged") ? OnnxCausalLm.Layout.MERGED
                : file.contains("nopast") ? OnnxCausalLm.Layout.NO_PAST : OnnxCausalLm.Layout.WITH_PAST);
        if (!file.contains("nopast")) {
            assertThat(lm.layers()).isEqualTo(2);
            assertThat(lm.heads()).isEqualTo(4);
            assertThat(lm.headSize()).isEqualTo(16);
        }
        for (Map<String, Object> prompt : Fixtures.prompts(Fixtures.F32)) {
            int[] ids = Fixtures.ints(prompt.get("ids"));
            float[] expected = Fixtures.tensor(Fixtures.F32, (String) prompt.get("logits"));
            float[] actual = new float[expected.length];
            try (OnnxCausalLm.Decoder d = lm.newDecoder()) {
                d.prefill(ids, actual);
                assertThat(d.position()).isEqualTo(ids.length);
            }
            assertThat(Fixtures.maxAbsDiff(actual, expected)).as("%s, %d tokens", file, ids.length).isLessThan(TOLERANCE);
            try (Generator g = lm.newGenerator()) {
                assertThat(g.decoder()).isNull();
                GenerationResult r = g.generate(ids, GenerationOptions.greedy().maxNewTokens(24).stopAtEos(false), null);
                assertThat(r.tokens()).as("%s, prompt '%s'", file, prompt.get("text")).containsExactly(Fixtures.ints(prompt.get("greedy")));
                assertThat(r.stopReason()).isEqualTo(GenerationResult.StopReason.MAX_TOKENS);
                assertThat(r.text()).isEmpty();   // no tokenizer beside the file
            }
        }
    }

    /** The reference's kv_decode case: prefill prompt 0, then its first two greedy tokens one at a time. */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny-past-opset17.onnx", "gpt2-tiny-merged-opset17.onnx", "gpt2-tiny-nopast-opset17.onnx"})
    void singleTokenStepsMatchTheReferenceCacheDecode(String file) {
        @SuppressWarnings("unchecked")
        Map<String, Object> kv = (Map<String, Object>) Fixtures.reference(Fixtures.F32).get("kv_decode");
        int[] prompt = Fixtures.ints(Fixtures.prompts(Fixtures.F32).get(0).get("ids"));
        int[] steps = Fixtures.ints(kv.get("step_ids"));
        float[] expected = Fixtures.tensor(Fixtures.F32, (String) kv.get("logits"));
        OnnxCausalLm lm = load(ONNX.resolve(file));
        try (OnnxCausalLm.Decoder d = lm.newDecoder()) {
            d.prefill(prompt);
            for (int k = 0; k < steps.length; k++) {
                float[] row = java.util.Arrays.copyOfRange(expected, k * 507, (k + 1) * 507);
                float[] got = new float[507];
                java.nio.FloatBuffer logits = d.decode(steps[k]);
                for (int v = 0; v < got.length; v++) got[v] = logits.get(v);
                assertThat(Fixtures.maxAbsDiff(got, row)).as("%s step %d", file, k).isLessThan(TOLERANCE);
                if (!file.contains("nopast")) assertThat(d.pastBytes()).isEqualTo(2L * 2 * 4 * 16 * 4 * (prompt.length + k + 1));
            }
            assertThat(d.position()).isEqualTo(prompt.length + steps.length);
            d.reset();
            assertThat(d.position()).isZero();
            assertThat(d.pastBytes()).isZero();
        }
    }

    /** Optimum's folder layouts, with the tokenizer and config.json beside the files, give the same text. */
    @Test
    void optimumFoldersWithTokenizerGenerateTheReferenceText() throws IOException {
        Map<String, Object> prompt = Fixtures.prompts(Fixtures.F32).get(1);
        String[][] layouts = {
                {"merged", "gpt2-tiny-merged-opset17.onnx", "decoder_model_merged.onnx"},
                {"split", "gpt2-tiny-past-opset14.onnx", "decoder_with_past_model.onnx", "gpt2-tiny-nopast-opset14.onnx", "decoder_model.onnx"},
                {"single", "gpt2-tiny-past-opset17.onnx", "model.onnx"},
        };
        for (String[] layout : layouts) {
            Path dir = Files.createDirectories(tmp.resolve(layout[0]));
            for (int i = 1; i < layout.length; i += 2) Files.copy(ONNX.resolve(layout[i]), dir.resolve(layout[i + 1]));
            Files.copy(ONNX.resolve("gpt2-tiny-past.onnx_data"), dir.resolve("gpt2-tiny-past.onnx_data"));
            for (String f : List.of("config.json", "vocab.json", "merges.txt")) Files.copy(Fixtures.folder(Fixtures.F32).resolve(f), dir.resolve(f));
            OnnxCausalLm lm = load(dir);
            // decoder_model.onnx here outputs logits only, so the prompt runs through the with-past model too.
            assertThat(lm.layout()).as(layout[0]).isEqualTo(layout[0].equals("merged") ? OnnxCausalLm.Layout.MERGED : OnnxCausalLm.Layout.WITH_PAST);
            assertThat(lm.eosId()).isEqualTo(506);
            assertThat(lm.tokenizer()).isNotNull();
            assertThat(lm.toString()).contains("vocab 507").contains("context 128");
            StringBuilder streamed = new StringBuilder();
            try (Generator g = lm.newGenerator()) {
                GenerationResult r = g.generate((String) prompt.get("text"),
                        GenerationOptions.greedy().maxNewTokens(24).stopAtEos(false), streamed::append);
                assertThat(r.text()).as(layout[0]).isEqualTo(prompt.get("greedy_text"));
                assertThat(streamed.toString()).isEqualTo(r.text());
            }
        }
    }

    @Test
    void contextAndVocabularyLimitsAreChecked() {
        OnnxCausalLm lm = load(ONNX.resolve("gpt2-tiny-past-opset17.onnx"));
        try (OnnxCausalLm.Decoder d = lm.newDecoder()) {
            assertThatThrownBy(() -> d.prefill(new int[] {1, 507})).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("token id 507 (input 1) is outside the vocabulary [0, 507)");
            assertThatThrownBy(() -> d.prefill(new int[129])).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("do not fit the model's 128 positions");
            assertThat(d.position()).isZero();
        }
    }

    @Test
    void foldersWithoutADecoderAreRejected() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertThatThrownBy(() -> OnnxCausalLm.load(empty)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("no decoder export found");
        assertThatThrownBy(() -> OnnxCausalLm.load(tmp.resolve("missing"))).isInstanceOf(java.nio.file.NoSuchFileException.class);
    }
}
