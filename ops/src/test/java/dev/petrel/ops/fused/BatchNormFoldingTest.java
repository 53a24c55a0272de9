package dev.petrel.ops.fused;

import static dev.petrel.ops.fused.OptimizedGraphsTest.ops;
import static dev.petrel.ops.fused.OptimizedGraphsTest.optimizeAndCompare;
import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Graph;
import dev.petrel.ops.fused.OptimizedGraphsTest.G;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@code batchnorm-folding} on small graphs, each direction of each fold, with the real kernels: the
 * operators left, and the optimized graph's outputs against the unoptimized graph's.
 */
class BatchNormFoldingTest {
    private static final double TOL = 2e-5;
    private final Random random = new Random(7);

    private float[] values(int n, double offset, double spread) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (offset + spread * (random.nextDouble() * 2 - 1));
        return v;
    }

    /** BatchNormalization over {@code c} channels with non-trivial statistics and epsilon. */
    private String bn(G g, String x, int c) {
        String scale = g.constant(Tensor.of(values(c, 1, 0.5), c));
        String bias = g.constant(Tensor.of(values(c, 0, 0.7), c));
        String mean = g.constant(Tensor.of(values(c, 0, 1), c));
        String var = g.constant(Tensor.of(values(c, 1.2, 0.7), c));
        return g.op("BatchNormalization", List.of(Attribute.ofFloat("epsilon", 1e-3f)), x, scale, bias, mean, var);
    }

    /** RepBN on [B, N, C] as PyTorch exports it: Transpose, BN and α·x added, Transpose back. */
    private String repBn(G g, String x, int c) {
        String t = g.op("Transpose", List.of(perm(0, 2, 1)), x);
        String scaled = g.op("Mul", g.scalar(0.8f), t);
        String sum = g.op("Add", bn(g, t, c), scaled);
        return g.op("Transpose", List.of(perm(0, 2, 1)), sum);
    }

    private static Attribute perm(long... p) {
        return Attribute.ofInts("perm", p);
    }

    private static Attribute pads(long... p) {
        return Attribute.ofInts("pads", p);
    }

    @Test
    void foldsIntoTheConvBeforeItCreatingABias() {
        G g = new G().input("x", 2, 3, 5, 5);
        String y = bn(g, g.op("Conv", List.of(pads(1, 1, 1, 1)), "x", g.random(4, 3, 3, 3)), 4);
        Graph opt = optimizeAndCompare(g, g.output(g.op("Relu", y)), TOL);
        assertThat(ops(opt)).isEqualTo(Map.of("Conv", 1, "Relu", 1));
        assertThat(opt.nodes().get(0).inputs()).hasSize(3);
    }

    @Test
    void foldsIntoAnUnpaddedGroupedConvAfterIt() {
        G g = new G().input("x", 2, 4, 6, 6);
        String y = bn(g, g.op("Relu", "x"), 4);
        String conv = g.op("Conv", List.of(Attribute.ofInt("group", 2), Attribute.ofInts("strides", new long[] {2, 2})),
                y, g.random(6, 2, 3, 3), g.random(6));
        Graph opt = optimizeAndCompare(g, g.output(conv), TOL);
        assertThat(ops(opt)).isEqualTo(Map.of("Conv", 1, "Relu", 1));
    }

    @Test
    void keepsAMulAddBeforeAPaddedConv() {
        G g = new G().input("x", 2, 3, 5, 5);
        String y = bn(g, g.op("Relu", "x"), 3);
        String conv = g.op("Conv", List.of(pads(1, 1, 1, 1)), y, g.random(4, 3, 3, 3));
        Graph opt = optimizeAndCompare(g, g.output(conv), TOL);
        assertThat(ops(opt)).isEqualTo(Map.of("Relu", 1, "Mul", 1, "Add", 1, "Conv", 1));
    }

    @Test
    void foldsRepBnIntoTheNextMatMulCreatingABias() {
        G g = new G().input("x", 2, 5, 6);
        String y = repBn(g, g.op("Relu", "x"), 6);
        Graph opt = optimizeAndCompare(g, g.output(g.op("MatMul", y, g.random(6, 4))), TOL);
        assertThat(ops(opt)).isEqualTo(Map.of("Relu", 1, "dev.petrel::FusedMatMul", 1));
    }

    @Test
    void foldsRepBnIntoTheBiasOfTheNextLinear() {
        G g = new G().input("x", 2, 5, 6);
        String y = repBn(g, g.op("Relu", "x"), 6);
        String lin = g.op("Add", g.random(4), g.op("MatMul", y, g.random(6, 4)));
        Graph opt = optimizeAndCompare(g, g.output(lin), TOL);
        assertThat(ops(opt)).isEqualTo(Map.of("Relu", 1, "dev.petrel::FusedMatMul", 1));
    }

    @Test
    void foldsRepBnIntoTheMatMulBeforeIt() {
        G g = new G().input("x", 2, 5, 6);
        String lin = g.op("Add", g.op("MatMul", "x", g.random(6, 4)), g.random(4));
        Graph opt = optimizeAndCompare(g, g.output(g.op("Relu", repBn(g, lin, 4))), TOL);
        assertThat(ops(opt)).isEqualTo(Map.of("dev.petrel::FusedMatMul", 1));
    }

    @Test
    void foldsIntoGemmBeforeAndAfter() {
        G g = new G().input("x", 3, 6);
        String a = bn(g, g.op("Relu", "x"), 6);
        String gemm = g.op("Gemm", List.of(Attribute.ofInt("transB", 1), Attribute.ofFloat("alpha", 0.5f),
                Attribute.ofFloat("beta", 2f)), a, g.random(5, 6), g.random(5));
        String b = bn(g, gemm, 5);
        String gemm2 = g.op("Gemm", List.of(), g.op("Relu", b), g.random(5, 2));
        Graph opt = optimizeAndCompare(g, g.output(gemm2), TOL);
        assertThat(ops(opt)).isEqualTo(Map.of("Relu", 2, "Gemm", 2));
    }

    @Test
    void foldsAFinalNormBeforePoolingIntoTheClassifier() {
        G g = new G().input("x", 2, 4, 3, 3);
        String y = bn(g, g.op("Relu", "x"), 4);
        String pooled = g.op("Flatten", List.of(Attribute.ofInt("axis", 1)), g.op("GlobalAveragePool", y));
        String logits = g.op("Gemm", List.of(Attribute.ofInt("transB", 1)), pooled, g.random(3, 4), g.random(3));
        Graph opt = optimizeAndCompare(g, g.output(logits), TOL);
        assertThat(ops(opt)).isEqualTo(Map.of("Relu", 1, "GlobalAveragePool", 1, "Flatten", 1, "Gemm", 1));
    }

    @Test
    void foldsAMeanOverTokensIntoTheHead() {
        G g = new G().input("x", 2, 5, 6);
        String y = repBn(g, g.op("Relu", "x"), 6);
        String mean = g.op("ReduceMean", List.of(Attribute.ofInts("axes", new long[] {1}), Attribute.ofInt("keepdims", 0)), y);
        String logits = g.op("Gemm", List.of(Attribute.ofInt("transB", 1)), mean, g.random(3, 6), g.random(3));
        Graph opt = optimizeAndCompare(g, g.output(logits), TOL);
        assertThat(ops(opt)).isEqualTo(Map.of("Relu", 1, "ReduceMean", 1, "Gemm", 1));
    }

    @Test
    void aNormReadTwiceFoldsOnlyWhenEveryReaderAbsorbsIt() {
        G g = new G().input("x", 2, 3, 4, 4);
        String y = bn(g, g.op("Relu", "x"), 3);
        String c1 = g.op("Conv", y, g.random(2, 3, 1, 1));
        String other = g.op("Neg", y);
        Graph opt = optimizeAndCompare(g, g.output(c1, other), TOL);
        assertThat(ops(opt)).isEqualTo(Map.of("Relu", 1, "Mul", 1, "Add", 1, "Conv", 1, "Neg", 1));

        G h = new G().input("x", 2, 3, 4, 4);
        String z = bn(h, h.op("Relu", "x"), 3);
        Graph both = optimizeAndCompare(h, h.output(h.op("Conv", z, h.random(2, 3, 1, 1)), h.op("Conv", z, h.random(5, 3, 2, 2))), TOL);
        assertThat(ops(both)).isEqualTo(Map.of("Relu", 1, "Conv", 2));
    }

    @Test
    void aNormThatIsAGraphOutputStays() {
        G g = new G().input("x", 2, 3, 4, 4);
        String y = bn(g, g.op("Conv", "x", g.random(3, 3, 1, 1)), 3);
        Graph opt = optimizeAndCompare(g, g.output(y, g.op("Conv", y, g.random(2, 3, 1, 1))), TOL);
        assertThat(ops(opt)).isEqualTo(Map.of("Conv", 2, "Mul", 1, "Add", 1));
    }

    @Test
    void leavesNormsWithRunTimeStatisticsAlone() {
        G g = new G().input("x", 2, 3, 4, 4).input("mean", 3);
        String conv = g.op("Conv", "x", g.random(3, 3, 1, 1));
        String y = g.op("BatchNormalization", conv, g.constant(Tensor.of(values(3, 1, 0.5), 3)), g.random(3), "mean",
                g.constant(Tensor.of(values(3, 1.2, 0.5), 3)));
        Graph opt = optimizeAndCompare(g, g.output(y), TOL);
        assertThat(ops(opt)).isEqualTo(Map.of("Conv", 1, "BatchNormalization", 1));
    }
}
