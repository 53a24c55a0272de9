package dev.petrel.ops.fused;

import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.DType;
import dev.petrel.Model;
import dev.petrel.Session;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Dim;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.graph.ValueInfo;
import dev.petrel.optimize.GraphOptimizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Each optimization pass on a small hand-built graph, with the real portable kernels: the operators
 * after the pass, and the optimized graph's outputs against the unoptimized graph's on random inputs.
 */
class OptimizedGraphsTest {
    private static final Random RANDOM = new Random(42);

    /** Builds graphs tersely: float inputs of fixed shapes, constants, nodes at opset 14. */
    static final class G {
        final Graph.Builder b = new Graph.Builder().opset("", 14);
        final Map<String, int[]> inputs = new TreeMap<>();
        int count;
        String lastSub;

        G input(String name, int... dims) {
            Dim[] d = new Dim[dims.length];
            for (int i = 0; i < dims.length; i++) d[i] = Dim.of(dims[i]);
            b.input(new ValueInfo(name, DType.FLOAT, d));
            inputs.put(name, dims);
            return this;
        }

        String constant(Tensor t) {
            String n = "c" + count++;
            b.initializer(n, t);
            return n;
        }

        String scalar(float v) {
            return constant(Tensor.of(new float[] {v}));
        }

        String random(int... dims) {
            long[] shape = new long[dims.length];
            int size = 1;
            for (int i = 0; i < dims.length; i++) {
                shape[i] = dims[i];
                size *= dims[i];
            }
            float[] v = new float[size];
            for (int i = 0; i < size; i++) v[i] = (float) RANDOM.nextGaussian();
            return constant(Tensor.of(v, shape));
        }

        String op(String type, List<Attribute> attrs, String... ins) {
            String out = type.toLowerCase() + count++;
            b.node(new Node(out, type, "", 14, List.of(ins), List.of(out), new Attributes(attrs)));
            return out;
        }

        String op(String type, String... ins) {
            return op(type, List.of(), ins);
        }

        /** A head projection as exports write it: MatMul(x, W [width, width]) → Reshape(shape) → Transpose(perm). */
        String heads(String x, int width, String shape, long... perm) {
            return op("Transpose", List.of(Attribute.ofInts("perm", perm)), op("Reshape", op("MatMul", x, random(width, width)), shape));
        }

        /** A node with {@code outputs} outputs. */
        List<String> ops(String type, int outputs, List<Attribute> attrs, String... ins) {
            String base = type.toLowerCase() + count++;
            List<String> outs = new java.util.ArrayList<>();
            for (int i = 0; i < outputs; i++) outs.add(base + "_" + i);
            b.node(new Node(base, type, "", 14, List.of(ins), outs, new Attributes(attrs)));
            return outs;
        }

        Graph output(String... names) {
            for (String n : names) b.output(new ValueInfo(n, DType.FLOAT, null));
            return b.build();
        }

        Map<String, Tensor> feeds() {
            Map<String, Tensor> m = new TreeMap<>();
            inputs.forEach((n, dims) -> {
                long[] shape = new long[dims.length];
                int size = 1;
                for (int i = 0; i < dims.length; i++) {
                    shape[i] = dims[i];
                    size *= dims[i];
                }
                float[] v = new float[size];
                for (int i = 0; i < size; i++) v[i] = (float) RANDOM.nextGaussian() * 2;
                m.put(n, Tensor.of(v, shape));
            });
            return m;
        }
    }

    static Map<String, Integer> ops(Graph g) {
        Map<String, Integer> ops = new TreeMap<>();
        for (Node n : g.nodes()) ops.merge((n.domain().isEmpty() ? "" : n.domain() + "::") + n.opType(), 1, Integer::sum);
        return ops;
    }

