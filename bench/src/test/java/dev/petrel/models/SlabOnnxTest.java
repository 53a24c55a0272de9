package dev.petrel.models;

import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.Model;
import dev.petrel.Session;
import dev.petrel.Tensor;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.json.Json;
import dev.petrel.optimize.GraphOptimizer;
import dev.petrel.safetensors.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * SLAB-style DeiT, Swin and PVT (RepBN in eval mode, simplified linear attention) and a softmax + LayerNorm DeiT
 * twin as PyTorch exports them (opsets 14 and 17, dynamic batch), with and without the optimizer, against
 * PyTorch's logits ({@code bench/src/test/resources/models/slab}, made by {@code make_slab_models.py}).
 */
class SlabOnnxTest {
    static final Path DIR = Path.of("src", "test", "resources", "models", "slab").toAbsolutePath();
    /** PyTorch fp32 against fp64 differed by up to 1.3e-6 on these logits (reference.json). */
    static final double TOLERANCE = 1e-4;

    @SuppressWarnings("unchecked")
    static Stream<Arguments> cases() throws IOException {
        Map<String, Object> ref = (Map<String, Object>) Json.parse(Json.readUtf8(DIR.resolve("reference.json")));
        List<Arguments> out = new ArrayList<>();
        for (Object m : (List<Object>) ref.get("models")) {
            Map<String, Object> model = (Map<String, Object>) m;
            for (Object f : (List<Object>) model.get("models")) {
                for (boolean optimize : new boolean[] {false, true}) {
                    out.add(Arguments.of(((Map<String, Object>) f).get("file"), optimize, model));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} optimized={1}")
    @MethodSource("cases")
    @SuppressWarnings("unchecked")
    void matchesPyTorch(String file, boolean optimize, Map<String, Object> model) throws IOException {
        Model m = Model.load(DIR.resolve(file), optimize);
        if (optimize) assertThat(ops(m.graph())).as("operators after optimization").doesNotContainKey("BatchNormalization");
        try (SafetensorsFile tensors = SafetensorsFile.open(DIR.resolve("reference.tensors"));
             Session s = m.newSession()) {
            for (Object c : (List<Object>) model.get("cases")) {
                Map<String, Object> cs = (Map<String, Object>) c;
                Tensor x = tensors.tensor((String) ((Map<String, Object>) cs.get("inputs")).get("pixel_values"));
                Tensor expected = tensors.tensor((String) ((Map<String, Object>) cs.get("outputs")).get("logits"));
                assertClose(s.run(Map.of("pixel_values", x)).get("logits"), expected, file);
                // The batch axis is dynamic: the first image alone gives the first row.
                int per = x.size() / x.dim(0);
                float[] first = new float[per];
                System.arraycopy(x.toFloatArray(), 0, first, 0, per);
                Tensor one = Tensor.of(first, 1, x.dim(1), x.dim(2), x.dim(3));
                int classes = expected.dim(1);
                float[] row = new float[classes];
                System.arraycopy(expected.toFloatArray(), 0, row, 0, classes);
                assertClose(s.run(Map.of("pixel_values", one)).get("logits"), Tensor.of(row, 1, classes), file + " batch 1");
            }
        }
    }

    /** Every BatchNormalization of the SLAB exports folds; the report names the pass. */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"slab-deit-opset14.onnx", "slab-deit-opset17.onnx",
            "slab-swin-opset14.onnx", "slab-swin-opset17.onnx", "slab-pvt-opset14.onnx", "slab-pvt-opset17.onnx"})
    void foldsEveryBatchNorm(String file) {
        Graph graph = Model.readGraph(DIR.resolve(file));
        int bns = ops(graph).get("BatchNormalization");
        GraphOptimizer.Result r = GraphOptimizer.standard().run(graph, Model.registry());
        assertThat(r.applied()).contains("batchnorm-folding x" + bns);
        Map<String, Integer> after = ops(r.graph());
        assertThat(after).doesNotContainKey("BatchNormalization");
        System.out.println(file + ": " + r.nodesBefore() + " -> " + r.nodesAfter() + " nodes, " + r.applied() + " " + after);
    }

    /**
     * Every SLA block (three Einsums each in the export) becomes one dev.petrel::SimplifiedLinearAttention:
     * slab-deit has 2, slab-swin 2 (stage 1), slab-pvt 3 (its separate q and kv projections joined into one);
     * no Einsum and no depth-wise Conv of those blocks is left.
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"slab-deit-opset14.onnx", "slab-deit-opset17.onnx",
            "slab-swin-opset14.onnx", "slab-swin-opset17.onnx", "slab-pvt-opset14.onnx", "slab-pvt-opset17.onnx"})
    void fusesEverySlaBlock(String file) {
        Graph graph = Model.readGraph(DIR.resolve(file));
        Map<String, Integer> before = ops(graph);
        int blocks = before.get("Einsum") / 3;
        assertThat(blocks).isEqualTo(slaBlocks(file));
        GraphOptimizer.Result r = GraphOptimizer.standard().run(graph, Model.registry());
        assertThat(r.applied()).contains("linear-attention-fusion x" + blocks);
        Map<String, Integer> after = ops(r.graph());
        assertThat(after.get("dev.petrel::SimplifiedLinearAttention")).isEqualTo(blocks);
        assertThat(after).doesNotContainKeys("Einsum", "Reciprocal", "ReduceSum", "Relu");
        // Only the patch embeddings' Convs stay.
        assertThat(after.get("Conv")).isEqualTo(before.get("Conv") - blocks);
        // Swin's softmax window attention fuses too, shifted windows (per-window masks) included.
        if (file.startsWith("slab-swin")) {
            assertThat(after.get("dev.petrel::Attention")).isEqualTo(2);
            assertThat(after).doesNotContainKey("Softmax");
        }
        // One product per block reads the block's input for q, k and v (PVT: the two joined).
        if (file.startsWith("slab-pvt")) {
            assertThat(after.get("dev.petrel::FusedMatMul") + after.getOrDefault("MatMul", 0))
                    .as("products: per block qkv, proj, fc1, fc2").isEqualTo(4 * blocks);
        }
    }

    private static int slaBlocks(String file) {
        return file.startsWith("slab-pvt") ? 3 : 2;
    }

    /** The fused graph on the portable kernels alone (the reference SLA kernel) matches PyTorch too. */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"slab-deit-opset17.onnx", "slab-swin-opset17.onnx", "slab-pvt-opset17.onnx"})
    @SuppressWarnings("unchecked")
    void portableKernelsMatchPyTorch(String file) throws IOException {
        dev.petrel.spi.KernelRegistry portable = new dev.petrel.spi.KernelRegistry();
        portable.addBackend(new dev.petrel.ops.PortableBackend());
        Graph graph = GraphOptimizer.optimize(Model.readGraph(DIR.resolve(file)), portable);
        assertThat(ops(graph)).containsEntry("dev.petrel::SimplifiedLinearAttention", slaBlocks(file));
        Map<String, Object> ref = (Map<String, Object>) Json.parse(Json.readUtf8(DIR.resolve("reference.json")));
        for (Object m : (List<Object>) ref.get("models")) {
            Map<String, Object> model = (Map<String, Object>) m;
            boolean mine = false;
            for (Object f : (List<Object>) model.get("models")) mine |= file.equals(((Map<String, Object>) f).get("file"));
            if (!mine) continue;
            try (SafetensorsFile tensors = SafetensorsFile.open(DIR.resolve("reference.tensors"));
                 Session s = Model.of(graph, portable).newSession()) {
                for (Object c : (List<Object>) model.get("cases")) {
                    Map<String, Object> cs = (Map<String, Object>) c;
                    Tensor x = tensors.tensor((String) ((Map<String, Object>) cs.get("inputs")).get("pixel_values"));
                    Tensor expected = tensors.tensor((String) ((Map<String, Object>) cs.get("outputs")).get("logits"));
                    assertClose(s.run(Map.of("pixel_values", x)).get("logits"), expected, file + " portable");
                }
            }
        }
    }

    static Map<String, Integer> ops(Graph g) {
        Map<String, Integer> ops = new TreeMap<>();
        for (Node n : g.nodes()) ops.merge((n.domain().isEmpty() ? "" : n.domain() + "::") + n.opType(), 1, Integer::sum);
        return ops;
    }

    private static void assertClose(Tensor actual, Tensor expected, String what) {
        assertThat(actual.dims()).containsExactly(expected.dims());
        float[] a = actual.toFloatArray();
        float[] x = expected.toFloatArray();
        double worst = 0;
        for (int i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - x[i]));
        System.out.printf("%s: max |petrel - pytorch| = %.3g%n", what, worst);
        assertThat(worst).as("%s: max |petrel - pytorch|", what).isLessThanOrEqualTo(TOLERANCE);
    }
}
