package dev.petrel.ops.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

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
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The quantized-matmul fusion on graphs written the way ONNX Runtime's dynamic quantizer writes them,
 * run with the portable kernels: the fused graph equals the unfused one bit for bit.
 */
class QuantizedMatMulFusionTest {
    private static final Random RANDOM = new Random(3);

    private static Node node(String op, List<String> in, List<String> out, Attribute... attrs) {
        return new Node(out.get(0), op, "", 11, in, out, new Attributes(List.of(attrs)));
    }

    private static Tensor bytes(DType t, int size, long... shape) {
        byte[] v = new byte[size];
        RANDOM.nextBytes(v);
        return Tensor.of(t, v, shape);
    }

    private static Tensor floats(int size, float scale, long... shape) {
        float[] v = new float[size];
        for (int i = 0; i < size; i++) v[i] = (float) RANDOM.nextGaussian() * scale;
        return Tensor.of(v, shape);
    }

    /**
     * x [2, 3, K] quantized once, feeding two products: one INT8 [K, N1] with per-column zero points and
     * scales and a bias Add, one UINT8 [K, N2] with scalar zero point and scale and no bias.
     */
    private static Graph quantizerGraph(int k, int n1, int n2) {
        Graph.Builder g = new Graph.Builder().opset("", 11);
        g.input(new ValueInfo("x", DType.FLOAT, new Dim[] {Dim.of(2), Dim.of(3), Dim.of(k)}));
        g.initializer("w1", bytes(DType.INT8, k * n1, k, n1));
        g.initializer("z1", bytes(DType.INT8, n1, n1));
        g.initializer("s1", floats(n1, 0.01f, n1));
        g.initializer("b1", floats(n1, 1f, n1));
        g.initializer("w2", bytes(DType.UINT8, k * n2, k, n2));
        g.initializer("z2", bytes(DType.UINT8, 1));
        g.initializer("s2", Tensor.of(new float[] {0.003f}));
        g.node(node("DynamicQuantizeLinear", List.of("x"), List.of("xq", "xs", "xz")));
        g.node(node("Mul", List.of("xs", "s1"), List.of("sc1")));
        g.node(node("Mul", List.of("s2", "xs"), List.of("sc2")));
        g.node(node("MatMulInteger", List.of("xq", "w1", "xz", "z1"), List.of("i1")));
        g.node(node("MatMulInteger", List.of("xq", "w2", "xz", "z2"), List.of("i2")));
        g.node(node("Cast", List.of("i1"), List.of("f1"), Attribute.ofInt("to", 1)));
        g.node(node("Cast", List.of("i2"), List.of("f2"), Attribute.ofInt("to", 1)));
        g.node(node("Mul", List.of("f1", "sc1"), List.of("m1")));
        g.node(node("Mul", List.of("sc2", "f2"), List.of("y2")));
        g.node(node("Add", List.of("b1", "m1"), List.of("y1")));
        g.output(new ValueInfo("y1", DType.FLOAT, null));
        g.output(new ValueInfo("y2", DType.FLOAT, null));
        return g.build();
    }

    private static Map<String, Integer> ops(Graph g) {
        Map<String, Integer> ops = new TreeMap<>();
        for (Node n : g.nodes()) ops.merge((n.domain().isEmpty() ? "" : n.domain() + "::") + n.opType(), 1, Integer::sum);
        return ops;
    }

    private static Map<String, Tensor> run(Graph g, Tensor x) {
        try (Session s = Model.of(g).newSession()) {
            Map<String, Tensor> first = s.run(Map.of("x", x));
            Map<String, Tensor> again = s.run(Map.of("x", x));
            for (String k : first.keySet()) assertThat(again.get(k).toFloatArray()).containsExactly(first.get(k).toFloatArray());
            return first;
        }
    }

    @Test
    void fusesBothProductsAndMatchesBitForBit() {
        int k = 37;
        Graph graph = quantizerGraph(k, 19, 8);
        Graph opt = GraphOptimizer.optimize(graph, Model.registry());
        assertThat(ops(opt)).isEqualTo(Map.of("dev.petrel::DynamicQuantMatMul", 2));
        Node fused = opt.nodes().stream().filter(n -> n.outputs().contains("y1")).findFirst().orElseThrow();
        assertThat(fused.inputs()).containsExactly("x", "w1", "s1", "z1", "b1");
        for (float spread : new float[] {0f, 1f, 100f}) {
            Tensor x = floats(2 * 3 * k, spread, 2, 3, k);
            Map<String, Tensor> expected = run(graph, x);
            Map<String, Tensor> actual = run(opt, x);
            for (String name : List.of("y1", "y2")) {
                assertThat(actual.get(name).dims()).containsExactly(2, 3, name.equals("y1") ? 19 : 8);
                assertThat(actual.get(name).toFloatArray()).as("%s at spread %s", name, spread)
                        .containsExactly(expected.get(name).toFloatArray());
            }
        }
    }