    /** Optimizes, checks the outputs agree within {@code tol}, returns the optimized graph. */
    static Graph optimizeAndCompare(G g, Graph graph, double tol) {
        Graph opt = GraphOptimizer.optimize(graph, Model.registry());
        Map<String, Tensor> feeds = g.feeds();
        Map<String, Tensor> expected;
        Map<String, Tensor> actual;
        try (Session s = Model.of(graph).newSession()) {
            expected = s.run(feeds);
        }
        try (Session s = Model.of(opt).newSession()) {
            actual = s.run(feeds);
            // The second run uses the planned arena: same answer.
            Map<String, Tensor> again = s.run(feeds);
            for (String k : actual.keySet()) assertThat(again.get(k).toFloatArray()).containsExactly(actual.get(k).toFloatArray());
        }
        for (String k : expected.keySet()) {
            assertThat(actual.get(k).dims()).containsExactly(expected.get(k).dims());
            float[] e = expected.get(k).toFloatArray();
            float[] a = actual.get(k).toFloatArray();
            for (int i = 0; i < e.length; i++) {
                assertThat((double) a[i]).as("%s[%d]", k, i).isCloseTo(e[i], org.assertj.core.data.Offset.offset(tol * Math.max(1, Math.abs(e[i]))));
            }
        }
        return opt;
    }

    @Test
    void foldsConstantsButNotLargeExpansions() {
        G g = new G().input("x", 2, 3);
        String w = g.op("Transpose", List.of(Attribute.ofInts("perm", new long[] {1, 0})), g.random(3, 2));
        String y = g.op("Add", "x", g.op("Neg", w));
        String big = g.op("ConstantOfShape", g.constant(Tensor.of(new long[] {1000, 1000}, 2)));
        String z = g.op("ReduceSum", List.of(Attribute.ofInt("keepdims", 0)), big);
        Graph graph = g.output(y, z);
        Graph opt = optimizeAndCompare(g, graph, 0);
        assertThat(ops(opt)).isEqualTo(Map.of("Add", 1, "ConstantOfShape", 1, "ReduceSum", 1));
        assertThat(opt.initializers()).hasSize(2);
    }

    @Test
    void removesDeadIdentityAndDropout() {
        G g = new G().input("x", 4);
        String a = g.op("Identity", "x");
        String d = g.op("Dropout", a);
        g.op("Relu", d); // dead
        String y = g.op("Identity", g.op("Neg", d));
        Graph graph = g.output(y);
        Graph opt = optimizeAndCompare(g, graph, 0);
        assertThat(ops(opt)).isEqualTo(Map.of("Neg", 1));
        assertThat(opt.nodes().get(0).outputs()).containsExactly(y);
    }

    @Test
    void foldsShapeOfStaticInput() {
        G g = new G().input("x", 2, 5);
        String shape = g.op("Shape", "x");
        Graph graph = g.output(g.op("Reshape", "x", g.op("Concat", List.of(Attribute.ofInt("axis", 0)),
                g.op("Slice", shape, g.constant(Tensor.of(new long[] {1}, 1)), g.constant(Tensor.of(new long[] {2}, 1))),
                g.constant(Tensor.of(new long[] {-1}, 1)))));
        Graph opt = optimizeAndCompare(g, graph, 0);
        assertThat(ops(opt)).isEqualTo(Map.of("Reshape", 1));
    }

    /** The LayerNorm subgraph as PyTorch exports it below opset 17. */
    static String layerNorm(G g, String x, int n) {
        List<Attribute> last = List.of(Attribute.ofInts("axes", new long[] {-1}));
        String mean = g.op("ReduceMean", last, x);
        String sub = g.op("Sub", x, mean);
        g.lastSub = sub;
        String var = g.op("ReduceMean", last, g.op("Pow", sub, g.scalar(2)));
        String std = g.op("Sqrt", g.op("Add", var, g.scalar(1e-5f)));
        return g.op("Add", g.op("Mul", g.op("Div", sub, std), g.random(n)), g.random(n));
    }

    @Test
    void fusesLayerNorm() {
        G g = new G().input("x", 2, 3, 8);
        Graph opt = optimizeAndCompare(g, g.output(layerNorm(g, "x", 8)), 1e-5);
        assertThat(ops(opt)).isEqualTo(Map.of("dev.petrel::LayerNormalization", 1));
        assertThat(opt.opsets()).containsEntry("dev.petrel", 1);
    }

