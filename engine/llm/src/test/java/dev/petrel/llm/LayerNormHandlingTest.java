package dev.petrel.llm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** LN-free fold vs literal LayerNorm, and the Pre-RMSNorm conversion, against each other and the references. */
class LayerNormHandlingTest {

    @Test
    void lnFreeModelIsRecognizedAndFolded() {
        Gpt2Model model = Fixtures.model(Fixtures.LN_FREE);
        assertThat(model.config().isLayerNormFree()).isTrue();
        assertThat(model.weights().blockNorm()).isEqualTo(Gpt2Weights.Norm.FOLDED);
        assertThat(model.weights().finalNorm()).isEqualTo(Gpt2Weights.Norm.CENTER_AFFINE);
        // c_attn and c_fc of both layers (weights and biases) plus ln_f's scale are new fp32 arrays.
        int d = 64;
        long folded = 2L * (d * 3 * d + 3 * d + d * 4 * d + 4 * d) + d;
        assertThat(model.weights().copiedBytes()).isEqualTo(4 * folded);
    }

    /** Folded (one fp32 rounding of C·diag(g)·W) vs the stored LayerNorms run literally in fp32. */
    @Test
    void foldedLnFreeEqualsLiteralLayerNorms() {
        Gpt2Model folded = Fixtures.model(Fixtures.LN_FREE);
        Gpt2Model literal = Fixtures.load(Fixtures.LN_FREE, DecoderOptions.defaults().literalLayerNorm(true));
        assertThat(literal.weights().blockNorm()).isEqualTo(Gpt2Weights.Norm.LAYER_NORM);
        for (Map<String, Object> prompt : Fixtures.prompts(Fixtures.LN_FREE)) {
            int[] ids = Fixtures.ints(prompt.get("ids"));
            float[] a = Fixtures.allLogits(folded, ids), b = Fixtures.allLogits(literal, ids);
            double rel = Fixtures.maxAbsDiff(a, b) / Fixtures.maxAbs(b);
            System.out.printf("LN-free folded vs literal, %d tokens: max relative diff %.2e%n", ids.length, rel);
            assertThat(rel).isLessThanOrEqualTo(1e-4);
            float[] ref = Fixtures.tensor(Fixtures.LN_FREE, (String) prompt.get("logits"));
            assertThat(Fixtures.maxAbsDiff(b, ref)).isLessThan(1e-4);
        }
    }

    /**
     * Pre-RMSNorm (recentered writers, LayerNorm as RMSNorm) equals the Pre-LN model in exact arithmetic;
     * in fp32 the recentered matrices are rounded once more and the stream's mean is 0 only to rounding,
     * so logits agree to about the same 1e-5 as fp32 agrees with the float64 reference.
     */
    @ParameterizedTest
    @ValueSource(strings = {Fixtures.F32, Fixtures.BF16, Fixtures.LN_FREE})
    void preRmsNormConversionKeepsTheLogits(String folder) {
        Gpt2Model rms = Fixtures.load(folder, DecoderOptions.defaults().preRmsNorm(true));
        assertThat(rms.weights().finalNorm()).isIn(Gpt2Weights.Norm.RMS_NORM, Gpt2Weights.Norm.AFFINE);
        for (Map<String, Object> prompt : Fixtures.prompts(folder)) {
            int[] ids = Fixtures.ints(prompt.get("ids"));
            float[] converted = Fixtures.allLogits(rms, ids);
            float[] original = Fixtures.allLogits(Fixtures.model(folder), ids);
            float[] ref = Fixtures.tensor(folder, (String) prompt.get("logits"));
            double rel = Fixtures.maxAbsDiff(converted, original) / Fixtures.maxAbs(original);
            System.out.printf("%s Pre-RMSNorm vs Pre-LN, %d tokens: max relative diff %.2e, vs reference %.2e%n",
                    folder, ids.length, rel, Fixtures.maxAbsDiff(converted, ref));
            assertThat(rel).isLessThanOrEqualTo(1e-5);
            assertThat(Fixtures.maxAbsDiff(converted, ref)).isLessThan(1e-4);
        }
        try (Generator g = rms.newGenerator()) {
            Map<String, Object> prompt = Fixtures.prompts(folder).get(1);
            GenerationResult r = g.generate((String) prompt.get("text"), GenerationOptions.greedy().maxNewTokens(24).stopAtEos(false), null);
            assertThat(r.tokens()).containsExactly(Fixtures.ints(prompt.get("greedy")));
        }
    }

    @Test
    void residualStreamHasMeanZeroAfterConversion() {
        Gpt2Model rms = Fixtures.load(Fixtures.F32, DecoderOptions.defaults().preRmsNorm(true));
        int[] ids = Fixtures.ints(Fixtures.prompts(Fixtures.F32).get(1).get("ids"));
        float[][] trace = new float[6][64];
        try (Gpt2Decoder d = rms.newDecoder()) {
            d.trace(7, trace);
            d.prefill(ids);
        }
        for (float[] component : trace) {
            double mean = 0, scale = 0;
            for (float v : component) {
                mean += v;
                scale = Math.max(scale, Math.abs(v));
            }
            assertThat(Math.abs(mean / 64)).isLessThan(1e-6 * Math.max(1, scale));
        }
    }

    @Test
    void optionsRefuseContradictoryLayerNormModes() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DecoderOptions.defaults().literalLayerNorm(true).preRmsNorm(true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exclude");
    }
}
