package dev.petrel.models;

import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.Model;
import dev.petrel.Session;
import dev.petrel.Tensor;
import dev.petrel.json.Json;
import dev.petrel.safetensors.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * GPT-2 as PyTorch exports it to ONNX (no past, with past, Optimum's merged model with its {@code If} on
 * {@code use_cache_branch}, LN-free with LayerNorm epsilon 1e12; opsets 14 and 17) run through the
 * general engine, with and without the optimizer, against PyTorch's outputs
 * ({@code engine/llm/src/test/resources/gpt2/onnx}, made by {@code make_gpt2_models.py}).
 */
class Gpt2OnnxTest {
    static final Path DIR = Path.of("..", "engine", "llm", "src", "test", "resources", "gpt2", "onnx").toAbsolutePath().normalize();
    /** PyTorch float32 against ONNX Runtime differed by up to 6.2e-6 on these logits. */
    static final double TOLERANCE = 2e-5;

    @SuppressWarnings("unchecked")
    static Stream<Arguments> cases() throws IOException {
        Map<String, Object> ref = (Map<String, Object>) Json.parse(Json.readUtf8(DIR.resolve("reference.json")));
        List<Arguments> out = new ArrayList<>();
        for (Object c : (List<Object>) ref.get("cases")) {
            Map<String, Object> cs = (Map<String, Object>) c;
            for (Object m : (List<Object>) cs.get("models")) {
                Map<String, Object> model = (Map<String, Object>) m;
                for (boolean optimize : new boolean[] {false, true}) {
                    out.add(Arguments.of(cs.get("name"), model.get("file"), optimize, cs, model));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} optimized={2}")
    @MethodSource("cases")
    @SuppressWarnings("unchecked")
    void matchesPyTorch(String name, String file, boolean optimize, Map<String, Object> cs, Map<String, Object> model) throws IOException {
        try (SafetensorsFile tensors = SafetensorsFile.open(DIR.resolve("reference.tensors"))) {
            Map<String, Tensor> feeds = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : ((Map<String, Object>) cs.get("inputs")).entrySet()) {
                feeds.put(e.getKey(), tensors.tensor((String) e.getValue()));
            }
            Map<String, Object> extra = (Map<String, Object>) model.get("extra_inputs");
            if (extra != null) {
                for (Map.Entry<String, Object> e : extra.entrySet()) {
                    List<Object> v = (List<Object>) e.getValue();
                    boolean[] b = new boolean[v.size()];
                    for (int i = 0; i < b.length; i++) b[i] = (Boolean) v.get(i);
                    feeds.put(e.getKey(), Tensor.of(b, b.length));
                }
            }
            Model m = Model.load(DIR.resolve(file), optimize);
            Map<String, Tensor> got;
            try (Session s = m.newSession()) {
                got = s.run(feeds);
                // A second run on the planned arena gives the same values.
                Map<String, Tensor> again = s.run(feeds);
                for (String k : got.keySet()) assertThat(again.get(k).toFloatArray()).containsExactly(got.get(k).toFloatArray());
            }
            Tensor mask = feeds.get("attention_mask");
            for (Map.Entry<String, Object> e : ((Map<String, Object>) cs.get("outputs")).entrySet()) {
                Tensor expected = tensors.tensor((String) e.getValue());
                Tensor actual = got.get(e.getKey());
                assertThat(actual).as(e.getKey()).isNotNull();
                assertThat(actual.dims()).as(e.getKey()).containsExactly(expected.dims());
                float[] a = actual.toFloatArray();
                float[] x = expected.toFloatArray();
                boolean logits = e.getKey().equals("logits");
                double worst = 0;
                for (int i = 0; i < a.length; i++) {
                    if (logits && padded(mask, expected.dims(), i)) continue;
                    worst = Math.max(worst, Math.abs(a[i] - x[i]));
                }
                assertThat(worst).as("%s: max |petrel - pytorch| of %s", file, e.getKey()).isLessThanOrEqualTo(TOLERANCE);
            }
        }
    }

    /**
     * The key/value cache kept in the session between steps ({@link Session#carry}): a prefill with an empty
     * past, then a step that gives no past at all, equals PyTorch's step with the past passed in.
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"gpt2-tiny-past-opset14.onnx", "gpt2-tiny-past-opset17.onnx",
            "gpt2-tiny-merged-opset17.onnx"})
    void carriesTheKeyValueCacheBetweenSteps(String file) throws IOException {
        try (SafetensorsFile tensors = SafetensorsFile.open(DIR.resolve("reference.tensors"));
             Session s = Model.load(DIR.resolve(file)).newSession()) {
            boolean merged = file.contains("merged");
            for (int layer = 0; layer < 2; layer++) {
                for (String kv : new String[] {"key", "value"}) {
                    s.carry("present." + layer + "." + kv, "past_key_values." + layer + "." + kv);
                }
            }
            for (int round = 0; round < 2; round++) {
                // Prefill: 5 tokens after an empty past (given explicitly, which also restarts the sequence).
                Map<String, Tensor> prefill = new LinkedHashMap<>();
                for (String in : new String[] {"input_ids", "attention_mask", "position_ids"}) prefill.put(in, tensors.tensor("prefill5/" + in));
                for (int layer = 0; layer < 2; layer++) {
                    for (String kv : new String[] {"key", "value"}) {
                        prefill.put("past_key_values." + layer + "." + kv, tensors.tensor("past_empty/past_key_values." + layer + "." + kv));
                    }
                }
                if (merged) prefill.put("use_cache_branch", Tensor.of(new boolean[] {true}, 1));
                Map<String, Tensor> first = s.run(prefill);
                assertThat(first).doesNotContainKey("present.0.key").containsKey("logits");
                assertClose(first.get("logits"), tensors.tensor("prefill5/logits"));
                // One step: no past in the inputs, it comes from the session.
                Map<String, Tensor> step = new LinkedHashMap<>();
                for (String in : new String[] {"input_ids", "attention_mask", "position_ids"}) step.put(in, tensors.tensor("past_step/" + in));
                if (merged) step.put("use_cache_branch", Tensor.of(new boolean[] {true}, 1));
                assertClose(s.run(step).get("logits"), tensors.tensor("past_step/logits"));
            }
            s.clearCarried();
            Map<String, Tensor> noPast = new LinkedHashMap<>();
            for (String in : new String[] {"input_ids", "attention_mask", "position_ids"}) noPast.put(in, tensors.tensor("past_step/" + in));
            if (merged) noPast.put("use_cache_branch", Tensor.of(new boolean[] {true}, 1));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.run(noPast))
                    .isInstanceOf(dev.petrel.InvalidInputException.class).hasMessageContaining("carried from output");
        }
    }

    private static void assertClose(Tensor actual, Tensor expected) {
        assertThat(actual.dims()).containsExactly(expected.dims());
        float[] a = actual.toFloatArray(), x = expected.toFloatArray();
        double worst = 0;
        for (int i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - x[i]));
        assertThat(worst).isLessThanOrEqualTo(TOLERANCE);
    }

    /** Logits at a position the attention mask pads out (implementation-defined) when there is no past. */
    private static boolean padded(Tensor mask, int[] logitDims, int index) {
        int seq = logitDims[1];
        int vocab = logitDims[2];
        int row = index / (seq * vocab);
        int pos = index / vocab % seq;
        long[] m = mask.toLongArray();
        int maskLen = mask.dim(1);
        // With a past the mask is longer than the new tokens: they are its last positions.
        return m[row * maskLen + (maskLen - seq) + pos] == 0;
    }
}
