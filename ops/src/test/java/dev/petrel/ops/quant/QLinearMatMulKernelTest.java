package dev.petrel.ops.quant;

import static dev.petrel.ops.quant.KernelHarness.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.DType;
import dev.petrel.Tensor;
import org.junit.jupiter.api.Test;

class QLinearMatMulKernelTest {
    @Test
    void requantizesWithTiesToEven() {
        // a - 1 = [[2, 4], [1, 1]], b = [[1], [3]] -> acc [14, 4]; multiplier 0.5 * 1 / 2 = 0.25:
        // 3.5 -> 4, 1.0 -> 1; plus y zero point 10.
        Tensor a = u8(new int[] {3, 5, 2, 2}, 2, 2);
        Tensor b = u8(new int[] {1, 3}, 2, 1);
        Tensor y = run1("QLinearMatMul", 10, in(a, scalar(0.5f), u8Scalar(1), b, scalar(1), u8Scalar(0), scalar(2), u8Scalar(10)));
        assertThat(y.dtype()).isEqualTo(DType.UINT8);
        assertThat(ints(y)).containsExactly(14, 11);
        // acc 10 * 0.25 = 2.5 -> 2 (even).
        Tensor y2 = run1("QLinearMatMul", 10, in(u8(new int[] {3, 3}, 1, 2), scalar(0.5f), u8Scalar(1), b,
                scalar(1), u8Scalar(0), scalar(2), u8Scalar(10)));
        assertThat(ints(y2)).containsExactly(12);
    }

    @Test
    void int8OutputSaturatesAndPerColumnScales() {
        // acc = [[100, 100]]; column scales 1 and 4 over y_scale 1 -> 100 and 400 -> saturates to 127; y zp -5.
        Tensor a = i8(new int[] {10, 10}, 1, 2);
        Tensor b = i8(new int[] {5, 5, 5, 5}, 2, 2);
        Tensor y = run1("QLinearMatMul", 10, in(a, scalar(1), i8Scalar(0), b, f(1, 4), i8(new int[] {0, 0}, 2),
                scalar(1), i8Scalar(-5)));
        assertThat(y.dtype()).isEqualTo(DType.INT8);
        assertThat(ints(y)).containsExactly(95, 127);
    }
}
