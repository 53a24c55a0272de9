package dev.petrel.quantize;

import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.Model;
import dev.petrel.Session;
import dev.petrel.Tensor;
import dev.petrel.graph.Graph;
import dev.petrel.json.Json;
import dev.petrel.onnx.OnnxModelWriter;
import dev.petrel.safetensors.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The tiny GPT-2 ONNX exports (no past, with past, Optimum's merged model whose MatMuls sit inside the
 * branches of an {@code If}) quantized to int8 and q4: Petrel and ONNX Runtime run the written file on
 * the fixture's reference inputs and agree, and the logits stay close to PyTorch's fp32 ones.
 */
class Gpt2QuantizeTest {
    static final Path DIR = Path.of("..", "engine", "llm", "src", "test", "resources", "gpt2", "onnx").toAbsolutePath().normalize();
    @TempDir
    Path tmp;

    @SuppressWarnings("unchecked")
    static Stream<Arguments> cases() throws IOException {
        Map<String, Object> ref = (Map<String, Object>) Json.parse(Json.readUtf8(DIR.resolve("reference.json")));
        List<Arguments> out = new ArrayList<>();
        for (Object c : (List<Object>) ref.get("cases")) {
            Map<String, Object> cs = (Map<String, Object>) c;
            if (((String) cs.get("name")).contains("lnfree")) continue;
            for (Object m : (List<Object>) cs.get("models")) {
                Map<String, Object> model = (Map<String, Object>) m;
                for (String format : new String[] {"int8", "q4", "q8"}) out.add(Arguments.of(cs.get("name"), model.get("file"), format, cs, model));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    @SuppressWarnings("unchecked")
    void quantizedExportRunsInBothEngines(String name, String file, String format, Map<String, Object> cs, Map<String, Object> model) throws Exception {
        Graph g = Model.readGraph(DIR.resolve(file));
        QuantFormat f = format.equals("int8") ? QuantFormat.int8(true) : QuantFormat.of(QuantFormat.Kind.parse(format));
        WeightQuantizer.Result r = new WeightQuantizer().quantize(g, f);
        // 2 layers x (c_attn, attn c_proj, c_fc, mlp c_proj) + the tied lm_head.
        assertThat(r.countsByFormat()).as(r.weights().toString()).containsEntry(f.label(), 9);
        Path out = tmp.resolve("q.onnx");
        new OnnxModelWriter().write(r.graph(), out);

        Map<String, Tensor> feeds = new LinkedHashMap<>();
        Map<String, Tensor> expected = new LinkedHashMap<>();
        try (SafetensorsFile tensors = SafetensorsFile.open(DIR.resolve("reference.tensors"))) {
            for (Map.Entry<String, Object> e : ((Map<String, Object>) cs.get("inputs")).entrySet()) {
                feeds.put(e.getKey(), tensors.tensor((String) e.getValue()).copy());
            }
            for (Map.Entry<String, Object> e : ((Map<String, Object>) cs.get("outputs")).entrySet()) {
                expected.put(e.getKey(), tensors.tensor((String) e.getValue()).copy());
            }
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
        Map<String, Tensor> petrel;
        try (Session s = Model.load(out).newSession()) {
            petrel = s.run(feeds);
        }
        Map<String, float[]> ort;
        try (OrtRunner o = new OrtRunner(out)) {
            ort = o.run(feeds);
        }
        Tensor mask = feeds.get("attention_mask");
        Tensor logits = petrel.get("logits");
        float[] p = logits.toFloatArray();
        float[] o = ort.get("logits");
        float[] x = expected.get("logits").toFloatArray();
        double engines = 0, dot = 0, np = 0, nx = 0;
        for (int i = 0; i < p.length; i++) {
            if (padded(mask, logits.dims(), i)) continue;
            engines = Math.max(engines, Math.abs(p[i] - o[i]));
            dot += (double) p[i] * x[i];
            np += (double) p[i] * p[i];
            nx += (double) x[i] * x[i];
        }
        double cos = dot / Math.sqrt(np * nx);
        System.out.printf("gpt2 %s %s %s: logits cosine vs PyTorch fp32 %.5f, max |petrel - onnxruntime| %.2g%n", name, file, format, cos, engines);
        assertThat(engines).isLessThan(1e-3);
        assertThat(cos).isGreaterThan(format.equals("q4") ? 0.98 : 0.999);
        for (String k : petrel.keySet()) {
            if (k.startsWith("present")) {
                float[] a = petrel.get(k).toFloatArray();
                float[] b = ort.get(k);
                double w = 0;
                for (int i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i] - b[i]));
                assertThat(w).as(k).isLessThan(1e-3);
            }
        }
    }

    /** True when logits element i belongs to a padded position (the mask covers past + current tokens). */
    static boolean padded(Tensor mask, int[] dims, int i) {
        int s = dims[1];
        int v = dims[2];
        int b = i / (s * v);
        int t = (i / v) % s;
        int len = mask.dim(1);
        return mask.longs().get(b * len + len - s + t) == 0;
    }
}
