package dev.petrel.ops.quant;

import static dev.petrel.ops.quant.KernelHarness.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import org.junit.jupiter.api.Test;

class QuantizeLinearKernelTest {
    @Test
    void perTensorUint8WithZeroPointAndSaturation() {
        // x / 2 = 0, 1, 1.5, 500, -127 -> rint 0, 1, 2, 500, -127 -> +128, clamped to [0, 255].
        Tensor y = run1("QuantizeLinear", 10, in(f(0, 2, 3, 1000, -254), scalar(2), u8Scalar(128)));
        assertThat(y.dtype()).isEqualTo(DType.UINT8);
        assertThat(ints(y)).containsExactly(128, 129, 130, 255, 1);
    }

    @Test
    void roundsHalfToEven() {
        Tensor y = run1("QuantizeLinear", 13, in(f(2.5f, 3.5f, -2.5f, 0.5f, -0.5f, 1.5f, -3.5f), scalar(1), i8Scalar(0)));
        assertThat(y.dtype()).isEqualTo(DType.INT8);
        assertThat(ints(y)).containsExactly(2, 4, -2, 0, 0, 2, -4);
    }

    @Test
    void dividesInFloatLikeOnnxRuntime() {
        // 0.5f / (5f / 255f) is exactly 25.5 in float (a tie, to 26) but 25.4999... in double (25).
        assertThat(ints(run1("QuantizeLinear", 13, in(f(0.5f), scalar(5f / 255f))))).containsExactly(26);
    }

    @Test
    void saturatesInt8AndDefaultsToUint8() {
        assertThat(ints(run1("QuantizeLinear", 13, in(f(300, -300, 127.4f, -128.6f), scalar(1), i8Scalar(0)))))
                .containsExactly(127, -128, 127, -128);
        Tensor y = run1("QuantizeLinear", 13, in(f(-5, 5, 255.5f, Float.POSITIVE_INFINITY), scalar(1)));
        assertThat(y.dtype()).isEqualTo(DType.UINT8);
        assertThat(ints(y)).containsExactly(0, 5, 255, 255);
    }

    @Test
    void perAxis() {
        // x [2, 3], axis 1: column scales 1, 2, 4 and zero points 0, 10, 20.
        Tensor x = Tensor.of(new float[] {1, 2, 4, 10, 20, 40}, 2, 3);
        Tensor y = run1("QuantizeLinear", 13, in(x, f(1, 2, 4), u8(new int[] {0, 10, 20}, 3)), Attribute.ofInt("axis", 1));
        assertThat(y.shape()).containsExactly(2, 3);
        assertThat(ints(y)).containsExactly(1, 11, 21, 10, 20, 30);
        // axis 0: row scales 1 and 10.
        Tensor y0 = run1("QuantizeLinear", 13, in(x, f(1, 10), u8(new int[] {0, 0}, 2)), Attribute.ofInt("axis", 0));
        assertThat(ints(y0)).containsExactly(1, 2, 4, 1, 2, 4);
    }

    @Test
    void blocked() {
        // x [2, 4], blocks of 2 along axis 1: scale [2, 2].
        Tensor x = Tensor.of(new float[] {2, 4, 30, 60, 5, 5, 8, 16}, 2, 4);
        Tensor scale = Tensor.of(new float[] {2, 10, 1, 4}, 2, 2);
        Tensor y = run1("QuantizeLinear", 21, in(x, scale, i8(new int[] {0, 0, 0, 0}, 2, 2)),
                Attribute.ofInt("axis", 1), Attribute.ofInt("block_size", 2));
        assertThat(ints(y)).containsExactly(1, 2, 3, 6, 5, 5, 2, 4);
    }

    @Test
    void perAxisScaleIsRejectedBeforeOpset13() {
        Tensor x = Tensor.of(new float[] {1, 2, 4, 10, 20, 40}, 2, 3);
        assertThatThrownBy(() -> run1("QuantizeLinear", 10, in(x, f(1, 2, 4))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("y_scale");
    }

    @Test
    void outputDtypeAttribute() {
        Tensor y = run1("QuantizeLinear", 21, in(f(-1.4f, 70000), scalar(1)), Attribute.ofInt("output_dtype", DType.INT16.onnxCode()));
        assertThat(y.dtype()).isEqualTo(DType.INT16);
        assertThat(ints(y)).containsExactly(-1, 32767);
    }
}
