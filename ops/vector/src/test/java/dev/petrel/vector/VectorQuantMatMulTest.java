package dev.petrel.vector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.DType;
import dev.petrel.Model;
import dev.petrel.Options;
import dev.petrel.Session;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.graph.ValueInfo;
import dev.petrel.ops.quant.Bnb4Format;
import dev.petrel.ops.quant.Q4Block;
import dev.petrel.spi.KernelRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The Vector API MatMulNBits and MatMulBnb4 against the portable kernels on random shapes: K not a
 * multiple of the block (padded last block), odd N, M below and above the 4-row group, with and
 * without zero points and bias, weights as initializers, A from the caller or from planned native
 * memory, on 1 and 2 threads. Both sum fp32 products in different orders, so they agree to a few ulps
 * of the partial sums: within {@code 2e-6 * K + 1e-5 * |y|} (the weights and A are O(1) Gaussians).
 */
class VectorQuantMatMulTest {
    private static final int[] BLOCKS = {16, 32, 64, 128, 256};

    @Property(tries = 60)
    void matMulNBitsMatchesPortable(@ForAll @IntRange(min = 1, max = 600) int k, @ForAll @IntRange(min = 1, max = 70) int n,
                                    @ForAll @IntRange(min = 1, max = 9) int m, @ForAll @IntRange(min = 0, max = 4) int bsIndex,
                                    @ForAll boolean zeroPoints, @ForAll boolean withBias, @ForAll boolean nativeA,
                                    @ForAll @IntRange(min = 1, max = 2) int threads, @ForAll @IntRange(min = 0, max = 1000) int seed) {
        Random r = new Random(seed);
        int bs = BLOCKS[bsIndex];
        Q4Block.Quantized q = Q4Block.quantize(gaussian(r, n * k), n, k, bs, zeroPoints);
        List<String> in = new ArrayList<>(List.of("B", "scales"));
        Graph.Builder g = builder(nativeA);
        g.initializer("B", Tensor.of(DType.UINT8, q.data, n, q.blocks, bs / 2));
        g.initializer("scales", Tensor.of(q.scales, n, q.blocks));
        if (zeroPoints) {
            g.initializer("zp", Tensor.of(DType.UINT8, q.zeroPoints, n, (q.blocks + 1) / 2));
            in.add("zp");
        } else {
            in.add("");
        }
        in.add("");
        if (withBias) {
            g.initializer("bias", Tensor.of(gaussian(r, n), n));
            in.add("bias");
        }
        node(g, "MatMulNBits", nativeA, in, List.of(Attribute.ofInt("K", k), Attribute.ofInt("N", n),
                Attribute.ofInt("bits", 4), Attribute.ofInt("block_size", bs)));
        compare(g.build(), Tensor.of(gaussian(r, m * k), m, k), k, threads);
    }

    /**
     * dev.petrel::FusedMatMulNBits (MatMulNBits with an activation and a residual): the vector kernel
     * (epilogue in the GEMM's tiles from the prompt row count on, vector passes below it) against the
     * portable one (the product, then the activation and the residual in place).
     */
    @Property(tries = 60)
    void fusedMatMulNBitsMatchesPortable(@ForAll @IntRange(min = 1, max = 300) int k, @ForAll @IntRange(min = 1, max = 70) int n,
                                         @ForAll @IntRange(min = 1, max = 20) int m, @ForAll @IntRange(min = 0, max = 3) int activation,
                                         @ForAll boolean withBias, @ForAll boolean withResidual, @ForAll boolean zeroPoints,
                                         @ForAll @IntRange(min = 1, max = 2) int threads, @ForAll @IntRange(min = 0, max = 1000) int seed) {
        Random r = new Random(seed);
        int bs = 32;
        Q4Block.Quantized q = Q4Block.quantize(gaussian(r, n * k), n, k, bs, zeroPoints);
        Graph.Builder g = new Graph.Builder().opset("", 14).opset("com.microsoft", 1).opset("dev.petrel", 1);
        g.input(new ValueInfo("x", DType.FLOAT, null));
        g.output(new ValueInfo("y", null, null));
        g.initializer("B", Tensor.of(DType.UINT8, q.data, n, q.blocks, bs / 2));
        g.initializer("scales", Tensor.of(q.scales, n, q.blocks));
        List<String> in = new ArrayList<>(List.of("x", "B", "scales"));
        if (zeroPoints) g.initializer("zp", Tensor.of(DType.UINT8, q.zeroPoints, n, (q.blocks + 1) / 2));
        in.add(zeroPoints ? "zp" : "");
        in.add("");
        if (withBias) g.initializer("bias", Tensor.of(gaussian(r, n), n));
        in.add(withBias ? "bias" : "");
        Map<String, Tensor> feed = new java.util.HashMap<>(Map.of("x", Tensor.of(gaussian(r, m * k), m, k)));
        if (withResidual) {
            g.input(new ValueInfo("res", DType.FLOAT, null));
            feed.put("res", Tensor.of(gaussian(r, m * n), m, n));
            in.add("res");
        }
        List<Attribute> attrs = new ArrayList<>(List.of(Attribute.ofInt("K", k), Attribute.ofInt("N", n), Attribute.ofInt("bits", 4),
                Attribute.ofInt("block_size", bs)));
        if (activation > 0) attrs.add(Attribute.ofString("activation", activation == 1 ? "relu" : "gelu"));
        if (activation == 3) attrs.add(Attribute.ofString("approximate", "tanh"));
        g.node(new Node("q", "FusedMatMulNBits", "dev.petrel", 1, in, List.of("y"), new Attributes(attrs)));
        Graph graph = g.build();
        assertWithin(run(VectorHarness.VECTOR, graph, feed, threads), run(VectorHarness.PORTABLE, graph, feed, 1), k);
    }