    @Test
    void skipsLayerNormWhoseIntermediateIsAnOutput() {
        G g = new G().input("x", 2, 8);
        String y = layerNorm(g, "x", 8);
        Graph graph = g.output(y, g.lastSub);
        Graph opt = optimizeAndCompare(g, graph, 1e-6);
        assertThat(ops(opt)).doesNotContainKey("dev.petrel::LayerNormalization");
    }

    @Test
    void fusesGeluInEachOrder() {
        G g = new G().input("x", 3, 5);
        String erf = g.op("Add", g.op("Erf", g.op("Div", "x", g.scalar((float) Math.sqrt(2)))), g.scalar(1));
        String y1 = g.op("Mul", g.op("Mul", "x", erf), g.scalar(0.5f));
        String erf2 = g.op("Add", g.scalar(1), g.op("Erf", g.op("Mul", "x", g.scalar((float) (1 / Math.sqrt(2))))));
        String y2 = g.op("Mul", g.op("Mul", "x", g.scalar(0.5f)), erf2);
        String inner = g.op("Add", "x", g.op("Mul", g.op("Pow", "x", g.scalar(3)), g.scalar(0.044715f)));
        String t = g.op("Add", g.op("Tanh", g.op("Mul", inner, g.scalar((float) Math.sqrt(2 / Math.PI)))), g.scalar(1));
        String y3 = g.op("Mul", "x", g.op("Mul", t, g.scalar(0.5f)));
        Graph opt = optimizeAndCompare(g, g.output(y1, y2, y3), 1e-6);
        assertThat(ops(opt)).isEqualTo(Map.of("dev.petrel::Gelu", 3));
    }

    @Test
    void fusesMatMulBiasAndActivation() {
        G g = new G().input("x", 2, 3, 4);
        String h = g.op("Add", g.op("MatMul", "x", g.random(4, 6)), g.random(6));
        String relu = g.op("Relu", g.op("Add", g.random(6), g.op("MatMul", h, g.random(6, 6))));
        String erf = g.op("Add", g.op("Erf", g.op("Div", relu, g.scalar((float) Math.sqrt(2)))), g.scalar(1));
        String gelu = g.op("Mul", g.op("Mul", relu, erf), g.scalar(0.5f));
        // The last product has a 2-D bias: not a 1-D vector over the last axis, so it stays.
        String y = g.op("Add", g.op("MatMul", gelu, g.random(6, 2)), g.random(3, 2));
        Graph opt = optimizeAndCompare(g, g.output(y), 1e-5);
        assertThat(ops(opt)).isEqualTo(Map.of("dev.petrel::FusedMatMul", 2, "dev.petrel::Gelu", 1, "MatMul", 1, "Add", 1));
    }

    @Test
    void fusesTheResidualAddAfterAProjection() {
        G g = new G().input("x", 2, 3, 4);
        String h = g.op("Add", g.op("MatMul", "x", g.random(4, 4)), g.random(4));
        String y = g.op("Add", "x", h);
        // A residual that broadcasts into the product ([4] into [2, 3, 4]) is fused too.
        String z = g.op("Add", g.op("Add", g.op("MatMul", y, g.random(4, 4)), g.random(4)), g.random(4));
        Graph opt = optimizeAndCompare(g, g.output(z), 1e-5);
        assertThat(ops(opt)).isEqualTo(Map.of("dev.petrel::FusedMatMul", 2));
        assertThat(opt.nodes().get(0).inputs()).hasSize(4).contains("x");
    }

