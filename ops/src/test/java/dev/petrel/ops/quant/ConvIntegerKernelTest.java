package dev.petrel.ops.quant;

import static dev.petrel.ops.quant.KernelHarness.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import org.junit.jupiter.api.Test;

class ConvIntegerKernelTest {
    // x - 1 = [[1, 2, 3], [4, 5, 6], [7, 8, 9]], summed over 2x2 windows.
    private static final Tensor X = u8(new int[] {2, 3, 4, 5, 6, 7, 8, 9, 10}, 1, 1, 3, 3);
    private static final Tensor W = u8(new int[] {1, 1, 1, 1}, 1, 1, 2, 2);

    @Test
    void withoutPadding() {
        Tensor y = run1("ConvInteger", 10, in(X, W, u8Scalar(1)));
        assertThat(y.shape()).containsExactly(1, 1, 2, 2);
        assertThat(y.toIntArray()).containsExactly(12, 16, 24, 28);
    }

    @Test
    void paddingStandsForTheZeroPoint() {
        Tensor y = run1("ConvInteger", 10, in(X, W, u8Scalar(1)), Attribute.ofInts("pads", new long[] {1, 1, 1, 1}));
        assertThat(y.shape()).containsExactly(1, 1, 4, 4);
        assertThat(y.toIntArray()).containsExactly(1, 3, 5, 3, 5, 12, 16, 9, 11, 24, 28, 15, 7, 15, 17, 9);
    }

    @Test
    void stridesGroupsAndPerChannelWeightZeroPoints() {
        // Two channels, group 2, 1-D: channel 0 = [1, 2, 3, 4, 5], channel 1 = [5, 4, 3, 2, 1]; kernel 2, stride 2.
        Tensor x = u8(new int[] {1, 2, 3, 4, 5, 5, 4, 3, 2, 1}, 1, 2, 5);
        // w - zp: channel 0 [1, -1] (w [3, 1], zp 2), channel 1 [2, 0] (w [2, 0], zp 0).
        Tensor w = i8(new int[] {3, 1, 2, 0}, 2, 1, 2);
        Tensor y = run1("ConvInteger", 10, in(x, w, null, i8(new int[] {2, 0}, 2)),
                Attribute.ofInt("group", 2), Attribute.ofInts("strides", new long[] {2}));
        assertThat(y.shape()).containsExactly(1, 2, 2);
        assertThat(y.toIntArray()).containsExactly(-1, -1, 10, 6);
    }

    @Test
    void sameUpperPadsTheEnd() {
        Tensor x = u8(new int[] {1, 2, 3}, 1, 1, 3);
        Tensor w = u8(new int[] {1, 1}, 1, 1, 2);
        Tensor y = run1("ConvInteger", 10, in(x, w), Attribute.ofString("auto_pad", "SAME_UPPER"));
        assertThat(y.toIntArray()).containsExactly(3, 5, 3);
        Tensor yl = run1("ConvInteger", 10, in(x, w), Attribute.ofString("auto_pad", "SAME_LOWER"));
        assertThat(yl.toIntArray()).containsExactly(1, 3, 5);
    }
}
