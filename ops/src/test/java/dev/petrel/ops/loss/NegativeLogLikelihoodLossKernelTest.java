package dev.petrel.ops.loss;

import static dev.petrel.ops.loss.LossHarness.ignoreIndex;
import static dev.petrel.ops.loss.LossHarness.reduction;
import static dev.petrel.ops.OpHarness.run1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.petrel.DType;
import dev.petrel.KernelException;
import dev.petrel.Tensor;
import dev.petrel.spi.Float16;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class NegativeLogLikelihoodLossKernelTest {
    private static final String OP = "NegativeLogLikelihoodLoss";
    // Rows pick class 2 then class 0: losses 3 and 4.
    private static final Tensor X = Tensor.of(new float[] {-1, -2, -3, -4, -5, -6}, 2, 3);
    private static final Tensor T = Tensor.of(new long[] {2, 0}, 2);
    private static final Tensor W = Tensor.of(new float[] {0.5f, 1f, 2f}, 3);

    @Test
    void eachReductionOfA2x3Case() {
        Tensor none = run1(OP, 13, List.of(reduction("none")), X, T);
        assertThat(none.dims()).containsExactly(2);
        assertThat(none.toFloatArray()).containsExactly(3f, 4f);

        Tensor sum = run1(OP, 13, List.of(reduction("sum")), X, T);
        assertThat(sum.dims()).isEmpty();
        assertThat(sum.toFloatArray()).containsExactly(7f);

        // mean is the default reduction
        Tensor mean = run1(OP, 12, List.of(), X, T);
        assertThat(mean.dims()).isEmpty();
        assertThat(mean.toFloatArray()).containsExactly(3.5f);
    }

    @Test
    void weightsScaleEachLossAndMeanDividesByTheirSum() {
        // 3 * w[2] = 6, 4 * w[0] = 2
        assertThat(run1(OP, 13, List.of(reduction("none")), X, T, W).toFloatArray()).containsExactly(6f, 2f);
        assertThat(run1(OP, 13, List.of(reduction("sum")), X, T, W).toFloatArray()).containsExactly(8f);
        // 8 / (2 + 0.5)
        assertThat(run1(OP, 13, List.of(), X, T, W).toFloatArray()).containsExactly(new float[] {3.2f}, within(1e-6f));
    }

    @Test
    void ignoredTargetsContributeZeroAndLeaveTheMeanDenominator() {
        Tensor x = Tensor.of(new float[] {-1, -2, -3, -4, -5, -6, -7, -8, -9}, 3, 3);
        Tensor t = Tensor.of(new long[] {2, 0, 1}, 3);
        // Row 1 (target 0) is ignored; rows 0 and 2 lose 3 and 8.
        assertThat(run1(OP, 13, List.of(reduction("none"), ignoreIndex(0)), x, t).toFloatArray())
                .containsExactly(3f, 0f, 8f);
        assertThat(run1(OP, 13, List.of(reduction("sum"), ignoreIndex(0)), x, t).toFloatArray()).containsExactly(11f);
        assertThat(run1(OP, 13, List.of(ignoreIndex(0)), x, t).toFloatArray()).containsExactly(5.5f);
        // Weighted: 3 * 2 + 8 * 1 = 14 over w[2] + w[1] = 3; w[0] of the ignored row is not counted.
        assertThat(run1(OP, 13, List.of(reduction("none"), ignoreIndex(0)), x, t, W).toFloatArray())
                .containsExactly(6f, 0f, 8f);
        assertThat(run1(OP, 13, List.of(ignoreIndex(0)), x, t, W).toFloatArray())
                .containsExactly(new float[] {14f / 3f}, within(1e-6f));
    }

    @Test
    void negativeIgnoreIndexMatchesNegativeTargets() {
        Tensor t = Tensor.of(new int[] {-1, 1}, 2);
        // Only row 1 counts: loss 5, one kept target.
        assertThat(run1(OP, 13, List.of(ignoreIndex(-1)), X, t).toFloatArray()).containsExactly(5f);
    }

    @Test
    void spatialCaseNCd1() {
        // [N=1, C=2, d1=3]: class 0 holds -1 -2 -3, class 1 holds -4 -5 -6 along d1.
        Tensor x = Tensor.of(new double[] {-1, -2, -3, -4, -5, -6}, 1, 2, 3);
        Tensor t = Tensor.of(new long[] {0, 1, 1}, 1, 3);
        Tensor none = run1(OP, 13, List.of(reduction("none")), x, t);
        assertThat(none.dtype()).isEqualTo(DType.DOUBLE);
        assertThat(none.dims()).containsExactly(1, 3);
        assertThat(none.toDoubleArray()).containsExactly(1, 5, 6);
        assertThat(run1(OP, 13, List.of(), x, t).toDoubleArray()).containsExactly(4);
        // Weights [1, 2]: 1 + 10 + 12 = 23 over 1 + 2 + 2.
        Tensor w = Tensor.of(new double[] {1, 2}, 2);
        assertThat(run1(OP, 13, List.of(), x, t, w).toDoubleArray()).containsExactly(new double[] {4.6}, within(1e-12));
    }

    @Test
    void float16IsRoundedBack() {
        Tensor x = Tensor.wrap(DType.FLOAT16, ByteBuffer.allocateDirect(12), 2, 3);
        float[] v = {-1, -2, -3, -4, -5, -6};
        for (int k = 0; k < 6; k++) x.shorts().put(k, Float16.fromFloat(v[k]));
        Tensor y = run1(OP, 13, List.of(), x, T);
        assertThat(y.dtype()).isEqualTo(DType.FLOAT16);
        assertThat(Float16.toFloat(y.shorts().get(0))).isEqualTo(3.5f);
    }

    @Test
    void targetsOutsideTheClassRangeNameTheirPosition() {
        Tensor x = Tensor.of(new float[] {-1, -2, -3, -4, -5, -6}, 1, 2, 3);
        assertThatThrownBy(() -> run1(OP, 13, List.of(), x, Tensor.of(new long[] {0, 2, 1}, 1, 3)))
                .isInstanceOf(KernelException.class)
                .hasMessageContaining("target")
                .hasMessageContaining("[0, 1]")
                .hasMessageContaining("is 2");
        assertThatThrownBy(() -> run1(OP, 13, List.of(), X, Tensor.of(new long[] {0, -1}, 2)))
                .isInstanceOf(KernelException.class)
                .hasMessageContaining("[1]")
                .hasMessageContaining("is -1");
        // A negative target that is not the ignore_index is still an error.
        assertThatThrownBy(() -> run1(OP, 13, List.of(ignoreIndex(-100)), X, Tensor.of(new long[] {0, -1}, 2)))
                .isInstanceOf(KernelException.class)
                .hasMessageContaining("ignore_index -100");
    }

    @Test
    void badReductionAndTargetShapeAreRejected() {
        assertThatThrownBy(() -> run1(OP, 13, List.of(reduction("max")), X, T))
                .isInstanceOf(KernelException.class)
                .hasMessageContaining("reduction");
        assertThatThrownBy(() -> run1(OP, 13, List.of(), X, Tensor.of(new long[] {0, 1, 2}, 3)))
                .isInstanceOf(KernelException.class)
                .hasMessageContaining("[2]");
    }
}