    @Test
    void residualAddsJoinTheProduct() {
        int k = 21, n1 = 10, n2 = 6;
        Graph base = quantizerGraph(k, n1, n2);
        Graph.Builder g = new Graph.Builder().opset("", 11);
        g.input(new ValueInfo("x", DType.FLOAT, new Dim[] {Dim.of(2), Dim.of(3), Dim.of(k)}));
        g.input(new ValueInfo("r1", DType.FLOAT, new Dim[] {Dim.of(2), Dim.of(3), Dim.of(n1)}));
        g.input(new ValueInfo("r2", DType.FLOAT, new Dim[] {Dim.of(n2)}));
        for (Map.Entry<String, Tensor> e : base.initializers().entrySet()) g.initializer(e.getKey(), e.getValue());
        for (Node n : base.nodes()) g.node(n);
        // y1 (with bias) + r1 of its own shape; r2 (broadcast over rows) + y2 (no bias).
        g.node(node("Add", List.of("y1", "r1"), List.of("o1")));
        g.node(node("Add", List.of("r2", "y2"), List.of("o2")));
        g.output(new ValueInfo("o1", DType.FLOAT, null));
        g.output(new ValueInfo("o2", DType.FLOAT, null));
        Graph graph = g.build();
        Graph opt = GraphOptimizer.optimize(graph, Model.registry());
        assertThat(ops(opt)).isEqualTo(Map.of("dev.petrel::DynamicQuantMatMul", 2));
        Node f1 = opt.nodes().stream().filter(n -> n.outputs().contains("o1")).findFirst().orElseThrow();
        Node f2 = opt.nodes().stream().filter(n -> n.outputs().contains("o2")).findFirst().orElseThrow();
        assertThat(f1.inputs()).containsExactly("x", "w1", "s1", "z1", "b1", "r1");
        assertThat(f2.inputs()).containsExactly("x", "w2", "s2", "z2", "", "r2");
        Tensor x = floats(2 * 3 * k, 2f, 2, 3, k);
        Tensor r1 = floats(2 * 3 * n1, 1f, 2, 3, n1);
        Tensor r2 = floats(n2, 1f, n2);
        Map<String, Tensor> in = Map.of("x", x, "r1", r1, "r2", r2);
        Map<String, Tensor> expected, actual;
        try (Session s = Model.of(graph).newSession()) {
            expected = s.run(in);
        }
        try (Session s = Model.of(opt).newSession()) {
            actual = s.run(in);
            Map<String, Tensor> again = s.run(in);
            for (String name : List.of("o1", "o2")) assertThat(again.get(name).toFloatArray()).containsExactly(actual.get(name).toFloatArray());
        }
        for (String name : List.of("o1", "o2")) {
            assertThat(actual.get(name).dims()).containsExactly(2, 3, name.equals("o1") ? n1 : n2);
            assertThat(actual.get(name).toFloatArray()).as(name).containsExactly(expected.get(name).toFloatArray());
        }
    }

