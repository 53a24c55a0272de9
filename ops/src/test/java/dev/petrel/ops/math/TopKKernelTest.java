package dev.petrel.ops.math;

import static dev.petrel.ops.Attrs.attrs;
import static dev.petrel.ops.Attrs.i;
import static dev.petrel.ops.math.LinalgHarness.runMany;
import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.DType;
import dev.petrel.Tensor;
import org.junit.jupiter.api.Test;

class TopKKernelTest {
    private static final Tensor X = Tensor.of(new float[] {3, 1, 3, 2, 0, 5, 5, 4}, 2, 4);
    private static final Tensor K2 = Tensor.of(new long[] {2}, 1);

    @Test
    void largestWithTiesInIndexOrder() {
        Tensor[] r = runMany("TopK", 11, 2, attrs(), X, K2);
        assertThat(r[0].shape()).containsExactly(2, 2);
        assertThat(r[0].toFloatArray()).containsExactly(3, 3, 5, 5);
        assertThat(r[1].dtype()).isEqualTo(DType.INT64);
        assertThat(r[1].toLongArray()).containsExactly(0, 2, 1, 2);
    }

    @Test
    void smallestAlongAxisZero() {
        Tensor[] r = runMany("TopK", 11, 2, attrs(i("largest", 0), i("axis", 0)), X, Tensor.of(new long[] {1}, 1));
        assertThat(r[0].shape()).containsExactly(1, 4);
        assertThat(r[0].toFloatArray()).containsExactly(0, 1, 3, 2);
        assertThat(r[1].toLongArray()).containsExactly(1, 0, 0, 0);
    }

    @Test
    void opsetOneTakesKFromTheAttribute() {
        Tensor[] r = runMany("TopK", 1, 2, attrs(i("k", 3)), Tensor.of(new long[] {4, 9, -1, 9, 7}, 5));
        assertThat(r[0].toLongArray()).containsExactly(9, 9, 7);
        assertThat(r[1].toLongArray()).containsExactly(1, 3, 4);
    }

    @Test
    void longSlicesUseTheMergeSort() {
        float[] v = new float[100];
        for (int j = 0; j < v.length; j++) v[j] = j % 10;
        Tensor[] r = runMany("TopK", 11, 2, attrs(), Tensor.of(v, 100), Tensor.of(new long[] {12}, 1));
        assertThat(r[0].toFloatArray()).containsExactly(9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 8, 8);
        assertThat(r[1].toLongArray()).containsExactly(9, 19, 29, 39, 49, 59, 69, 79, 89, 99, 8, 18);
    }
}
