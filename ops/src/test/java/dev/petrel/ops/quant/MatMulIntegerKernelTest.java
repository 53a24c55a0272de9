package dev.petrel.ops.quant;

import static dev.petrel.ops.quant.KernelHarness.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.Parallel;
import org.junit.jupiter.api.Test;

class MatMulIntegerKernelTest {
    @Test
    void scalarZeroPoints() {
        // (A - 12) x B: A - 12 = [[-1,-5,-9],[-2,-6,-10],[-3,-7,-11],[-4,-8,-12]].
        Tensor a = u8(new int[] {11, 7, 3, 10, 6, 2, 9, 5, 1, 8, 4, 0}, 4, 3);
        Tensor b = u8(new int[] {1, 4, 2, 5, 3, 6}, 3, 2);
        Tensor y = run1("MatMulInteger", 10, in(a, b, u8Scalar(12), u8Scalar(0)));
        assertThat(y.dtype()).isEqualTo(DType.INT32);
        assertThat(y.shape()).containsExactly(4, 2);
        assertThat(y.toIntArray()).containsExactly(-38, -83, -44, -98, -50, -113, -56, -128);
    }

    @Test
    void uint8TimesInt8WithPerColumnZeroPoints() {
        // A [1, 2, 2] uint8 with zero point 100; B [2, 3] int8 with column zero points -1, 0, 2.
        Tensor a = u8(new int[] {101, 102, 200, 100}, 1, 2, 2);
        Tensor b = i8(new int[] {-1, 3, -128, 1, -4, 127}, 2, 3);
        Tensor y = run1("MatMulInteger", 10, in(a, b, u8Scalar(100), i8(new int[] {-1, 0, 2}, 3)));
        // A - za = [[1, 2], [100, 0]]; B - zb = [[0, 3, -130], [2, -4, 125]].
        assertThat(y.shape()).containsExactly(1, 2, 3);
        assertThat(y.toIntArray()).containsExactly(4, -5, 120, 0, 300, -13000);
    }

    @Test
    void perRowZeroPointsAndVectorOperands() {
        Tensor a = u8(new int[] {1, 2, 3, 4}, 2, 2);
        Tensor b = u8(new int[] {1, 1}, 2);
        // Rows minus 1 and 2: [[0, 1], [1, 2]] x [1, 1] = [1, 3]; B is a vector, so the output is [2].
        Tensor y = run1("MatMulInteger", 10, in(a, b, u8(new int[] {1, 2}, 2), null));
        assertThat(y.shape()).containsExactly(2);
        assertThat(y.toIntArray()).containsExactly(1, 3);
        Tensor v = run1("MatMulInteger", 10, in(u8(new int[] {2, 3}, 2), a));
        assertThat(v.shape()).containsExactly(2);
        assertThat(v.toIntArray()).containsExactly(11, 16);
    }

    @Test
    void broadcastsBatches() {
        // A [2, 1, 1, 2] x B [3, 2, 1] -> [2, 3, 1, 1].
        Tensor a = u8(new int[] {1, 2, 3, 4}, 2, 1, 1, 2);
        Tensor b = i8(new int[] {1, 0, 0, 1, 1, 1}, 3, 2, 1);
        Tensor y = run1("MatMulInteger", 10, in(a, b));
        assertThat(y.shape()).containsExactly(2, 3, 1, 1);
        assertThat(y.toIntArray()).containsExactly(1, 2, 3, 3, 4, 7);
    }

    @Test
    void reusedKernelSeesNewWeightsUnlessTheyAreReadOnly() {
        Tensor a = u8(new int[] {1, 2}, 1, 2);
        Tensor b = u8(new int[] {1, 2, 3, 4}, 2, 2);
        Tensor[] ins = in(a, b);
        Kernel k = kernel("MatMulInteger", 10, 1, ins);
        assertThat(KernelHarness.run(k, 1, Parallel.SEQUENTIAL, ins)[0].toIntArray()).containsExactly(7, 10);
        b.bytes().put(0, (byte) 5);
        assertThat(KernelHarness.run(k, 1, Parallel.SEQUENTIAL, ins)[0].toIntArray()).containsExactly(11, 10);
        Tensor weights = Tensor.wrap(DType.UINT8, b.bytes().asReadOnlyBuffer(), 2, 2);
        Tensor[] ro = in(a, weights);
        assertThat(KernelHarness.run(k, 1, Parallel.SEQUENTIAL, ro)[0].toIntArray()).containsExactly(11, 10);
        assertThat(KernelHarness.run(k, 1, Parallel.SEQUENTIAL, ro)[0].toIntArray()).containsExactly(11, 10);
    }

    @Test
    void rejectsMismatchedInnerDimension() {
        assertThatThrownBy(() -> run1("MatMulInteger", 10, in(u8(new int[] {1, 2, 3}, 1, 3), u8(new int[] {1, 2}, 2, 1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("inner dimensions");
    }
}
