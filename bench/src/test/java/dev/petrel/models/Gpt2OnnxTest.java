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
