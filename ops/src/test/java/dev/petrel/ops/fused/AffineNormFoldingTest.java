package dev.petrel.ops.fused;

import static dev.petrel.ops.fused.OptimizedGraphsTest.ops;
import static dev.petrel.ops.fused.OptimizedGraphsTest.optimizeAndCompare;
import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.Tensor;
import dev.petrel.graph.Graph;
import dev.petrel.ops.fused.OptimizedGraphsTest.G;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The per-channel affine norms of papers.md section 7 as PyTorch exports them (chains of Mul/Div/Add/Sub
 * by constants), folded by the BatchNorm-folding pass into the adjacent LayerNormalization or MatMul.
 */
class AffineNormFoldingTest {
    private static final Random RANDOM = new Random(5);

    private static String positive(G g, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = 0.2f + RANDOM.nextFloat();
        return g.constant(Tensor.of(v, n));
    }

    @Test
    void layerNormScalingGoesIntoTheNormWeights() {
        // Pre-norm block of layer 3: LayerNorm(x) * 1/sqrt(3) -> Linear.
        G g = new G().input("x", 2, 5, 8);
        String ln = OptimizedGraphsTest.layerNorm(g, "x", 8);
        String scaled = g.op("Mul", ln, g.scalar((float) (1 / Math.sqrt(3))));
        Graph graph = g.output(g.op("MatMul", scaled, g.random(8, 6)));
        Graph opt = optimizeAndCompare(g, graph, 1e-5);
        assertThat(ops(opt)).doesNotContainKey("Mul").containsKey("dev.petrel::LayerNormalization");
    }

    @Test
    void unifiedNormalizationAfterALinearFoldsIntoIt() {
        // UN at inference: gamma * x / sqrt(running_var + eps) + beta, no mean subtraction.
        G g = new G().input("x", 3, 7, 6);
        String h = g.op("Add", g.op("MatMul", "x", g.random(6, 8)), g.random(8));
        String un = g.op("Add", g.op("Mul", g.op("Div", h, positive(g, 8)), g.random(8)), g.random(8));
        Graph graph = g.output(g.op("Relu", un));
        Graph opt = optimizeAndCompare(g, graph, 1e-5);
        assertThat(ops(opt)).doesNotContainKeys("Div", "Mul");
    }

    @Test
    void powerNormRunningStageBeforeALinearFoldsIntoIt() {
        // x / sqrt(running_phi + eps) [1, 1, C] * gamma + beta, then a Linear; the input is a graph input.
        G g = new G().input("x", 2, 4, 8);
        float[] phi = new float[8];
        for (int i = 0; i < 8; i++) phi[i] = 0.5f + RANDOM.nextFloat();
        String norm = g.op("Div", "x", g.constant(Tensor.of(phi, 1, 1, 8)));
        String affine = g.op("Sub", g.op("Mul", norm, g.random(8)), g.random(8));
        Graph graph = g.output(g.op("MatMul", affine, g.random(8, 5)));
        Graph opt = optimizeAndCompare(g, graph, 1e-5);
        assertThat(ops(opt)).doesNotContainKeys("Div", "Mul", "Sub");
    }

    @Test
    void leavesChainsWithNothingToAbsorbThemOrThatBroadcast() {
        G g = new G().input("x", 2, 8).input("y", 2, 1);
        // A scale read by a graph output only, and a per-channel constant that widens a [2, 1] value.
        String a = g.op("Mul", "x", g.random(8));
        String b = g.op("MatMul", g.op("Mul", "y", g.random(3)), g.random(3, 4));
        Graph graph = g.output(a, b);
        Graph opt = optimizeAndCompare(g, graph, 0);
        assertThat(ops(opt)).containsEntry("Mul", 2);
    }
}
