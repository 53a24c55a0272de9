package dev.petrel.llm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fixtures' references are float64 computations from the stored weight values (F16/BF16 upcast
 * exactly), so weight rounding is already in them: for every folder the only difference left is our
 * fp32 arithmetic, and the bound is the same for F32, F16 and BF16 weights.
 *
 * <p>The bound: each logit is a dot product {@code Σ_i n_i·U[v,i]} over d = 64 channels of the final
 * normalized stream n. Its fp32 rounding error is at most {@code d·u·Σ_i |n_i·U[v,i]|} (u = 2⁻²⁴), and n
 * itself carries the relative error of the layers before it, each a residual add of dot products of
 * length at most n_inner = 256 over the stream. Summing the worst case over the 2·L + 1 writers gives
 * {@code (d + (2L + 1)·256)·u·M}, M the largest {@code Σ_i |n_i·U[v,i]|} of the row. For these models M
 * is 14-30 and this worst case 1.2e-3-2.4e-3. Rounding errors of independent sign add like a random walk,
 * so the typical size replaces each length n by √n: {@code (√d + (2L + 1)·√256)·u·M}, 7e-5-1.5e-4. Both
 * are asserted, the second as a sentinel for a kernel that sums worse than it should. Measured: 2e-6-1e-5
 * (PyTorch fp32 shows 5e-6-1e-5).
 */
class Gpt2ReferenceTest {
    private static final double U = Math.ulp(1.0f) / 2;

    @ParameterizedTest
    @ValueSource(strings = {Fixtures.F32, Fixtures.F16, Fixtures.BF16, Fixtures.LN_FREE})
    void logitsOfEveryPromptMatchTheFloat64Reference(String folder) {
        Gpt2Model model = Fixtures.model(folder);
        int vocab = model.config().vocabSize;
        for (Map<String, Object> prompt : Fixtures.prompts(folder)) {
            int[] ids = Fixtures.ints(prompt.get("ids"));
            assertThat(model.tokenizer().encode((String) prompt.get("text"))).containsExactly(ids);
            float[] expected = Fixtures.tensor(folder, (String) prompt.get("logits"));
            float[] actual = Fixtures.allLogits(model, ids);
            for (int r = 0; r < ids.length; r++) {
                double bound = roundingBound(model, ids, r, false), typical = roundingBound(model, ids, r, true);
                double diff = 0;
                for (int v = 0; v < vocab; v++) diff = Math.max(diff, Math.abs(actual[r * vocab + v] - expected[r * vocab + v]));
                assertThat(diff).as("%s, prompt '%s', row %d (bound %.2e)", folder, prompt.get("text"), r, bound).isLessThanOrEqualTo(bound);
                assertThat(diff).as("%s, prompt '%s', row %d (typical %.2e)", folder, prompt.get("text"), r, typical).isLessThanOrEqualTo(typical);
            }
            System.out.printf("%s, %d tokens: max |logit - ref| %.2e, bound of the last row %.2e%n", folder, ids.length,
                    Fixtures.maxAbsDiff(actual, expected), roundingBound(model, ids, ids.length - 1, false));
        }
    }

    /** {@code (d + (2L + 1)·n_inner)·u·M} or its √n form, see the class comment; M from the traced residual of row r. */
    static double roundingBound(Gpt2Model model, int[] ids, int r, boolean typical) {
        Gpt2Config c = model.config();
        Gpt2Weights w = model.weights();
        // The final normalized stream of row r, recomputed from the model's own traced residual.
        int d = c.embeddingSize;
        float[][] trace = new float[2 + 2 * c.layers][d];
        try (Gpt2Decoder decoder = model.newDecoder()) {
            decoder.trace(r, trace);
            decoder.prefill(java.util.Arrays.copyOf(ids, r + 1));
        }
        float[] x = trace[trace.length - 1];
        float[] n = new float[d];
        Gpt2Weights.Norm f = w.finalNorm;
        new PortableDecoderMath(dev.petrel.spi.Parallel.SEQUENTIAL).normalize(x, 1, d, f.center, f.divide, w.eps, w.lnFGamma, w.lnFBeta, n);
        double m = 0;
        for (int v = 0; v < c.vocabSize; v++) {
            double s = 0;
            for (int i = 0; i < d; i++) s += Math.abs(n[i] * w.lmHead.get(v * d + i));
            m = Math.max(m, s);
        }
        if (typical) return (Math.sqrt(d) + (2.0 * c.layers + 1) * Math.sqrt(c.innerSize)) * U * m;
        return (d + (2.0 * c.layers + 1) * c.innerSize) * U * m;
    }

