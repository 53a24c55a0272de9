package dev.petrel.ops.quant;

import static dev.petrel.ops.quant.KernelHarness.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.DType;
import dev.petrel.Tensor;
import org.junit.jupiter.api.Test;

class QLinearConvKernelTest {
    @Test
    void biasAndPerChannelRequantization() {
        // x - 10 = [[1, 2], [3, 4]]; two 2x2 output channels of kernel 2x2 -> one output each.
        Tensor x = u8(new int[] {11, 12, 13, 14}, 1, 1, 2, 2);
        Tensor w = i8(new int[] {1, 1, 1, 1, 1, 0, 0, -1}, 2, 1, 2, 2);
        // acc: channel 0 = 10, channel 1 = 1 - 4 = -3; bias 5 and -2 -> 15 and -5.
        // multipliers: 0.5 * [1, 3] / 1 -> 7.5 -> 8 (even), -7.5 -> -8; y zp 100.
        Tensor bias = Tensor.of(new int[] {5, -2});
        Tensor y = run1("QLinearConv", 10, in(x, scalar(0.5f), u8Scalar(10), w, f(1, 3), i8(new int[] {0, 0}, 2),
                scalar(1), u8Scalar(100), bias));
        assertThat(y.dtype()).isEqualTo(DType.UINT8);
        assertThat(y.shape()).containsExactly(1, 2, 1, 1);
        assertThat(ints(y)).containsExactly(108, 92);
    }
}
