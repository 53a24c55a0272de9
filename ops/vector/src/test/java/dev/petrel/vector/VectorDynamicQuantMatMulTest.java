package dev.petrel.vector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.DType;
import dev.petrel.Model;
import dev.petrel.Options;
import dev.petrel.Session;
import dev.petrel.Tensor;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.graph.ValueInfo;
import dev.petrel.spi.KernelRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The Vector API DynamicQuantMatMul against the portable reference: bit for bit, on shapes that leave
 * partial row tiles, partial column panels and an odd K, for INT8 and UINT8 weights, per-column and
 * scalar zero points and scales, with and without bias, on one and two threads.
 */
class VectorDynamicQuantMatMulTest {
    private static final Random RANDOM = new Random(7);

    /**
     * x (a graph input) goes through Neg first when {@code nativeX}: the kernel then reads planned
     * off-heap memory, as in a model; otherwise it reads the caller's heap tensor.
     */
    static Graph graph(Tensor w, Tensor ws, Tensor zp, Tensor bias, boolean nativeX) {
        Graph.Builder g = new Graph.Builder().opset("", 14).opset("dev.petrel", 1);
        g.input(new ValueInfo("x", DType.FLOAT, null));
        g.initializer("w", w);
        g.initializer("ws", ws);
        List<String> in = new ArrayList<>(List.of(nativeX ? "nx" : "x", "w", "ws", zp == null ? "" : "zp"));
        if (zp != null) g.initializer("zp", zp);
        if (bias != null) {
            g.initializer("b", bias);
            in.add("b");
        }
        if (nativeX) g.node(new Node("neg", "Neg", "", 14, List.of("x"), List.of("nx"), new Attributes(List.of())));
        g.node(new Node("q", "DynamicQuantMatMul", "dev.petrel", 1, in, List.of("y"), new Attributes(List.of())));
        g.output(new ValueInfo("y", null, null));
        return g.build();
    }

    static float[] run(KernelRegistry kernels, Graph graph, Tensor x, int threads) {
        try (Session s = Model.of(graph, kernels).newSession(new Options().threads(threads))) {
            float[] first = s.run(Map.of("x", x)).get("y").toFloatArray();
            float[] second = s.run(Map.of("x", x)).get("y").toFloatArray();
            assertThat(second).containsExactly(first);
            return first;
        }
    }

    static Tensor bytes(DType t, int size, long... shape) {
        byte[] v = new byte[size];
        RANDOM.nextBytes(v);
        return Tensor.of(t, v, shape);
    }

    static Tensor floats(int size, float scale, long... shape) {
        float[] v = new float[size];
        for (int i = 0; i < size; i++) v[i] = (float) RANDOM.nextGaussian() * scale;
        return Tensor.of(v, shape);
    }

    @ParameterizedTest
    @CsvSource({
        "1, 1, 1, INT8, true, true, true",
        "3, 7, 5, INT8, true, true, false",
        "5, 33, 31, UINT8, false, false, true",
        "9, 40, 33, INT8, true, true, true",
        "6, 64, 97, UINT8, true, false, false",
        "130, 384, 100, INT8, true, true, true",
        "128, 1536, 40, INT8, true, true, false"})
    void matchesPortableBitForBit(int m, int k, int n, String type, boolean perColumn, boolean withBias, boolean nativeX) {
        DType dt = DType.valueOf(type);
        Tensor w = bytes(dt, k * n, k, n);
        Tensor zp = perColumn ? bytes(dt, n, n) : bytes(dt, 1);
        Tensor ws = perColumn ? floats(n, 0.01f, n) : Tensor.of(new float[] {0.02f});
        Tensor bias = withBias ? floats(n, 1f, n) : null;
        Tensor x = floats(m * k, 3f, 1, m, k);
        Graph g = graph(w, ws, zp, bias, nativeX);
        float[] expected = run(VectorHarness.PORTABLE, g, x, 1);
        for (int threads : new int[] {1, 2}) {
            assertThat(run(VectorHarness.VECTOR, g, x, threads)).as("threads %d", threads).containsExactly(expected);
        }
    }

