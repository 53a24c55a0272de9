package dev.petrel.ops.signal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.petrel.PetrelException;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.ops.OpHarness;
import org.junit.jupiter.api.Test;

class DftKernelTest {
    private static final double S3 = Math.sqrt(3) / 2;

    private static Tensor real(float... v) {
        return Tensor.of(v, 1, v.length, 1);
    }

    @Test
    void impulseHasAFlatSpectrum() {
        Tensor y = SignalGraphs.run("DFT", new Tensor[] {real(1, 0, 0, 0)});
        assertThat(y.dims()).containsExactly(1, 4, 2);
        assertThat(y.toFloatArray()).containsExactly(new float[] {1, 0, 1, 0, 1, 0, 1, 0}, within(1e-6f));
    }

    @Test
    void constantHasOnlyADcBin() {
        Tensor y = SignalGraphs.run("DFT", new Tensor[] {real(1, 1, 1, 1)});
        assertThat(y.toFloatArray()).containsExactly(new float[] {4, 0, 0, 0, 0, 0, 0, 0}, within(1e-6f));
    }

    @Test
    void onesidedKeepsHalfTheBinsPlusOne() {
        // [0, 1, 0, 0]: X[k] = exp(-i pi k / 2) = 1, -i, -1 for k = 0, 1, 2.
        Tensor y = SignalGraphs.run("DFT", new Tensor[] {real(0, 1, 0, 0)}, Attribute.ofInt("onesided", 1));
        assertThat(y.dims()).containsExactly(1, 3, 2);
        assertThat(y.toFloatArray()).containsExactly(new float[] {1, 0, 0, -1, -1, 0}, within(1e-6f));
    }

    @Test
    void dftLengthZeroPadsAndTruncates() {
        // [1, 1] padded to 4: X[k] = 1 + exp(-i pi k / 2) = 2, 1 - i, 0, 1 + i.
        Tensor padded = SignalGraphs.run("DFT", new Tensor[] {real(1, 1), SignalGraphs.scalar(4)});
        assertThat(padded.toFloatArray()).containsExactly(new float[] {2, 0, 1, -1, 0, 0, 1, 1}, within(1e-6f));
        // [1, 2, 5, 7] truncated to 2: [1 + 2, 1 - 2].
        Tensor cut = SignalGraphs.run("DFT", new Tensor[] {real(1, 2, 5, 7), SignalGraphs.scalar(2)});
        assertThat(cut.toFloatArray()).containsExactly(new float[] {3, 0, -1, 0}, within(1e-6f));
    }

    @Test
    void nonPowerOfTwoLength() {
        // [1, 2, 3]: X1 = 1 + 2 w + 3 w^2 with w = exp(-2 pi i / 3) = -1.5 + i sqrt(3)/2, X2 its conjugate.
        Tensor y = SignalGraphs.run("DFT", new Tensor[] {Tensor.of(new double[] {1, 2, 3}, 1, 3, 1)});
        assertThat(y.toDoubleArray()).containsExactly(new double[] {6, 0, -1.5, S3, -1.5, -S3}, within(1e-12));
    }

    @Test
    void inverseScalesByOneOverN() {
        Tensor x = Tensor.of(new float[] {4, 0, 0, 0, 0, 0, 0, 0}, 1, 4, 2);
        Tensor y = SignalGraphs.run("DFT", new Tensor[] {x}, Attribute.ofInt("inverse", 1));
        assertThat(y.toFloatArray()).containsExactly(new float[] {1, 0, 1, 0, 1, 0, 1, 0}, within(1e-6f));
    }

    @Test
    void axisSelectsTheTransformedDimension() {
        // [1, 2, 2, 1] rows [1, 2] and [3, 4]: along axis 2 each row gives [a + b, a - b].
        Tensor x = Tensor.of(new double[] {1, 2, 3, 4}, 1, 2, 2, 1);
        Tensor rows = SignalGraphs.run("DFT", new Tensor[] {x}, Attribute.ofInt("axis", 2));
        assertThat(rows.toDoubleArray()).containsExactly(3, 0, -1, 0, 7, 0, -1, 0);
        Tensor cols = SignalGraphs.run("DFT", new Tensor[] {x}, Attribute.ofInt("axis", -3));
        assertThat(cols.toDoubleArray()).containsExactly(4, 0, 6, 0, -2, 0, -2, 0);
    }

    @Test
    void opset20ReadsTheAxisInput() {
        Tensor x = Tensor.of(new double[] {1, 2, 3, 4}, 1, 2, 2, 1);
        Tensor y = OpHarness.run("DFT", 20, new Tensor[] {x, null, SignalGraphs.scalar(1)});
        assertThat(y.toDoubleArray()).containsExactly(4, 0, 6, 0, -2, 0, -2, 0);
        Tensor lastAxis = OpHarness.run("DFT", 20, new Tensor[] {x});
        assertThat(lastAxis.toDoubleArray()).containsExactly(3, 0, -1, 0, 7, 0, -1, 0);
    }

    @Test
    void onesidedComplexInputIsRejected() {
        Tensor x = Tensor.of(new float[] {1, 0, 0, 0}, 1, 2, 2);
        assertThatThrownBy(() -> SignalGraphs.run("DFT", new Tensor[] {x}, Attribute.ofInt("onesided", 1)))
                .isInstanceOf(PetrelException.class)
                .hasMessageContaining("onesided=1 requires a real input");
    }
}