    private static float[] run(KernelRegistry kernels, Graph graph, Map<String, Tensor> feed, int threads) {
        try (Session s = Model.of(graph, kernels).newSession(new Options().threads(threads))) {
            float[] first = s.run(feed).get("y").toFloatArray();
            assertThat(s.run(feed).get("y").toFloatArray()).containsExactly(first);
            return first;
        }
    }

    @Property(tries = 60)
    void matMulBnb4MatchesPortable(@ForAll @IntRange(min = 1, max = 12) int kBlocks, @ForAll @IntRange(min = 0, max = 5) int kExtra,
                                   @ForAll @IntRange(min = 1, max = 70) int n, @ForAll @IntRange(min = 1, max = 9) int m,
                                   @ForAll @IntRange(min = 0, max = 3) int bsIndex, @ForAll boolean nf4, @ForAll boolean nativeA,
                                   @ForAll @IntRange(min = 1, max = 2) int threads, @ForAll @IntRange(min = 0, max = 1000) int seed) {
        Random r = new Random(seed);
        int bs = BLOCKS[bsIndex];
        // Mostly K a multiple of the block (the vector path), sometimes not (blocks span rows: portable).
        int k = kBlocks * bs + (kExtra == 5 ? 7 : 0);
        Bnb4Format f = nf4 ? Bnb4Format.NF4 : Bnb4Format.FP4;
        Bnb4Format.Quantized q = f.quantize(gaussian(r, n * k), bs);
        Graph.Builder g = builder(nativeA);
        g.initializer("B", Tensor.of(DType.UINT8, q.data, q.data.length));
        g.initializer("absmax", Tensor.of(q.absmax, q.absmax.length));
        node(g, "MatMulBnb4", nativeA, List.of("B", "absmax"), List.of(Attribute.ofInt("K", k), Attribute.ofInt("N", n),
                Attribute.ofInt("block_size", bs), Attribute.ofInt("quant_type", f.quantType())));
        compare(g.build(), Tensor.of(gaussian(r, m * k), m, k), k, threads);
    }

    private static Graph.Builder builder(boolean nativeA) {
        Graph.Builder g = new Graph.Builder().opset("", 14).opset("com.microsoft", 1);
        g.input(new ValueInfo("x", DType.FLOAT, null));
        g.output(new ValueInfo("y", null, null));
        return g;
    }

    private static void node(Graph.Builder g, String op, boolean nativeA, List<String> rest, List<Attribute> attrs) {
        // Through Neg the kernel reads A from planned off-heap memory, as inside a model.
        if (nativeA) g.node(new Node("neg", "Neg", "", 14, List.of("x"), List.of("a"), new Attributes(List.of())));
        List<String> in = new ArrayList<>();
        in.add(nativeA ? "a" : "x");
        in.addAll(rest);
        g.node(new Node("q", op, "com.microsoft", 1, in, List.of("y"), new Attributes(attrs)));
    }

    private static void compare(Graph graph, Tensor x, int k, int threads) {
        assertWithin(run(VectorHarness.VECTOR, graph, x, threads), run(VectorHarness.PORTABLE, graph, x, 1), k);
    }

