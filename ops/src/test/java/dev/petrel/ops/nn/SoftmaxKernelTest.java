package dev.petrel.ops.nn;

import static dev.petrel.ops.Attrs.i;
import static dev.petrel.ops.OpHarness.run1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.spi.Float16;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class SoftmaxKernelTest {
    // softmax([1, 2, 3]) = e^k / (e + e^2 + e^3)
    private static final float[] SOFTMAX_123 = {0.09003057f, 0.24472847f, 0.66524096f};

    @Test
    void softmaxOfOneTwoThree() {
        Tensor y = run1("Softmax", 13, List.of(), Tensor.of(new float[] {1, 2, 3}, 1, 3));
        assertThat(y.toFloatArray()).containsExactly(SOFTMAX_123, within(1e-6f));
    }

    @Test
    void logSoftmaxOfOneTwoThree() {
        Tensor y = run1("LogSoftmax", 13, List.of(), Tensor.of(new float[] {1, 2, 3}, 1, 3));
        assertThat(y.toFloatArray()).containsExactly(new float[] {-2.4076059f, -1.4076059f, -0.4076059f}, within(1e-6f));
    }

    @Test
    void largeInputsDoNotOverflow() {
        Tensor y = run1("Softmax", 13, List.of(), Tensor.of(new float[] {1000, 1001, 1002}, 3));
        assertThat(y.toFloatArray()).containsExactly(SOFTMAX_123, within(1e-6f));
        Tensor l = run1("LogSoftmax", 13, List.of(), Tensor.of(new double[] {1000, 1001, 1002}, 3));
        assertThat(l.toDoubleArray()).containsExactly(new double[] {-2.40760596, -1.40760596, -0.40760596}, within(1e-8));
    }

    @Test
    void opset13NormalizesOneAxisWhileOpset11FlattensFromAxis() {
        // [1, 2, 3] along axis 1 of shape [1, 3, 1]: opset 13 sees columns of length 3.
        Tensor x = Tensor.of(new float[] {1, 2, 3}, 1, 3, 1);
        Tensor y13 = run1("Softmax", 13, List.of(i("axis", 1)), x);
        assertThat(y13.toFloatArray()).containsExactly(SOFTMAX_123, within(1e-6f));
        // Last axis of size 1 in opset 13: every value is 1.
        assertThat(run1("Softmax", 13, List.of(), x).toFloatArray()).containsExactly(1f, 1f, 1f);
        // Opset 11, default axis 1, flattens [1, 3, 1] to [1, 3]: same as the row softmax.
        assertThat(run1("Softmax", 11, List.of(), x).toFloatArray()).containsExactly(SOFTMAX_123, within(1e-6f));
        // Opset 11 with axis 2 flattens to [3, 1]: ones again.
        assertThat(run1("Softmax", 11, List.of(i("axis", 2)), x).toFloatArray()).containsExactly(1f, 1f, 1f);
    }

    @Test
    void opset11FlattensSeveralAxesIntoOneRow() {
        // [2, 2] rows flattened: softmax over all four values of each batch item.
        Tensor x = Tensor.of(new float[] {0, 0, 0, 0, 1, 1, 1, 1}, 2, 2, 2);
        float[] y = run1("Softmax", 11, List.of(), x).toFloatArray();
        assertThat(y).containsOnly(0.25f);
        float[] y13 = run1("Softmax", 13, List.of(i("axis", 1)), x).toFloatArray();
        assertThat(y13).containsOnly(0.5f);
    }

    @Test
    void hardmaxMarksTheFirstMaximum() {
        Tensor x = Tensor.of(new float[] {3, 1, 3, 0, 5, 2}, 2, 3);
        assertThat(run1("Hardmax", 13, List.of(), x).toFloatArray()).containsExactly(1, 0, 0, 0, 1, 0);
        // Opset 11 axis 0 flattens everything into one row: a single 1 at the global maximum.
        assertThat(run1("Hardmax", 11, List.of(i("axis", 0)), x).toFloatArray()).containsExactly(0, 0, 0, 0, 1, 0);
    }

    @Test
    void float16IsComputedInFloatAndRounded() {
        ByteBuffer b = ByteBuffer.allocateDirect(6);
        Tensor x = Tensor.wrap(DType.FLOAT16, b, 3);
        for (int k = 0; k < 3; k++) x.shorts().put(k, Float16.fromFloat(k + 1));
        Tensor y = run1("Softmax", 13, List.of(), x);
        assertThat(y.dtype()).isEqualTo(DType.FLOAT16);
        for (int k = 0; k < 3; k++) {
            assertThat(Float16.toFloat(y.shorts().get(k))).isCloseTo(SOFTMAX_123[k], within(1e-3f));
        }
    }

    @Test
    void stridedAxisMatchesHandValues() {
        // Shape [3, 2], softmax over axis 0: column 0 is [1, 2, 3], column 1 is all 7.
        Tensor x = Tensor.of(new float[] {1, 7, 2, 7, 3, 7}, 3, 2);
        float[] y = run1("Softmax", 13, List.of(i("axis", 0)), x).toFloatArray();
        float third = 1f / 3;
        assertThat(y).containsExactly(new float[] {SOFTMAX_123[0], third, SOFTMAX_123[1], third, SOFTMAX_123[2], third}, within(1e-6f));
    }
}