    /**
     * 7-bit weights (ONNX Runtime's reduce_range) with zero points 0 allow K blocks of about 1028 exact
     * fp32 terms: K = 700 runs as one block, K = 1100 as two; the extreme values make the largest sums.
     */
    @ParameterizedTest
    @CsvSource({"13, 700, 50", "6, 1100, 49"})
    void longExactBlocksMatchPortable(int m, int k, int n) {
        byte[] wv = new byte[k * n];
        for (int i = 0; i < wv.length; i++) wv[i] = (byte) (i % 3 == 0 ? 64 : RANDOM.nextInt(129) - 64);
        Tensor w = Tensor.of(DType.INT8, wv, k, n);
        Tensor zp = Tensor.of(DType.INT8, new byte[n], n);
        Tensor ws = floats(n, 0.01f, n);
        float[] xv = new float[m * k];
        // Row 0 all at the maximum (quantized 255 with zero point 0 after the one negative value):
        // every product of row 0 is 255 * 64 where the weight is 64.
        for (int i = 0; i < xv.length; i++) xv[i] = i < k ? 1f : (float) RANDOM.nextGaussian();
        xv[k] = -1e-6f;
        Tensor x = Tensor.of(xv, m, k);
        Graph g = graph(w, ws, zp, null, true);
        float[] expected = run(VectorHarness.PORTABLE, g, x, 1);
        for (int threads : new int[] {1, 2}) {
            assertThat(run(VectorHarness.VECTOR, g, x, threads)).as("threads %d", threads).containsExactly(expected);
        }
    }

    /** A residual of the output's shape is added in the epilogue; one that broadcasts takes the reference's path. */
    @ParameterizedTest
    @CsvSource({"37, 300, 100, true", "5, 20, 7, false", "9, 16, 50, true"})
    void residualMatchesPortable(int m, int k, int n, boolean sameShape) {
        Tensor w = bytes(DType.INT8, k * n, k, n);
        Tensor zp = bytes(DType.INT8, n, n);
        Tensor ws = floats(n, 0.01f, n);
        Graph.Builder g = new Graph.Builder().opset("", 14).opset("dev.petrel", 1);
        g.input(new ValueInfo("x", DType.FLOAT, null));
        g.input(new ValueInfo("r", DType.FLOAT, null));
        g.initializer("w", w);
        g.initializer("ws", ws);
        g.initializer("zp", zp);
        g.node(new Node("neg", "Neg", "", 14, List.of("x"), List.of("nx"), new Attributes(List.of())));
        g.node(new Node("q", "DynamicQuantMatMul", "dev.petrel", 1, List.of("nx", "w", "ws", "zp", "", "r"), List.of("y"),
                new Attributes(List.of())));
        g.output(new ValueInfo("y", null, null));
        Graph graph = g.build();
        Tensor x = floats(m * k, 3f, 1, m, k);
        Tensor r = sameShape ? floats(m * n, 1f, 1, m, n) : floats(n, 1f, n);
        Map<String, Tensor> in = Map.of("x", x, "r", r);
        float[] expected;
        try (Session s = Model.of(graph, VectorHarness.PORTABLE).newSession()) {
            expected = s.run(in).get("y").toFloatArray();
        }
        for (int threads : new int[] {1, 2}) {
            try (Session s = Model.of(graph, VectorHarness.VECTOR).newSession(new Options().threads(threads))) {
                assertThat(s.run(in).get("y").toFloatArray()).as("threads %d", threads).containsExactly(expected);
                assertThat(s.run(in).get("y").toFloatArray()).as("threads %d, planned", threads).containsExactly(expected);
            }
        }
    }

