package dev.petrel.ops.quant;

import static dev.petrel.ops.quant.KernelHarness.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.spi.Float16;
import org.junit.jupiter.api.Test;

class DequantizeLinearKernelTest {
    @Test
    void perTensorUint8() {
        Tensor y = run1("DequantizeLinear", 10, in(u8(new int[] {0, 3, 128, 255}, 4), scalar(2), u8Scalar(128)));
        assertThat(y.toFloatArray()).containsExactly(-256, -250, 0, 254);
    }

    @Test
    void int8AndInt32WithoutZeroPoint() {
        assertThat(run1("DequantizeLinear", 13, in(i8(new int[] {-128, -1, 127}, 3), scalar(0.5f))).toFloatArray())
                .containsExactly(-64, -0.5f, 63.5f);
        assertThat(run1("DequantizeLinear", 13, in(Tensor.of(new int[] {-100000, 7}), scalar(0.25f))).toFloatArray())
                .containsExactly(-25000, 1.75f);
    }

    @Test
    void perAxis() {
        // x [1, 3, 2], axis 1: channel scales 1, 2, 4 and zero points 0, 1, 2.
        Tensor x = u8(new int[] {0, 1, 2, 3, 4, 5}, 1, 3, 2);
        Tensor y = run1("DequantizeLinear", 13, in(x, f(1, 2, 4), u8(new int[] {0, 1, 2}, 3)));
        assertThat(y.shape()).containsExactly(1, 3, 2);
        assertThat(y.toFloatArray()).containsExactly(0, 1, 2, 4, 8, 12);
    }

    @Test
    void blocked() {
        // x [1, 4], blocks of 2 along axis 1: scales 1 and 10, zero points 0 and 1.
        Tensor y = run1("DequantizeLinear", 21, in(i8(new int[] {1, 2, 3, 4}, 1, 4), Tensor.of(new float[] {1, 10}, 1, 2),
                i8(new int[] {0, 1}, 1, 2)), Attribute.ofInt("axis", 1), Attribute.ofInt("block_size", 2));
        assertThat(y.toFloatArray()).containsExactly(1, 2, 20, 30);
    }

    @Test
    void float16ScaleGivesFloat16Output() {
        Tensor scale = Tensor.allocate(DType.FLOAT16);
        scale.shorts().put(0, Float16.fromFloat(0.5f));
        Tensor y = run1("DequantizeLinear", 19, in(i8(new int[] {3, -3}, 2), scale, i8Scalar(1)), Attribute.ofInt("axis", 1));
        assertThat(y.dtype()).isEqualTo(DType.FLOAT16);
        assertThat(Float16.toFloat(y.shorts().get(0))).isEqualTo(1f);
        assertThat(Float16.toFloat(y.shorts().get(1))).isEqualTo(-2f);
    }
}
