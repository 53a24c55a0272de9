package dev.petrel.ops.math;

import static dev.petrel.ops.math.KernelHarness.bools;
import static dev.petrel.ops.math.KernelHarness.floats;
import static dev.petrel.ops.math.KernelHarness.ints;
import static dev.petrel.ops.math.KernelHarness.reals;
import static dev.petrel.ops.math.KernelHarness.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.ops.Elements;
import org.junit.jupiter.api.Test;

class VariadicAndWhereKernelTest {
    @Test
    void maxMinSumMeanOfThreeBroadcastInputs() {
        Tensor a = floats(new float[] {1, 5, 3}, 3);
        Tensor b = floats(new float[] {4}, 1);
        Tensor c = floats(new float[] {0, 9, 2, 2, 2, 2}, 2, 3);
        Tensor max = run("Max", a, b, c);
        assertThat(max.dims()).containsExactly(2, 3);
        assertThat(max.toFloatArray()).containsExactly(4, 9, 4, 4, 5, 4);
        assertThat(run("Min", a, b, c).toFloatArray()).containsExactly(0, 4, 2, 1, 2, 2);
        assertThat(run("Sum", a, b, c).toFloatArray()).containsExactly(5, 18, 9, 7, 11, 9);
        assertThat(run("Mean", a, b, c).toFloatArray()).containsExactly(5f / 3, 6, 3, 7f / 3, 11f / 3, 3);
    }

    @Test
    void singleInputIsCopied() {
        Tensor a = floats(new float[] {1, -2}, 2);
        assertThat(run("Max", a).toFloatArray()).containsExactly(1, -2);
        assertThat(run("Mean", a).toFloatArray()).containsExactly(1, -2);
    }

    @Test
    void integerTypesUnsignedOrderAndWrap() {
        Tensor a = ints(DType.UINT64, new long[] {-1L, 3}, 2);
        Tensor b = ints(DType.UINT64, new long[] {7, 2}, 2);
        assertThat(Elements.toLongs(run("Max", a, b))).containsExactly(-1L, 3);
        assertThat(Elements.toLongs(run("Min", a, b))).containsExactly(7, 2);
        assertThat(Elements.toLongs(run("Sum", ints(DType.UINT8, new long[] {200}, 1), ints(DType.UINT8, new long[] {100}, 1))))
                .containsExactly(44);
        assertThat(Elements.toLongs(run("Max", ints(DType.INT8, new long[] {-5, 3}, 2), ints(DType.INT8, new long[] {-7}, 1))))
                .containsExactly(-5, 3);
    }

    @Test
    void float16SumRoundsOnce() {
        // 2048 + 1 + 1: the exact sum 2050 is representable in half (ulp 2 there); pairwise half sums would give 2048.
        Tensor h = reals(DType.FLOAT16, new double[] {2048}, 1);
        Tensor one = reals(DType.FLOAT16, new double[] {1}, 1);
        assertThat(KernelHarness.halfValues(run("Sum", h, one, one))).containsExactly(2050f);
        assertThat(KernelHarness.halfValues(run("Max", h, one))).containsExactly(2048f);
    }

    @Test
    void whereSelectsWithBroadcast() {
        Tensor cond = bools(new boolean[] {true, false}, 2, 1);
        Tensor x = floats(new float[] {1, 2, 3}, 3);
        Tensor y = floats(new float[] {-1}, 1);
        Tensor out = run("Where", cond, x, y);
        assertThat(out.dims()).containsExactly(2, 3);
        assertThat(out.toFloatArray()).containsExactly(1, 2, 3, -1, -1, -1);
    }

    @Test
    void whereCopiesEveryElementType() {
        Tensor cond = bools(new boolean[] {true, false, true}, 3);
        Tensor i8 = run("Where", cond, ints(DType.INT8, new long[] {-1, -2, -3}, 3), ints(DType.INT8, new long[] {9}, 1));
        assertThat(Elements.toLongs(i8)).containsExactly(-1, 9, -3);
        Tensor b = run("Where", cond, bools(new boolean[] {false, false, false}, 3), bools(new boolean[] {true}, 1));
        assertThat(KernelHarness.boolValues(b)).containsExactly(false, true, false);
        Tensor h = run("Where", cond, reals(DType.FLOAT16, new double[] {0.5, 1.5, 2.5}, 3), reals(DType.FLOAT16, new double[] {-8}, 1));
        assertThat(KernelHarness.halfValues(h)).containsExactly(0.5f, -8f, 2.5f);
        Tensor l = run("Where", cond, ints(DType.INT64, new long[] {Long.MAX_VALUE, 0, 1}, 3), ints(DType.INT64, new long[] {Long.MIN_VALUE}, 1));
        assertThat(l.toLongArray()).containsExactly(Long.MAX_VALUE, Long.MIN_VALUE, 1);
        Tensor d = run("Where", cond, reals(DType.DOUBLE, new double[] {0.1, 0.2, 0.3}, 3), reals(DType.DOUBLE, new double[] {7}, 1));
        assertThat(d.toDoubleArray()).containsExactly(0.1, 7, 0.3);
        Tensor u = run("Where", bools(new boolean[] {false}), ints(DType.UINT16, new long[] {1}), ints(DType.UINT16, new long[] {65535}));
        assertThat(u.dims()).isEmpty();
        assertThat(Elements.toLongs(u)).containsExactly(65535);
    }
}