    /**
     * GELU in the epilogue: bit for bit the vector backend's unfused product then Gelu (then Add),
     * and within float rounding of the portable reference (whose erf differs in the last bits).
     */
    @ParameterizedTest
    @CsvSource({"37, 300, 100, none, true", "5, 20, 7, tanh, false", "130, 384, 1536, none, false"})
    void geluMatchesUnfused(int m, int k, int n, String approximate, boolean withResidual) {
        Tensor w = bytes(DType.INT8, k * n, k, n);
        Tensor zp = bytes(DType.INT8, n, n);
        Tensor ws = floats(n, 0.01f, n);
        Tensor bias = floats(n, 1f, n);
        Attributes act = new Attributes(List.of(dev.petrel.graph.Attribute.ofString("activation", "gelu"),
                dev.petrel.graph.Attribute.ofString("approximate", approximate)));
        Graph.Builder f = new Graph.Builder().opset("", 14).opset("dev.petrel", 1);
        Graph.Builder u = new Graph.Builder().opset("", 14).opset("dev.petrel", 1);
        for (Graph.Builder g : List.of(f, u)) {
            g.input(new ValueInfo("x", DType.FLOAT, null));
            g.input(new ValueInfo("r", DType.FLOAT, null));
            g.initializer("w", w);
            g.initializer("ws", ws);
            g.initializer("zp", zp);
            g.initializer("b", bias);
            g.node(new Node("neg", "Neg", "", 14, List.of("x"), List.of("nx"), new Attributes(List.of())));
            g.output(new ValueInfo("y", null, null));
        }
        List<String> in = new ArrayList<>(List.of("nx", "w", "ws", "zp", "b"));
        if (withResidual) in.add("r");
        f.node(new Node("q", "DynamicQuantMatMul", "dev.petrel", 1, in, List.of("y"), act));
        u.node(new Node("q", "DynamicQuantMatMul", "dev.petrel", 1, List.of("nx", "w", "ws", "zp", "b"), List.of("p"), new Attributes(List.of())));
        u.node(new Node("g", "Gelu", "dev.petrel", 1, List.of("p"), List.of(withResidual ? "gp" : "y"),
                new Attributes(List.of(dev.petrel.graph.Attribute.ofString("approximate", approximate)))));
        if (withResidual) u.node(new Node("a", "Add", "", 14, List.of("gp", "r"), List.of("y"), new Attributes(List.of())));
        Map<String, Tensor> feeds = Map.of("x", floats(m * k, 3f, 1, m, k), "r", floats(m * n, 1f, 1, m, n));
        float[] unfused;
        float[] reference;
        try (Session s = Model.of(u.build(), VectorHarness.VECTOR).newSession()) {
            unfused = s.run(feeds).get("y").toFloatArray();
        }
        try (Session s = Model.of(f.build(), VectorHarness.PORTABLE).newSession()) {
            reference = s.run(feeds).get("y").toFloatArray();
        }
        for (int threads : new int[] {1, 2}) {
            try (Session s = Model.of(f.build(), VectorHarness.VECTOR).newSession(new Options().threads(threads))) {
                for (int run = 0; run < 2; run++) {
                    float[] actual = s.run(feeds).get("y").toFloatArray();
                    assertThat(actual).as("threads %d", threads).containsExactly(unfused);
                    for (int i = 0; i < actual.length; i++) {
                        assertThat(actual[i]).isCloseTo(reference[i], org.assertj.core.api.Assertions.within(1e-5f * Math.max(1f, Math.abs(reference[i]))));
                    }
                }
            }
        }
    }

    @Test
    void edgeValuesMatchPortable() {
        int k = 48;
        int n = 40;
        Tensor w = bytes(DType.INT8, k * n, k, n);
        Tensor ws = floats(n, 0.01f, n);
        Graph g = graph(w, ws, null, null, true);
        float[][] inputs = new float[4][3 * k];
        // all zero (scale 1), all positive, values that round half to even, and a NaN and an infinity
        for (int i = 0; i < 3 * k; i++) {
            inputs[1][i] = 1 + i;
            inputs[2][i] = (i % 5 - 2) * 0.5f * 255f / 4f;
            inputs[3][i] = (float) Math.sin(i);
        }
        inputs[3][5] = Float.NaN;
        for (float[] v : inputs) {
            Tensor x = Tensor.of(v, 3, k);
            assertThat(run(VectorHarness.VECTOR, g, x, 1)).containsExactly(run(VectorHarness.PORTABLE, g, x, 1));
        }
        float[] inf = inputs[3].clone();
        inf[5] = Float.POSITIVE_INFINITY;
        Tensor x = Tensor.of(inf, 3, k);
        assertThat(run(VectorHarness.VECTOR, g, x, 1)).containsExactly(run(VectorHarness.PORTABLE, g, x, 1));
    }
}
