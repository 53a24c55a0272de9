package dev.petrel.ops.nn;

import static dev.petrel.ops.Attrs.i;
import static dev.petrel.ops.Attrs.ints;
import static dev.petrel.ops.OpHarness.run1;
import static dev.petrel.ops.Attrs.s;
import static dev.petrel.ops.nn.NnHarness.seq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.petrel.KernelException;
import dev.petrel.Tensor;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConvKernelTest {
    private static final Tensor X33 = Tensor.of(seq(9), 1, 1, 3, 3);

    private static Tensor ones(long... shape) {
        int n = 1;
        for (long d : shape) n *= (int) d;
        float[] a = new float[n];
        Arrays.fill(a, 1f);
        return Tensor.of(a, shape);
    }

    @Test
    void threeByThreeWithPaddingSumsNeighbourhoods() {
        Tensor y = run1("Conv", 11, List.of(ints("pads", 1, 1, 1, 1)), X33, ones(1, 1, 3, 3));
        assertThat(y.dims()).containsExactly(1, 1, 3, 3);
        assertThat(y.toFloatArray()).containsExactly(12, 21, 16, 27, 45, 33, 24, 39, 28);
    }

    @Test
    void twoByTwoKernelWithBiasAndWeights() {
        // Kernel [[1, 0], [0, -1]]: x[i][j] - x[i+1][j+1] = -4 everywhere, plus bias 10.
        Tensor w = Tensor.of(new float[] {1, 0, 0, -1}, 1, 1, 2, 2);
        Tensor y = run1("Conv", 11, List.of(), X33, w, Tensor.of(new float[] {10}, 1));
        assertThat(y.dims()).containsExactly(1, 1, 2, 2);
        assertThat(y.toFloatArray()).containsExactly(6, 6, 6, 6);
    }

    @Test
    void stridesAndSameUpper() {
        // SAME_UPPER, stride 2 on 3x3: output 2x2, total pad 2 split 1/1.
        Tensor y = run1("Conv", 11, List.of(s("auto_pad", "SAME_UPPER"), ints("strides", 2, 2)), X33, ones(1, 1, 3, 3));
        assertThat(y.toFloatArray()).containsExactly(12, 16, 24, 28);
        // A 2x2 kernel needs total pad 1 at stride 1: SAME_UPPER pads at the end, SAME_LOWER at the start.
        Tensor upper = run1("Conv", 11, List.of(s("auto_pad", "SAME_UPPER")), X33, ones(1, 1, 2, 2));
        assertThat(upper.toFloatArray()).containsExactly(12, 16, 9, 24, 28, 15, 15, 17, 9);
        Tensor lower = run1("Conv", 11, List.of(s("auto_pad", "SAME_LOWER")), X33, ones(1, 1, 2, 2));
        assertThat(lower.toFloatArray()).containsExactly(1, 3, 5, 5, 12, 16, 11, 24, 28);
    }

    @Test
    void depthwiseConvolutionKeepsChannelsApart() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 10, 20, 30}, 1, 2, 3);
        Tensor w = Tensor.of(new float[] {1, 1, 1, -1}, 2, 1, 2);
        Tensor y = run1("Conv", 11, List.of(i("group", 2)), x, w);
        assertThat(y.dims()).containsExactly(1, 2, 2);
        assertThat(y.toFloatArray()).containsExactly(3, 5, -10, -10);
    }

    @Test
    void dilatedOneDimensional() {
        Tensor x = Tensor.of(seq(5), 1, 1, 5);
        Tensor w = Tensor.of(new float[] {1, 1}, 1, 1, 2);
        Tensor y = run1("Conv", 11, List.of(ints("dilations", 2)), x, w);
        assertThat(y.toFloatArray()).containsExactly(4, 6, 8);
    }

    @Test
    void doubleConvolution() {
        Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3);
        Tensor w = Tensor.of(new double[] {1, 1, 1, 1, 1, 1, 1, 1, 1}, 1, 1, 3, 3);
        Tensor y = run1("Conv", 11, List.of(ints("pads", 1, 1, 1, 1)), x, w);
        assertThat(y.toDoubleArray()).containsExactly(12, 21, 16, 27, 45, 33, 24, 39, 28);
    }

    @Test
    void mismatchedChannelsFailWithAClearMessage() {
        assertThatThrownBy(() -> run1("Conv", 11, List.of(), X33, ones(1, 2, 3, 3)))
                .isInstanceOf(KernelException.class)
                .hasMessageContaining("group 1");
    }

    @Test
    void convTransposeScattersThroughTheKernel() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 1, 1, 2, 2);
        Tensor y = run1("ConvTranspose", 11, List.of(), x, ones(1, 1, 2, 2));
        assertThat(y.dims()).containsExactly(1, 1, 3, 3);
        assertThat(y.toFloatArray()).containsExactly(1, 3, 2, 4, 10, 6, 3, 7, 4);
        Tensor strided = run1("ConvTranspose", 11, List.of(ints("strides", 2, 2)), x, ones(1, 1, 2, 2));
        assertThat(strided.toFloatArray()).containsExactly(1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4);
        // Pads crop the border; output_padding adds a (zero) row and column at the end.
        Tensor cropped = run1("ConvTranspose", 11, List.of(ints("pads", 1, 1, 0, 0)), x, ones(1, 1, 2, 2));
        assertThat(cropped.toFloatArray()).containsExactly(10, 6, 7, 4);
        Tensor padded = run1("ConvTranspose", 11, List.of(ints("strides", 2, 2), ints("output_padding", 1, 1)), x, ones(1, 1, 2, 2));
        assertThat(padded.dims()).containsExactly(1, 1, 5, 5);
        assertThat(padded.toFloatArray()[4]).isEqualTo(0f);
    }
}
