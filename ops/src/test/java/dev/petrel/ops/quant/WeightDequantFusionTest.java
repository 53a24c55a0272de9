package dev.petrel.ops.quant;

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
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * QDQ weights (DequantizeLinear of a constant 8-bit [K, N] feeding MatMul, as {@code petrel quantize --to int8}
 * and ONNX Runtime's QDQ quantizer write them) run as 8-bit MatMulNBits: same values as dequantizing
 * first, within fp32 summation-order rounding. (Weights under 16K elements are folded to fp32 at load
 * instead, hence the sizes.)
 */
class WeightDequantFusionTest {
    private static final Random RANDOM = new Random(11);

    private static Node node(String op, List<String> in, String out, Attribute... attrs) {
        return new Node(out, op, "", 13, in, List.of(out), new Attributes(List.of(attrs)));
    }

    private static Tensor floats(int size, float scale, long... shape) {
        float[] v = new float[size];
        for (int i = 0; i < size; i++) v[i] = (float) RANDOM.nextGaussian() * scale;
        return Tensor.of(v, shape);
    }

    private static Graph graph(DType type, int k, int n, boolean perColumn, boolean zeroPoint, boolean bias) {
        Graph.Builder g = new Graph.Builder().opset("", 13);
        g.input(new ValueInfo("x", DType.FLOAT, new Dim[] {Dim.of(2), Dim.symbol("s"), Dim.of(k)}));
        byte[] w = new byte[k * n];
        RANDOM.nextBytes(w);
        g.initializer("w", Tensor.of(type, w, k, n));
        int scales = perColumn ? n : 1;
        float[] s = new float[scales];
        for (int i = 0; i < scales; i++) s[i] = 0.001f + RANDOM.nextFloat() * 0.02f;
        g.initializer("s", perColumn ? Tensor.of(s, n) : Tensor.scalar(s[0]));
        List<String> dqIn = List.of("w", "s");
        if (zeroPoint) {
            byte[] z = new byte[scales];
            RANDOM.nextBytes(z);
            g.initializer("z", perColumn ? Tensor.of(type, z, n) : Tensor.of(type, z));
            dqIn = List.of("w", "s", "z");
        }
        g.node(node("DequantizeLinear", dqIn, "wf", Attribute.ofInt("axis", 1)));
        g.node(node("MatMul", List.of("x", "wf"), bias ? "p" : "y"));
        if (bias) {
            g.initializer("b", floats(n, 1f, n));
            g.node(node("Add", List.of("p", "b"), "y"));
        }
        g.output(new ValueInfo("y", DType.FLOAT, null));
        return g.build();
    }

    private static Map<String, Integer> ops(Graph g) {
        Map<String, Integer> ops = new TreeMap<>();
        for (Node n : g.nodes()) ops.merge((n.domain().isEmpty() ? "" : n.domain() + "::") + n.opType(), 1, Integer::sum);
        return ops;
    }

    private static float[] run(Graph g, Tensor x) {
        try (Session s = Model.of(g).newSession()) {
            return s.run(Map.of("x", x)).get("y").toFloatArray();
        }
    }

    @ParameterizedTest
    @CsvSource({"INT8, 384, 49, true, false, true", "INT8, 37, 512, false, true, false", "UINT8, 64, 300, true, true, true",
            "UINT8, 100, 170, false, false, false", "INT8, 1536, 17, true, true, false"})
    void runsAsEightBitMatMulNBits(DType type, int k, int n, boolean perColumn, boolean zeroPoint, boolean bias) {
        Graph graph = graph(type, k, n, perColumn, zeroPoint, bias);
        Graph opt = GraphOptimizer.optimize(graph, Model.registry());
        assertThat(ops(opt)).isEqualTo(Map.of("com.microsoft::MatMulNBits", 1));
        for (int rows : new int[] {1, 4, 9}) {
            Tensor x = floats(2 * rows * k, 1f, 2, rows, k);
            float[] expected = run(graph, x);
            float[] actual = run(opt, x);
            assertThat(actual).hasSameSizeAs(expected);
            double scale = 0;
            for (float e : expected) scale = Math.max(scale, Math.abs(e));
            for (int i = 0; i < expected.length; i++) {
                assertThat((double) Math.abs(actual[i] - expected[i])).as("element %d of %d rows", i, rows)
                        .isLessThanOrEqualTo(1e-5 * scale + 1e-6);
            }
        }
    }
}