    /** Within {@code 2e-6 * K + 1e-5 * |y|} element-wise (see the class comment). */
    private static void assertWithin(float[] actual, float[] expected, int k) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            double tol = 2e-6 * k + 1e-5 * Math.abs(expected[i]);
            assertThat((double) Math.abs(actual[i] - expected[i])).as("element %d: %s vs %s", i, actual[i], expected[i])
                    .isLessThanOrEqualTo(tol);
        }
    }

    private static float[] run(KernelRegistry kernels, Graph graph, Tensor x, int threads) {
        try (Session s = Model.of(graph, kernels).newSession(new Options().threads(threads))) {
            float[] first = s.run(Map.of("x", x)).get("y").toFloatArray();
            assertThat(s.run(Map.of("x", x)).get("y").toFloatArray()).containsExactly(first);
            return first;
        }
    }

    private static float[] gaussian(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }

    /** The register kernels themselves (not a fallback): against the format types' scalar dot products. */
    @Property(tries = 30)
    void registerKernelsMatchTheScalarDots(@ForAll @IntRange(min = 1, max = 8) int kBlocks, @ForAll @IntRange(min = 1, max = 9) int m,
                                           @ForAll @IntRange(min = 1, max = 2) int bsShift, @ForAll @IntRange(min = 0, max = 1000) int seed) {
        Random r = new Random(seed);
        int bs = QuantGemv.CHUNK << (bsShift - 1);
        int k = kBlocks * bs - (seed % 2 == 0 ? 0 : 3);
        int n = 5;
        int blocks = (k + bs - 1) / bs;
        int paddedK = blocks * bs;
        float[] a = gaussian(r, m * k);
        java.lang.foreign.MemorySegment aSeg = java.lang.foreign.MemorySegment.ofArray(a);
        float[] y = new float[m * n];
        java.lang.foreign.MemorySegment ySeg = java.lang.foreign.MemorySegment.ofArray(y);
        // Q4 with zero points.
        Q4Block.Quantized q = Q4Block.quantize(gaussian(r, n * k), n, k, bs, true);
        float[] ap = new float[m * paddedK];
        QuantGemv.permute(aSeg, m, k, paddedK, true, ap);
        QuantGemv.q4(java.lang.foreign.MemorySegment.ofArray(q.data), java.lang.foreign.MemorySegment.ofArray(q.scales),
                java.lang.foreign.MemorySegment.ofArray(q.zeroPoints), (blocks + 1) / 2, ap, m, paddedK, blocks, bs, null, ySeg, n, 0, n);
        java.nio.ByteBuffer data = java.nio.ByteBuffer.wrap(q.data);
        java.nio.ByteBuffer zps = java.nio.ByteBuffer.wrap(q.zeroPoints);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float e = 0f;
                for (int kb = 0; kb < blocks; kb++) {
                    e += Q4Block.dot(data, (j * blocks + kb) * bs / 2, Math.min(bs, k - kb * bs), q.scales[j * blocks + kb],
                            Q4Block.zeroPoint(zps, j * ((blocks + 1) / 2), kb), a, i * k + kb * bs);
                }
                assertThat((double) Math.abs(y[i * n + j] - e)).isLessThanOrEqualTo(2e-6 * k + 1e-5 * Math.abs(e));
            }
        }
        if (QuantGemv.L != 16) return;
        // NF4 with K a multiple of the block.
        int kk = kBlocks * bs;
        float[] a2 = gaussian(r, m * kk);
        Bnb4Format.Quantized b = Bnb4Format.NF4.quantize(gaussian(r, n * kk), bs);
        float[] ap2 = new float[m * kk];
        QuantGemv.permute(java.lang.foreign.MemorySegment.ofArray(a2), m, kk, kk, false, ap2);
        QuantGemv.bnb4(java.lang.foreign.MemorySegment.ofArray(b.data), java.lang.foreign.MemorySegment.ofArray(b.absmax),
                Bnb4Format.NF4.table(), ap2, m, kk, bs, ySeg, n, 0, n);
        java.nio.ByteBuffer bd = java.nio.ByteBuffer.wrap(b.data);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float e = 0f;
                for (int kb = 0; kb < kk / bs; kb++) {
                    int start = j * kk + kb * bs;
                    e += Bnb4Format.NF4.dot(bd, start, bs, b.absmax[start / bs], a2, i * kk + kb * bs);
                }
                assertThat((double) Math.abs(y[i * n + j] - e)).isLessThanOrEqualTo(2e-6 * kk + 1e-5 * Math.abs(e));
            }
        }
    }
}
