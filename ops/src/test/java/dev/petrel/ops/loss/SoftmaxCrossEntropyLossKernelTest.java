package dev.petrel.ops.loss;

import static dev.petrel.ops.loss.LossHarness.ignoreIndex;
import static dev.petrel.ops.loss.LossHarness.reduction;
import static dev.petrel.ops.OpHarness.run;
import static dev.petrel.ops.OpHarness.run1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.spi.Float16;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class SoftmaxCrossEntropyLossKernelTest {
    private static final String OP = "SoftmaxCrossEntropyLoss";
    // log_softmax([1, 2, 3]) = k - ln(e + e^2 + e^3); log_softmax([0, 0, 0]) = -ln 3.
    private static final float L1 = -2.4076059f;
    private static final float L2 = -1.4076059f;
    private static final float L3 = -0.4076059f;
    private static final float LN3 = 1.0986123f;
    private static final Tensor X = Tensor.of(new float[] {1, 2, 3, 0, 0, 0}, 2, 3);
    private static final Tensor T = Tensor.of(new long[] {2, 1}, 2);

    @Test
    void eachReductionOfA2x3Case() {
        Tensor none = run1(OP, 13, List.of(reduction("none")), X, T);
        assertThat(none.dims()).containsExactly(2);
        assertThat(none.toFloatArray()).containsExactly(new float[] {-L3, LN3}, within(1e-6f));
        Tensor sum = run1(OP, 13, List.of(reduction("sum")), X, T);
        assertThat(sum.dims()).isEmpty();
        assertThat(sum.toFloatArray()).containsExactly(new float[] {-L3 + LN3}, within(1e-6f));
        Tensor mean = run1(OP, 12, List.of(), X, T);
        assertThat(mean.toFloatArray()).containsExactly(new float[] {(-L3 + LN3) / 2}, within(1e-6f));
    }

    @Test
    void logProbOutputIsTheLogSoftmaxOverTheClassAxis() {
        Tensor[] y = run(OP, 13, List.of(), 2, X, T);
        assertThat(y[1].dims()).containsExactly(2, 3);
        assertThat(y[1].toFloatArray()).containsExactly(new float[] {L1, L2, L3, -LN3, -LN3, -LN3}, within(1e-6f));
    }

    @Test
    void ignoreIndexWithAndWithoutWeights() {
        Tensor t = Tensor.of(new int[] {2, 0}, 2);
        // Row 1 ignored: mean over the single kept row.
        assertThat(run1(OP, 13, List.of(ignoreIndex(0)), X, t).toFloatArray()).containsExactly(new float[] {-L3}, within(1e-6f));
        // Weighted: (-L3 * 4) / 4, the ignored row's weight 0.25 left out of the denominator.
        Tensor w = Tensor.of(new float[] {0.25f, 1f, 4f}, 3);
        assertThat(run1(OP, 13, List.of(ignoreIndex(0)), X, t, w).toFloatArray())
                .containsExactly(new float[] {-L3}, within(1e-6f));
        assertThat(run1(OP, 13, List.of(reduction("none"), ignoreIndex(0)), X, t, w).toFloatArray())
                .containsExactly(new float[] {-4 * L3, 0f}, within(1e-5f));
        // Without ignore_index the weighted mean is (-4 L3 + 0.25 ln3) / 4.25.
        assertThat(run1(OP, 13, List.of(), X, t, w).toFloatArray())
                .containsExactly(new float[] {(-4 * L3 + 0.25f * LN3) / 4.25f}, within(1e-6f));
    }

    @Test
    void spatialCaseNCd1() {
        // [N=1, C=3, d1=2]: column 0 is [1, 2, 3], column 1 is [0, 0, 0].
        Tensor x = Tensor.of(new double[] {1, 0, 2, 0, 3, 0}, 1, 3, 2);
        Tensor t = Tensor.of(new long[] {0, 2}, 1, 2);
        Tensor[] y = run(OP, 13, List.of(reduction("none")), 2, x, t);
        assertThat(y[0].dims()).containsExactly(1, 2);
        assertThat(y[0].toDoubleArray()).containsExactly(new double[] {2.40760596, 1.09861229}, within(1e-8));
        assertThat(y[1].dims()).containsExactly(1, 3, 2);
        assertThat(y[1].toDoubleArray()).containsExactly(
                new double[] {-2.40760596, -1.09861229, -1.40760596, -1.09861229, -0.40760596, -1.09861229}, within(1e-8));
    }

    @Test
    void bfloat16IsRoundedBack() {
        Tensor x = Tensor.wrap(DType.BFLOAT16, ByteBuffer.allocateDirect(12), 2, 3);
        float[] v = {1, 2, 3, 0, 0, 0};
        for (int k = 0; k < 6; k++) x.shorts().put(k, Float16.floatToBfloat16(v[k]));
        Tensor y = run1(OP, 13, List.of(reduction("sum")), x, T);
        assertThat(y.dtype()).isEqualTo(DType.BFLOAT16);
        assertThat(Float16.bfloat16ToFloat(y.shorts().get(0))).isCloseTo(-L3 + LN3, within(1e-2f));
    }

    @Test
    void largeScoresDoNotOverflow() {
        Tensor x = Tensor.of(new float[] {1001, 1002, 1003}, 1, 3);
        Tensor y = run1(OP, 13, List.of(), x, Tensor.of(new long[] {0}, 1));
        assertThat(y.toFloatArray()).containsExactly(new float[] {-L1}, within(1e-5f));
    }
}