    @ParameterizedTest
    @ValueSource(strings = {Fixtures.F32, Fixtures.F16, Fixtures.BF16, Fixtures.LN_FREE})
    void greedyContinuationsEqualTheReference(String folder) {
        Gpt2Model model = Fixtures.model(folder);
        try (Generator g = model.newGenerator()) {
            for (Map<String, Object> prompt : Fixtures.prompts(folder)) {
                int[] expected = Fixtures.ints(prompt.get("greedy"));
                StringBuilder streamed = new StringBuilder();
                GenerationResult r = g.generate((String) prompt.get("text"),
                        GenerationOptions.greedy().maxNewTokens(expected.length).stopAtEos(false), streamed::append);
                assertThat(r.tokens()).as(folder + ": " + prompt.get("text")).containsExactly(expected);
                assertThat(r.text()).isEqualTo(prompt.get("greedy_text"));
                assertThat(streamed.toString()).isEqualTo(r.text());
                assertThat(r.stopReason()).isEqualTo(GenerationResult.StopReason.MAX_TOKENS);
            }
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void kvCacheDecodeMatchesTheReference() {
        Map<String, Object> kv = (Map<String, Object>) Fixtures.reference(Fixtures.F32).get("kv_decode");
        int[] prompt = Fixtures.ints(kv.get("prompt_ids")), steps = Fixtures.ints(kv.get("step_ids"));
        float[] expected = Fixtures.tensor(Fixtures.F32, (String) kv.get("logits"));
        Gpt2Model model = Fixtures.model(Fixtures.F32);
        int vocab = model.config().vocabSize;
        try (Gpt2Decoder d = model.newDecoder()) {
            d.prefill(prompt);
            for (int k = 0; k < steps.length; k++) {
                java.nio.FloatBuffer logits = d.decode(steps[k]);
                double diff = 0;
                for (int v = 0; v < vocab; v++) diff = Math.max(diff, Math.abs(logits.get(v) - expected[k * vocab + v]));
                assertThat(diff).isLessThan(1e-4);
            }
            assertThat(d.position()).isEqualTo(prompt.length + steps.length);
        }
    }

    /** Decode uses GEMV, prefill matmul: the same additions in the same order, so the same bits. */
    @ParameterizedTest
    @ValueSource(strings = {Fixtures.F32, Fixtures.BF16, Fixtures.LN_FREE})
    void decodingTokenByTokenEqualsAFullRecompute(String folder) {
        Gpt2Model model = Fixtures.model(folder);
        int[] ids = Fixtures.ints(Fixtures.prompts(folder).get(2).get("ids"));
        int vocab = model.config().vocabSize;
        float[] full = Fixtures.allLogits(model, ids);
        try (Gpt2Decoder d = model.newDecoder()) {
            d.prefill(java.util.Arrays.copyOf(ids, 5));
            for (int t = 5; t < ids.length; t++) {
                java.nio.FloatBuffer logits = d.decode(ids[t]);
                for (int v = 0; v < vocab; v++) assertThat(logits.get(v)).isEqualTo(full[t * vocab + v]);
            }
        }
    }

    @Test
    void prefillInSmallChunksEqualsOnePass() {
        int[] ids = Fixtures.ints(Fixtures.prompts(Fixtures.F32).get(2).get("ids"));
        float[] one = Fixtures.allLogits(Fixtures.model(Fixtures.F32), ids);
        float[] chunked = Fixtures.allLogits(Fixtures.load(Fixtures.F32, DecoderOptions.defaults().prefillChunk(7)), ids);
        assertThat(chunked).containsExactly(one);
    }

    @Test
    void threadsOneAndTwoGiveIdenticalLogits() {
        for (String folder : Fixtures.ALL) {
            int[] ids = Fixtures.ints(Fixtures.prompts(folder).get(2).get("ids"));
            Gpt2Model two = Fixtures.load(folder, DecoderOptions.defaults().threads(2));
            assertThat(Fixtures.allLogits(two, ids)).containsExactly(Fixtures.allLogits(Fixtures.model(folder), ids));
            try (Gpt2Decoder a = Fixtures.model(folder).newDecoder(); Gpt2Decoder b = two.newDecoder()) {
                a.prefill(3, 4, 5);
                b.prefill(3, 4, 5);
                for (int t = 0; t < 20; t++) {
                    java.nio.FloatBuffer la = a.decode(100 + t), lb = b.decode(100 + t);
                    for (int v = 0; v < two.config().vocabSize; v++) assertThat(lb.get(v)).isEqualTo(la.get(v));
                }
            }
        }
    }

    @Test
    void loadsWithoutCopyingF32AndConvertsHalfPrecisionOnce() {
        Gpt2Weights f32 = Fixtures.model(Fixtures.F32).weights();
        assertThat(f32.copiedBytes()).isZero();
        assertThat(f32.weightBytes()).isEqualTo(140_736L * 4);
        assertThat(f32.blockNorm()).isEqualTo(Gpt2Weights.Norm.LAYER_NORM);
        assertThat(Fixtures.model(Fixtures.F16).weights().copiedBytes()).isEqualTo(140_736L * 4);
        assertThat(Fixtures.model(Fixtures.BF16).weights().copiedBytes()).isEqualTo(140_736L * 4);
        Gpt2Model f16 = Fixtures.model(Fixtures.F16);
        assertThat(f16.tokenizer()).isNotNull();
        assertThat(f16.eosId()).isEqualTo(506);
    }
}
