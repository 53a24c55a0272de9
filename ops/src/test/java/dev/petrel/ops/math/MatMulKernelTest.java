package dev.petrel.ops.math;

import static dev.petrel.ops.Attrs.attrs;
import static dev.petrel.ops.math.LinalgHarness.iota;
import static dev.petrel.ops.math.LinalgHarness.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.petrel.DType;
import dev.petrel.KernelException;
import dev.petrel.Tensor;
import dev.petrel.spi.Float16;
import org.junit.jupiter.api.Test;

class MatMulKernelTest {
    static Tensor matmul(Tensor a, Tensor b) {
        return run("MatMul", 13, attrs(), a, b);
    }

    @Test
    void multipliesTwoMatrices() {
        // [[1,2,3],[4,5,6]] x [[7,8],[9,10],[11,12]] = [[58,64],[139,154]]
        Tensor y = matmul(Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3), Tensor.of(new float[] {7, 8, 9, 10, 11, 12}, 3, 2));
        assertThat(y.shape()).containsExactly(2, 2);
        assertThat(y.toFloatArray()).containsExactly(58, 64, 139, 154);
    }

    @Test
    void promotesOneDimensionalInputs() {
        Tensor m = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 3, 2);
        Tensor v = Tensor.of(new float[] {1, 1, 2}, 3);
        Tensor left = matmul(v, m);
        assertThat(left.shape()).containsExactly(2);
        assertThat(left.toFloatArray()).containsExactly(1 + 3 + 10, 2 + 4 + 12);

        Tensor right = matmul(Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3), v);
        assertThat(right.shape()).containsExactly(2);
        assertThat(right.toFloatArray()).containsExactly(1 + 2 + 6, 4 + 5 + 12);

        Tensor dot = matmul(v, Tensor.of(new float[] {2, 3, 4}, 3));
        assertThat(dot.shape()).isEmpty();
        assertThat(dot.toFloatArray()).containsExactly(13);

        // A batched matrix times a vector: [2,2,3] x [3] -> [2,2].
        Tensor batched = matmul(iota(2, 2, 3), v);
        assertThat(batched.shape()).containsExactly(2, 2);
        assertThat(batched.toFloatArray()).containsExactly(0 + 1 + 4, 3 + 4 + 10, 6 + 7 + 16, 9 + 10 + 22);
    }

    @Test
    void broadcastsBatchDimensions() {
        Tensor a = iota(2, 1, 3, 4);
        Tensor b = iota(5, 4, 2);
        Tensor y = matmul(a, b);
        assertThat(y.shape()).containsExactly(2, 5, 3, 2);
        float[] av = a.toFloatArray();
        float[] bv = b.toFloatArray();
        float[] yv = y.toFloatArray();
        for (int p = 0; p < 2; p++) {
            for (int q = 0; q < 5; q++) {
                for (int i = 0; i < 3; i++) {
                    for (int j = 0; j < 2; j++) {
                        float s = 0;
                        for (int k = 0; k < 4; k++) s += av[p * 12 + i * 4 + k] * bv[q * 8 + k * 2 + j];
                        assertThat(yv[((p * 5 + q) * 3 + i) * 2 + j]).isEqualTo(s);
                    }
                }
            }
        }
        // One entry by hand: batch (1, 2), row 0, column 1: A[1,0,0,:] = 12..15, B[2,:,1] = 17,19,21,23.
        assertThat(yv[((1 * 5 + 2) * 3) * 2 + 1]).isEqualTo(12 * 17 + 13 * 19 + 14 * 21 + 15 * 23);
    }

    @Test
    void broadcastsASharedFirstInputOverBatchedWeights() {
        // [3,2] x [2,2,1]: the first input is reused for both batches.
        Tensor y = matmul(Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 3, 2), Tensor.of(new float[] {1, 1, 2, -1}, 2, 2, 1));
        assertThat(y.shape()).containsExactly(2, 3, 1);
        assertThat(y.toFloatArray()).containsExactly(3, 7, 11, 0, 2, 4);
    }

    @Test
    void emptyInnerDimensionGivesZeros() {
        Tensor y = matmul(Tensor.of(new float[0], 2, 0), Tensor.of(new float[0], 0, 3));
        assertThat(y.shape()).containsExactly(2, 3);
        assertThat(y.toFloatArray()).containsOnly(0f);
        Tensor empty = matmul(Tensor.of(new float[0], 0, 4), iota(4, 3));
        assertThat(empty.shape()).containsExactly(0, 3);
    }

    @Test
    void crossesPanelAndBlockBoundaries() {
        // N > NC, M > MC, K > KC all at once, with transposition-free reference.
        int m = FloatMatMul.MC + 3;
        int k = FloatMatMul.KC + 5;
        int n = FloatMatMul.NC + 7;
        float[] a = new float[m * k];
        float[] b = new float[k * n];
        for (int i = 0; i < a.length; i++) a[i] = (i % 7) - 3;
        for (int i = 0; i < b.length; i++) b[i] = (i % 5) - 2;
        float[] y = matmul(Tensor.of(a, m, k), Tensor.of(b, k, n)).toFloatArray();
        for (int i = 0; i < m; i += 13) {
            for (int j = 0; j < n; j += 11) {
                float s = 0;
                for (int q = 0; q < k; q++) s += a[i * k + q] * b[q * n + j];
                assertThat(y[i * n + j]).isEqualTo(s);
            }
        }
    }

    @Test
    void supportsDoubleAndIntegers() {
        Tensor d = matmul(Tensor.of(new double[] {1.5, 2, 3, 4}, 2, 2), Tensor.of(new double[] {2, 0, 1, 1}, 2, 2));
        assertThat(d.toDoubleArray()).containsExactly(5, 2, 10, 4);
        Tensor i32 = matmul(Tensor.of(new int[] {1, 2, 3, 4}, 2, 2), Tensor.of(new int[] {-1, 0, 2, 5}, 2, 2));
        assertThat(i32.dtype()).isEqualTo(DType.INT32);
        assertThat(i32.toIntArray()).containsExactly(3, 10, 5, 20);
        Tensor i64 = matmul(Tensor.of(new long[] {3_000_000_000L, 1}, 1, 2), Tensor.of(new long[] {2, 7}, 2, 1));
        assertThat(i64.toLongArray()).containsExactly(6_000_000_007L);
    }

    @Test
    void halfPrecisionAccumulatesInFloat() {
        Tensor a = Tensor.allocate(DType.FLOAT16, 1, 2);
        Tensor b = Tensor.allocate(DType.FLOAT16, 2, 1);
        a.shorts().put(0, Float16.fromFloat(1.5f));
        a.shorts().put(1, Float16.fromFloat(2f));
        b.shorts().put(0, Float16.fromFloat(4f));
        b.shorts().put(1, Float16.fromFloat(-0.25f));
        Tensor y = matmul(a, b);
        assertThat(Float16.toFloat(y.shorts().get(0))).isCloseTo(5.5f, within(0f));
    }

    @Test
    void rejectsMismatchedInnerDimensions() {
        assertThatThrownBy(() -> matmul(iota(2, 3), iota(4, 2)))
                .isInstanceOf(KernelException.class)
                .hasMessageContaining("K=3").hasMessageContaining("K=4");
    }
}