    @Test
    void geluAndResidualJoinTheProduct() {
        int k = 21, n1 = 10, n2 = 6;
        Graph base = quantizerGraph(k, n1, n2);
        Graph.Builder g = new Graph.Builder().opset("", 11).opset("dev.petrel", 1);
        g.input(new ValueInfo("x", DType.FLOAT, new Dim[] {Dim.of(2), Dim.of(3), Dim.of(k)}));
        g.input(new ValueInfo("r1", DType.FLOAT, new Dim[] {Dim.of(2), Dim.of(3), Dim.of(n1)}));
        for (Map.Entry<String, Tensor> e : base.initializers().entrySet()) g.initializer(e.getKey(), e.getValue());
        for (Node n : base.nodes()) g.node(n);
        // y1 (with bias) through GELU, plus r1; y2 (no bias) through tanh GELU alone.
        g.node(new Node("g1", "Gelu", "dev.petrel", 1, List.of("y1"), List.of("g1"), new Attributes(List.of())));
        g.node(node("Add", List.of("g1", "r1"), List.of("o1")));
        g.node(new Node("g2", "Gelu", "dev.petrel", 1, List.of("y2"), List.of("o2"),
                new Attributes(List.of(Attribute.ofString("approximate", "tanh")))));
        g.output(new ValueInfo("o1", DType.FLOAT, null));
        g.output(new ValueInfo("o2", DType.FLOAT, null));
        Graph graph = g.build();
        Graph opt = GraphOptimizer.optimize(graph, Model.registry());
        assertThat(ops(opt)).isEqualTo(Map.of("dev.petrel::DynamicQuantMatMul", 2));
        Node f1 = opt.nodes().stream().filter(n -> n.outputs().contains("o1")).findFirst().orElseThrow();
        Node f2 = opt.nodes().stream().filter(n -> n.outputs().contains("o2")).findFirst().orElseThrow();
        assertThat(f1.inputs()).containsExactly("x", "w1", "s1", "z1", "b1", "r1");
        assertThat(f1.attributes().getString("activation", "")).isEqualTo("gelu");
        assertThat(f1.attributes().getString("approximate", "")).isEqualTo("none");
        assertThat(f2.inputs()).containsExactly("x", "w2", "s2", "z2");
        assertThat(f2.attributes().getString("approximate", "")).isEqualTo("tanh");
        Map<String, Tensor> in = Map.of("x", floats(2 * 3 * k, 2f, 2, 3, k), "r1", floats(2 * 3 * n1, 1f, 2, 3, n1));
        Map<String, Tensor> expected, actual;
        try (Session s = Model.of(graph).newSession()) {
            expected = s.run(in);
        }
        try (Session s = Model.of(opt).newSession()) {
            actual = s.run(in);
        }
        for (String name : List.of("o1", "o2")) {
            assertThat(actual.get(name).toFloatArray()).as(name).containsExactly(expected.get(name).toFloatArray());
        }
    }

    @Test
    void leavesTheGraphAloneWhenTheQuantizedValueIsAlsoAnOutput() {
        Graph.Builder g = new Graph.Builder().opset("", 11);
        g.input(new ValueInfo("x", DType.FLOAT, new Dim[] {Dim.of(1), Dim.of(4)}));
        g.initializer("w", bytes(DType.INT8, 8, 4, 2));
        g.initializer("s", floats(2, 0.1f, 2));
        g.node(node("DynamicQuantizeLinear", List.of("x"), List.of("xq", "xs", "xz")));
        g.node(node("Mul", List.of("xs", "s"), List.of("sc")));
        g.node(node("MatMulInteger", List.of("xq", "w", "xz"), List.of("i")));
        g.node(node("Cast", List.of("i"), List.of("f"), Attribute.ofInt("to", 1)));
        g.node(node("Mul", List.of("f", "sc"), List.of("y")));
        g.output(new ValueInfo("y", DType.FLOAT, null));
        g.output(new ValueInfo("f", DType.FLOAT, null));
        Graph opt = GraphOptimizer.optimize(g.build(), Model.registry());
        assertThat(ops(opt)).containsEntry("MatMulInteger", 1).doesNotContainKey("dev.petrel::DynamicQuantMatMul");
    }

    @Test
    void handComputedProduct() {
        // x = [0, 2.55]: range [0, 2.55], scale 0.01, zero point 0, quantized [0, 255].
        // W = [[3], [-2]] with zero point 1: (0)(3-1) + (255)(-2-1) = -765; times 0.01 * 0.5, plus bias 1.
        Graph.Builder g = new Graph.Builder().opset("", 11).opset("dev.petrel", 1);
        g.input(new ValueInfo("x", DType.FLOAT, null));
        g.initializer("w", Tensor.of(DType.INT8, new byte[] {3, -2}, 2, 1));
        g.initializer("s", Tensor.of(new float[] {0.5f}, 1));
        g.initializer("z", Tensor.of(DType.INT8, new byte[] {1}, 1));
        g.initializer("b", Tensor.of(new float[] {1f}, 1));
        g.node(new Node("q", "DynamicQuantMatMul", "dev.petrel", 1, List.of("x", "w", "s", "z", "b"), List.of("y"),
                new Attributes(List.of())));
        g.output(new ValueInfo("y", DType.FLOAT, null));
        try (Session s = Model.of(g.build()).newSession()) {
            Tensor y = s.run(Map.of("x", Tensor.of(new float[] {0f, 2.55f}, 1, 2))).get("y");
            assertThat(y.dims()).containsExactly(1, 1);
            assertThat(y.toFloatArray()[0]).isCloseTo(-765 * 0.005f + 1f, within(1e-5f));
        }
    }
}
