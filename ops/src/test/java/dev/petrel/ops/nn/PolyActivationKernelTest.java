package dev.petrel.ops.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.petrel.DType;
import dev.petrel.Model;
import dev.petrel.Session;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.graph.ValueInfo;
import dev.petrel.ops.OpHarness;
import dev.petrel.spi.Float16;
import dev.petrel.spi.Parallel;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PolyActivationKernelTest {
    private static final Tensor W = Tensor.of(new float[] {1, 2, 3}, 3);
    private static final Tensor B = Tensor.of(new float[] {0.5f}, 1);

    private static Node node(String op, List<Attribute> attrs, int inputs) {
        List<String> in = List.of("x", "w", "b").subList(0, inputs);
        return new Node("n", op, "dev.petrel", 1, in, List.of("y"), new Attributes(attrs));
    }

    private static Tensor runKernel(dev.petrel.spi.Kernel k, Tensor... inputs) {
        return OpHarness.runKernel(k, 1, Parallel.SEQUENTIAL, inputs)[0];
    }

    private static Tensor half(float... v) {
        Tensor t = Tensor.allocate(DType.FLOAT16, v.length);
        for (int i = 0; i < v.length; i++) t.shorts().put(i, Float16.fromFloat(v[i]));
        return t;
    }

    @Test
    void polyReluIsACubicOfTheRectifiedInput() {
        // r = [0, 0, 1, 2, 0.5]; y = r^3 + 2 r^2 + 3 r + 0.5.
        Tensor x = Tensor.of(new float[] {-2, 0, 1, 2, 0.5f}, 5);
        Tensor y = runKernel(new PolyReluKernel(node("PolyReLU", List.of(), 3)), x, W, B);
        assertThat(y.toFloatArray()).containsExactly(0.5f, 0.5f, 6.5f, 22.5f, 2.625f);
    }

    @Test
    void polyReluWithoutBiasInHalfPrecision() {
        // 4^3 = 64 with weight [1, 0, 0]: exact in float16.
        Tensor x = half(-1, 4);
        Tensor w = half(1, 0, 0);
        Tensor y = runKernel(new PolyReluKernel(node("PolyReLU", List.of(), 2)), x, w, null);
        assertThat(y.dtype()).isEqualTo(DType.FLOAT16);
        assertThat(Float16.toFloat(y.shorts().get(0))).isEqualTo(0f);
        assertThat(Float16.toFloat(y.shorts().get(1))).isEqualTo(64f);
    }

    @Test
    void polyNormNormalizesEachPowerOverTheLastAxis() {
        // Row [1, -1]: mean x^2 = mean x^4 = mean x^6 = 1, so y = x^3 + 2 x^2 + 3 x + 0.5 -> 6.5, -1.5.
        // Row [2, 0]: mean x^2 = 2, x^4 = 8, x^6 = 32, so N(x) = N(x^2) = N(x^3) = sqrt(2) at x = 2:
        // y = 6 sqrt(2) + 0.5; y(0) = 0.5.
        Tensor x = Tensor.of(new float[] {1, -1, 2, 0}, 2, 2);
        Tensor y = runKernel(new PolyNormKernel(node("PolyNorm", List.of(Attribute.ofFloat("epsilon", 0f)), 3)), x, W, B);
        assertThat(y.dims()).containsExactly(2, 2);
        assertThat(y.toFloatArray()).containsExactly(new float[] {6.5f, -1.5f, (float) (6 * Math.sqrt(2) + 0.5), 0.5f}, within(1e-6f));
    }

    @Test
    void polyNormDefaultEpsilonKeepsAZeroRowFinite() {
        // All-zero row: every N(.) is 0 / sqrt(1e-6) = 0, so y = bias.
        Tensor x = Tensor.of(new double[] {0, 0, 0}, 1, 3);
        Tensor w = Tensor.of(new double[] {1, 1, 1}, 3);
        Tensor y = runKernel(new PolyNormKernel(node("PolyNorm", List.of(), 3)), x, w, Tensor.of(new double[] {-2}, 1));
        assertThat(y.toDoubleArray()).containsExactly(-2, -2, -2);
    }

    @Test
    void rejectsAWeightOfTheWrongSize() {
        Tensor x = Tensor.of(new float[] {1}, 1);
        assertThatThrownBy(() -> runKernel(new PolyNormKernel(node("PolyNorm", List.of(), 2)), x, Tensor.of(new float[] {1, 2}, 2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 elements");
    }

    @Test
    void registeredInPetrelsDomain() {
        Graph g = new Graph.Builder().opset("", 17).opset("dev.petrel", 1)
                .input(new ValueInfo("x", DType.FLOAT, null))
                .initializer("w", W)
                .initializer("b", B)
                .output(new ValueInfo("y", null, null))
                .node(node("PolyReLU", List.of(), 3))
                .build();
        try (Session s = Model.of(g).newSession()) {
            Tensor y = s.run(Map.of("x", Tensor.of(new float[] {1, -1}, 2))).get("y");
            assertThat(y.toFloatArray()).containsExactly(6.5f, 0.5f);
        }
    }
}
