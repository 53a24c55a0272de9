package dev.petrel.ops.math;

import static dev.petrel.ops.Attrs.attrs;
import static dev.petrel.ops.Attrs.i;
import static dev.petrel.ops.math.LinalgHarness.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.DType;
import dev.petrel.Tensor;
import org.junit.jupiter.api.Test;

class ArgExtremumKernelTest {
    private static final Tensor X = Tensor.of(new float[] {2, 7, 7, 1, 9, 1}, 2, 3);

    @Test
    void argMaxAlongEachAxis() {
        Tensor rows = run("ArgMax", 13, attrs(i("axis", 1)), X);
        assertThat(rows.dtype()).isEqualTo(DType.INT64);
        assertThat(rows.shape()).containsExactly(2, 1);
        assertThat(rows.toLongArray()).containsExactly(1, 1);
        Tensor cols = run("ArgMax", 13, attrs(i("keepdims", 0)), X);
        assertThat(cols.shape()).containsExactly(3);
        assertThat(cols.toLongArray()).containsExactly(0, 1, 0);
        assertThat(run("ArgMin", 11, attrs(i("axis", -1), i("keepdims", 0)), X).toLongArray()).containsExactly(0, 0);
    }

    @Test
    void selectLastIndexBreaksTiesFromTheEnd() {
        assertThat(run("ArgMax", 12, attrs(i("axis", 1), i("select_last_index", 1)), X).toLongArray()).containsExactly(2, 1);
        assertThat(run("ArgMin", 12, attrs(i("axis", 1), i("select_last_index", 1)), X).toLongArray()).containsExactly(0, 2);
        assertThat(run("ArgMin", 12, attrs(i("axis", 1)), X).toLongArray()).containsExactly(0, 0);
    }

    @Test
    void integerTypes() {
        Tensor u = Tensor.allocate(DType.UINT64, 3);
        u.longs().put(0, 5);
        u.longs().put(1, -1L); // 2^64 - 1, the largest
        u.longs().put(2, 7);
        assertThat(run("ArgMax", 13, attrs(), u).toLongArray()).containsExactly(1);
        assertThat(run("ArgMin", 13, attrs(), u).toLongArray()).containsExactly(0);
        Tensor i8 = Tensor.of(DType.INT8, new byte[] {3, -4, 3}, 3);
        assertThat(run("ArgMin", 13, attrs(), i8).toLongArray()).containsExactly(1);
    }
}