    @Test
    void widensHalfPrecisionWeightsAtLoad() {
        // Weights stored in FLOAT16 and BFLOAT16 behind Casts, as mixed-precision exports write them:
        // folded to FLOAT constants once, so the products run on the FLOAT kernels.
        G g = new G().input("x", 3, 8);
        java.util.Random rnd = new java.util.Random(7);
        byte[] half = new byte[8 * 8 * 2];
        byte[] bf = new byte[8 * 8 * 2];
        java.nio.ByteBuffer hb = java.nio.ByteBuffer.wrap(half).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(bf).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 64; i++) {
            hb.putShort(i * 2, dev.petrel.spi.Float16.fromFloat((float) rnd.nextGaussian()));
            bb.putShort(i * 2, dev.petrel.spi.Float16.floatToBfloat16((float) rnd.nextGaussian()));
        }
        List<Attribute> toFloat = List.of(Attribute.ofInt("to", 1));
        String w1 = g.op("Cast", toFloat, g.constant(Tensor.wrap(DType.FLOAT16, hb, 8, 8)));
        String w2 = g.op("Cast", toFloat, g.constant(Tensor.wrap(DType.BFLOAT16, bb, 8, 8)));
        String y = g.op("Add", g.op("MatMul", g.op("MatMul", "x", w1), w2), g.random(8));
        Graph opt = optimizeAndCompare(g, g.output(y), 1e-6);
        assertThat(ops(opt)).isEqualTo(Map.of("MatMul", 1, "dev.petrel::FusedMatMul", 1));
        for (Tensor t : opt.initializers().values()) assertThat(t.dtype()).isEqualTo(DType.FLOAT);
    }

    @Test
    void fusesBertAttention() {
        int b = 2, s = 5, h = 3, d = 4;
        G g = new G().input("x", b, s, h * d).input("m", b, 1, 1, s);
        List<Attribute> toHeads = List.of(Attribute.ofInts("perm", new long[] {0, 2, 1, 3}));
        String shape = g.constant(Tensor.of(new long[] {b, s, h, d}, 4));
        String q = g.heads("x", h * d, shape, 0, 2, 1, 3);
        String kt = g.heads("x", h * d, shape, 0, 2, 3, 1);
        String v = g.heads("x", h * d, shape, 0, 2, 1, 3);
        String scores = g.op("Add", g.op("Div", g.op("MatMul", q, kt), g.scalar((float) Math.sqrt(d))), "m");
        String p = g.op("Softmax", List.of(Attribute.ofInt("axis", 3)), scores);
        String y = g.op("Transpose", toHeads, g.op("MatMul", p, v));
        Graph opt = optimizeAndCompare(g, g.output(y), 1e-5);
        assertThat(ops(opt)).containsEntry("dev.petrel::Attention", 1).doesNotContainKey("Softmax").doesNotContainKey("Div");
        // The head transposes of Q, K, V and the output are absorbed: the attention reads and writes [B, S, H, D].
        assertThat(ops(opt)).doesNotContainKey("Transpose");
        assertThat(attention(opt).attributes().getInt("sequence_major", 0)).isEqualTo(1);
    }

    @Test
    void keepsHeadTransposesWhenTheOutputStaysHeadMajor() {
        int b = 1, s = 7, h = 2, d = 3;
        G g = new G().input("x", b, s, h * d);
        String shape = g.constant(Tensor.of(new long[] {b, s, h, d}, 4));
        String q = g.heads("x", h * d, shape, 0, 2, 1, 3);
        String kt = g.heads("x", h * d, shape, 0, 2, 3, 1);
        String v = g.heads("x", h * d, shape, 0, 2, 1, 3);
        String p = g.op("Softmax", List.of(Attribute.ofInt("axis", -1)), g.op("Mul", g.op("MatMul", q, kt), g.scalar(0.5f)));
        // The [B, H, S, D] result is used as it is (summed over heads), so the layout cannot change.
        String y = g.op("ReduceSum", List.of(Attribute.ofInt("keepdims", 0)), g.op("MatMul", p, v), g.constant(Tensor.of(new long[] {1}, 1)));
        Graph opt = optimizeAndCompare(g, g.output(y), 1e-5);
        assertThat(ops(opt)).containsEntry("dev.petrel::Attention", 1).containsEntry("Transpose", 3);
        assertThat(attention(opt).attributes().getInt("sequence_major", 0)).isEqualTo(0);
    }

    @Test
    void fusesTheEpilogueOfFourBitProducts() {
        // MatMulNBits as quantizers write it: the Linear's bias a separate Add, then an activation and a
        // residual Add. The bias goes into the operator; a product with more than a bias becomes
        // dev.petrel::FusedMatMulNBits; the results are the unoptimized graph's.
        int m = 9, k = 40, n = 24;
        G g = new G().input("x", m, k);
        g.b.opset("com.microsoft", 1);
        dev.petrel.ops.quant.Q4Block.Quantized q = dev.petrel.ops.quant.Q4Block.quantize(floats(n * k), n, k, 16, true);
        String w = g.constant(Tensor.of(DType.UINT8, q.data, n, q.blocks, 8));
        String scales = g.constant(Tensor.of(q.scales, n, q.blocks));
        String zp = g.constant(Tensor.of(DType.UINT8, q.zeroPoints, n, (q.blocks + 1) / 2));
        List<Attribute> attrs = List.of(Attribute.ofInt("K", k), Attribute.ofInt("N", n), Attribute.ofInt("bits", 4),
                Attribute.ofInt("block_size", 16));
        String p1 = "p1", p2 = "p2";
        g.b.node(new Node(p1, "MatMulNBits", "com.microsoft", 1, List.of("x", w, scales, zp), List.of(p1), new Attributes(attrs)));
        String h = g.op("Relu", g.op("Add", p1, g.random(n)));
        String second = g.op("MatMul", h, g.random(n, k));
        g.b.node(new Node(p2, "MatMulNBits", "com.microsoft", 1, List.of(second, w, scales, zp), List.of(p2), new Attributes(attrs)));
        String y = g.op("Add", g.op("Add", p2, g.random(n)), h);
        Graph opt = optimizeAndCompare(g, g.output(y), 1e-4);
        assertThat(ops(opt)).containsEntry("dev.petrel::FusedMatMulNBits", 2).doesNotContainKeys("Add", "Relu", "com.microsoft::MatMulNBits");
        Node relu = opt.nodes().stream().filter(nd -> nd.opType().equals("FusedMatMulNBits")
                && nd.attributes().getString("activation", "none").equals("relu")).findFirst().orElseThrow();
        assertThat(relu.inputs()).hasSize(6);
        Node residual = opt.nodes().stream().filter(nd -> nd.opType().equals("FusedMatMulNBits") && nd.inputs().size() == 7)
                .findFirst().orElseThrow();
        assertThat(residual.input(6)).isEqualTo(out(relu));
    }

    private static String out(Node n) {
        return n.outputs().get(0);
    }

    private static float[] floats(int size) {
        float[] v = new float[size];
        for (int i = 0; i < size; i++) v[i] = (float) RANDOM.nextGaussian();
        return v;
    }

    @Test
    void fusesAttentionScaledOnQueryWithPositionBias() {
        // CLIP/BART/Swin put the scale on Q before the product; Swin adds a relative position bias [1, H, S, S].
        int b = 2, s = 6, h = 2, d = 4;
        G g = new G().input("x", b, s, h * d);
        List<Attribute> toHeads = List.of(Attribute.ofInts("perm", new long[] {0, 2, 1, 3}));
        String shape = g.constant(Tensor.of(new long[] {b, s, h, d}, 4));
        String q = g.heads("x", h * d, shape, 0, 2, 1, 3);
        String kt = g.heads("x", h * d, shape, 0, 2, 3, 1);
        String v = g.heads("x", h * d, shape, 0, 2, 1, 3);
        String scores = g.op("Add", g.op("MatMul", g.op("Mul", q, g.scalar(0.5f)), kt), g.random(1, h, s, s));
        String p = g.op("Softmax", List.of(Attribute.ofInt("axis", -1)), scores);
        String y = g.op("Transpose", toHeads, g.op("MatMul", p, v));
        Graph opt = optimizeAndCompare(g, g.output(y), 1e-5);
        assertThat(ops(opt)).containsEntry("dev.petrel::Attention", 1).doesNotContainKeys("Softmax", "Mul", "Transpose");
        assertThat(attention(opt).attributes().getFloat("scale", 0f)).isEqualTo(0.5f);
        assertThat(attention(opt).inputs()).hasSize(4);
    }

    @Test
    void fusesVitPackedQkvAttention() {
        // timm/Hugging Face ViT: one QKV projection reshaped to [B, S, 3, H, D], transposed to
        // [3, B, H, S, D], split and squeezed; Kᵀ by a Transpose of the last two axes; output heads merged.
        int b = 2, s = 5, h = 3, d = 4;
        G g = new G().input("x", b, s, h * d);
        String qkv = g.op("Reshape", g.op("MatMul", "x", g.random(h * d, 3 * h * d)), g.constant(Tensor.of(new long[] {b, s, 3, h, d}, 5)));
        String heads = g.op("Transpose", List.of(Attribute.ofInts("perm", new long[] {2, 0, 3, 1, 4})), qkv);
        List<String> parts = g.ops("Split", 3, List.of(Attribute.ofInt("axis", 0)), heads, g.constant(Tensor.of(new long[] {1, 1, 1}, 3)));
        String axis0 = g.constant(Tensor.of(new long[] {0}, 1));
        String q = g.op("Squeeze", parts.get(0), axis0);
        String k = g.op("Squeeze", parts.get(1), axis0);
        String v = g.op("Squeeze", parts.get(2), axis0);
        String kt = g.op("Transpose", List.of(Attribute.ofInts("perm", new long[] {0, 1, 3, 2})), k);
        String p = g.op("Softmax", List.of(Attribute.ofInt("axis", -1)), g.op("Mul", g.op("MatMul", q, kt), g.scalar(0.5f)));
        String y = g.op("Transpose", List.of(Attribute.ofInts("perm", new long[] {0, 2, 1, 3})), g.op("MatMul", p, v));
        Graph opt = optimizeAndCompare(g, g.output(y), 1e-5);
        // The split, the squeezes and both transposes are gone: the attention reads [B, S, 3, H, D] itself.
        assertThat(ops(opt)).containsEntry("dev.petrel::Attention", 1).doesNotContainKeys("Transpose", "Split", "Squeeze", "Softmax");
        assertThat(attention(opt).attributes().getInt("qkv_packed", 0)).isEqualTo(1);
    }

    private static Node attention(Graph g) {
        return g.nodes().stream().filter(n -> n.opType().equals("Attention")).findFirst().orElseThrow();
    }

    @Test
    void keepsSoftmaxOverAnotherAxis() {
        G g = new G().input("q", 2, 3, 4).input("k", 2, 4, 3).input("v", 2, 3, 4);
        String p = g.op("Softmax", List.of(Attribute.ofInt("axis", 1)), g.op("Mul", g.op("MatMul", "q", "k"), g.scalar(0.5f)));
        Graph opt = optimizeAndCompare(g, g.output(g.op("MatMul", p, "v")), 1e-6);
        assertThat(ops(opt)).doesNotContainKey("dev.petrel::Attention");
    }

    @Test
    void attentionWithUntransposedKeyInput() {
        G g = new G().input("q", 2, 3, 4).input("kt", 2, 4, 5).input("v", 2, 5, 6);
        String p = g.op("Softmax", List.of(Attribute.ofInt("axis", -1)), g.op("Mul", g.scalar(0.5f), g.op("MatMul", "q", "kt")));
        Graph opt = optimizeAndCompare(g, g.output(g.op("MatMul", p, "v")), 1e-5);
        assertThat(ops(opt)).isEqualTo(Map.of("dev.petrel::Attention", 1));
        assertThat(new ArrayList<>(opt.nodes()).get(0).attributes().getInt("k_transposed", 0)).isEqualTo(1);
    }
}
