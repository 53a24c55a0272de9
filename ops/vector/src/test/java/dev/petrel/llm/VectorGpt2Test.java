package dev.petrel.llm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.Tensor;
import dev.petrel.json.Json;
import dev.petrel.safetensors.SafetensorsCheckpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The tiny GPT-2 fixtures of engine/llm run with the vector kernels: the float64 reference logits within
 * the rounding bound that engine/llm's Gpt2ReferenceTest derives (its class comment), the greedy
 * continuations exactly, decode equal to a full recompute bit for bit, one and two threads alike, and
 * no allocation per decoded token.
 */
class VectorGpt2Test {
    private static final double U = Math.ulp(1.0f) / 2;
    private static final Path FIXTURES = Paths.get("../../engine/llm/src/test/resources/gpt2");

    static DecoderMath.Provider vector() {
        DecoderMath.Provider p = DecoderMath.bestProvider();
        assertThat(p.name()).isEqualTo("vector");
        return p;
    }

    static Gpt2Model load(String name, DecoderOptions options) {
        try {
            return Gpt2Model.load(FIXTURES.resolve(name), options.math(vector()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> reference(String name) {
        try {
            return (Map<String, Object>) Json.parse(Json.readUtf8(FIXTURES.resolve(name).resolve("reference.json")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> prompts(String name) {
        return (List<Map<String, Object>>) reference(name).get("prompts");
    }

    static float[] tensor(String name, String tensor) {
        try (SafetensorsCheckpoint ref = SafetensorsCheckpoint.open(FIXTURES.resolve(name).resolve("reference.tensors"))) {
            Tensor t = ref.tensor(tensor);
            return t.toFloatArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ints(Object jsonList) {
        List<?> l = (List<?>) jsonList;
        int[] out = new int[l.size()];
        for (int i = 0; i < out.length; i++) out[i] = ((Number) l.get(i)).intValue();
        return out;
    }

    static float[] allLogits(Gpt2Model model, int[] ids) {
        float[] out = new float[ids.length * model.config().vocabSize];
        try (Gpt2Decoder d = model.newDecoder()) {
            d.prefill(ids, out);
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "gpt2-tiny-f16", "gpt2-tiny-bf16", "gpt2-tiny-lnfree"})
    void logitsOfEveryPromptMatchTheFloat64Reference(String folder) {
        Gpt2Model model = load(folder, DecoderOptions.defaults());
        int vocab = model.config().vocabSize;
        for (Map<String, Object> prompt : prompts(folder)) {
            int[] ids = ints(prompt.get("ids"));
            float[] expected = tensor(folder, (String) prompt.get("logits"));
            float[] actual = allLogits(model, ids);
            double worst = 0;
            for (int r = 0; r < ids.length; r++) {
                double bound = roundingBound(model, ids, r, false), typical = roundingBound(model, ids, r, true);
                double diff = 0;
                for (int v = 0; v < vocab; v++) diff = Math.max(diff, Math.abs(actual[r * vocab + v] - expected[r * vocab + v]));
                assertThat(diff).as("%s, prompt '%s', row %d", folder, prompt.get("text"), r).isLessThanOrEqualTo(bound);
                assertThat(diff).as("%s, prompt '%s', row %d (typical)", folder, prompt.get("text"), r).isLessThanOrEqualTo(typical);
                worst = Math.max(worst, diff);
            }
            System.out.printf("vector %s, %d tokens: max |logit - ref| %.2e%n", folder, ids.length, worst);
        }
    }

    /** Gpt2ReferenceTest's bound: {@code (d + (2L + 1)·n_inner)·u·M}, or with each length n replaced by √n. */
    static double roundingBound(Gpt2Model model, int[] ids, int r, boolean typical) {
        Gpt2Config c = model.config();
        Gpt2Weights w = model.weights();
        int d = c.embeddingSize;
        float[][] trace = new float[2 + 2 * c.layers][d];
        try (Gpt2Decoder decoder = model.newDecoder()) {
            decoder.trace(r, trace);
            decoder.prefill(java.util.Arrays.copyOf(ids, r + 1));
        }
        float[] x = trace[trace.length - 1];
        float[] n = new float[d];
        Gpt2Weights.Norm f = w.finalNorm;
        PortableAccess.create().normalize(x, 1, d, f.center, f.divide, w.eps, w.lnFGamma, w.lnFBeta, n);
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
    @ValueSource(strings = {"gpt2-tiny", "gpt2-tiny-f16", "gpt2-tiny-bf16", "gpt2-tiny-lnfree"})
    void greedyContinuationsEqualTheReference(String folder) {
        Gpt2Model model = load(folder, DecoderOptions.defaults());
        try (Generator g = model.newGenerator()) {
            for (Map<String, Object> prompt : prompts(folder)) {
                int[] expected = ints(prompt.get("greedy"));
                GenerationResult r = g.generate((String) prompt.get("text"),
                        GenerationOptions.greedy().maxNewTokens(expected.length).stopAtEos(false), s -> { });
                assertThat(r.tokens()).as(folder + ": " + prompt.get("text")).containsExactly(expected);
                assertThat(r.text()).isEqualTo(prompt.get("greedy_text"));
            }
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void kvCacheDecodeMatchesTheReference() {
        Map<String, Object> kv = (Map<String, Object>) reference("gpt2-tiny").get("kv_decode");
        int[] prompt = ints(kv.get("prompt_ids")), steps = ints(kv.get("step_ids"));
        float[] expected = tensor("gpt2-tiny", (String) kv.get("logits"));
        Gpt2Model model = load("gpt2-tiny", DecoderOptions.defaults());
        int vocab = model.config().vocabSize;
        try (Gpt2Decoder d = model.newDecoder()) {
            d.prefill(prompt);
            for (int k = 0; k < steps.length; k++) {
                FloatBuffer logits = d.decode(steps[k]);
                double diff = 0;
                for (int v = 0; v < vocab; v++) diff = Math.max(diff, Math.abs(logits.get(v) - expected[k * vocab + v]));
                assertThat(diff).isLessThan(1e-4);
            }
        }
    }

    /** Decode uses the GEMV, prefill the packed matmul: the same additions in the same order, so the same bits. */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "gpt2-tiny-bf16", "gpt2-tiny-lnfree"})
    void decodingTokenByTokenEqualsAFullRecompute(String folder) {
        Gpt2Model model = load(folder, DecoderOptions.defaults());
        int[] ids = ints(prompts(folder).get(2).get("ids"));
        int vocab = model.config().vocabSize;
        float[] full = allLogits(model, ids);
        try (Gpt2Decoder d = model.newDecoder()) {
            d.prefill(java.util.Arrays.copyOf(ids, 5));
            for (int t = 5; t < ids.length; t++) {
                FloatBuffer logits = d.decode(ids[t]);
                for (int v = 0; v < vocab; v++) assertThat(logits.get(v)).isEqualTo(full[t * vocab + v]);
            }
        }
    }

    @Test
    void threadsOneAndTwoGiveIdenticalLogits() {
        for (String folder : new String[] {"gpt2-tiny", "gpt2-tiny-lnfree"}) {
            int[] ids = ints(prompts(folder).get(2).get("ids"));
            Gpt2Model one = load(folder, DecoderOptions.defaults()), two = load(folder, DecoderOptions.defaults().threads(2));
            assertThat(allLogits(two, ids)).containsExactly(allLogits(one, ids));
            try (Gpt2Decoder a = one.newDecoder(); Gpt2Decoder b = two.newDecoder()) {
                a.prefill(3, 4, 5);
                b.prefill(3, 4, 5);
                for (int t = 0; t < 20; t++) {
                    FloatBuffer la = a.decode(100 + t), lb = b.decode(100 + t);
                    for (int v = 0; v < two.config().vocabSize; v++) assertThat(lb.get(v)).isEqualTo(la.get(v));
                }
            }
        }
    }

    /** A few hundred decoded tokens after warm-up allocate nothing on the decoding thread. */
    @Test
    void decodingAllocatesNothingPerToken() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long me = Thread.currentThread().getId();
        for (String folder : new String[] {"gpt2-tiny", "gpt2-tiny-lnfree"}) {
            try (Gpt2Decoder d = load(folder, DecoderOptions.defaults()).newDecoder()) {
                int capacity = d.capacity(), tokens = 300;
                long perToken = Long.MAX_VALUE;
                // Until C2 has compiled the kernels the Vector API allocates; take the best of a few rounds.
                for (int round = 0; round < 40 && perToken > 0; round++) {
                    d.reset();
                    d.prefill(1, 2, 3);
                    int id = 3;
                    for (int t = 0; t < 120; t++) d.decode(id = (id * 31 + 7) % 200);
                    long before = threads.getThreadAllocatedBytes(me);
                    for (int t = 0; t < tokens; t++) {
                        if (d.position() == capacity) d.reset();   // the fixtures hold 128 positions
                        d.decode(id = (id * 31 + 7) % 200);
                    }
                    perToken = (threads.getThreadAllocatedBytes(me) - before) / tokens;
                }
                System.out.printf("vector %s: %d bytes allocated per decoded token%n", folder, perToken);
                assertThat(perToken).isZero();
            }
        }
    }
}
