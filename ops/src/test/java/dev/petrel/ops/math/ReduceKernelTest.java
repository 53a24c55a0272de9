package dev.petrel.ops.math;

import static dev.petrel.ops.Attrs.attrs;
import static dev.petrel.ops.Attrs.i;
import static dev.petrel.ops.math.LinalgHarness.iota;
import static dev.petrel.ops.Attrs.ints;
import static dev.petrel.ops.math.LinalgHarness.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.petrel.DType;
import dev.petrel.Tensor;
import org.junit.jupiter.api.Test;

class ReduceKernelTest {
    // iota(2,3,4): x[a][b][c] = 12a + 4b + c.
    private static final Tensor X = iota(2, 3, 4);

    @Test
    void sumOverTheLastAxisAsAttributeAndAsInput() {
        Tensor y = run("ReduceSum", 11, attrs(ints("axes", -1)), X);
        assertThat(y.shape()).containsExactly(2, 3, 1);
        assertThat(y.toFloatArray()).containsExactly(6, 22, 38, 54, 70, 86);
        Tensor y13 = run("ReduceSum", 13, attrs(i("keepdims", 0)), X, Tensor.of(new long[] {2}, 1));
        assertThat(y13.shape()).containsExactly(2, 3);
        assertThat(y13.toFloatArray()).containsExactly(6, 22, 38, 54, 70, 86);
    }

    @Test
    void meanOverTheLastAxisLikeLayerNorm() {
        Tensor y = run("ReduceMean", 13, attrs(ints("axes", -1)), X);
        assertThat(y.toFloatArray()).containsExactly(1.5f, 5.5f, 9.5f, 13.5f, 17.5f, 21.5f);
    }

    @Test
    void reducesNonAdjacentAxes() {
        // Axes 0 and 2: y[b] = sum_a sum_c (12a + 4b + c) = 2*(4*4b + 6) + 4*12 = 32b + 60.
        Tensor y = run("ReduceSum", 11, attrs(ints("axes", 0, -1), i("keepdims", 0)), X);
        assertThat(y.shape()).containsExactly(3);
        assertThat(y.toFloatArray()).containsExactly(60, 92, 124);
        Tensor kept = run("ReduceMax", 13, attrs(ints("axes", 2, 0)), X);
        assertThat(kept.shape()).containsExactly(1, 3, 1);
        assertThat(kept.toFloatArray()).containsExactly(15, 19, 23);
        Tensor min = run("ReduceMin", 18, attrs(i("keepdims", 0)), X, Tensor.of(new long[] {0, 2}, 2));
        assertThat(min.toFloatArray()).containsExactly(0, 4, 8);
    }

    @Test
    void reducesTheMiddleAxis() {
        // y[a][c] = sum_b = 3*(12a + c) + 12.
        Tensor y = run("ReduceSum", 1, attrs(ints("axes", 1), i("keepdims", 0)), X);
        assertThat(y.shape()).containsExactly(2, 4);
        assertThat(y.toFloatArray()).containsExactly(12, 15, 18, 21, 48, 51, 54, 57);
    }

    @Test
    void emptyAxesReduceEverythingOrNothing() {
        Tensor all = run("ReduceSum", 13, attrs(), X);
        assertThat(all.shape()).containsExactly(1, 1, 1);
        assertThat(all.toFloatArray()).containsExactly(276);
        Tensor allFlat = run("ReduceSum", 13, attrs(i("keepdims", 0)), X, Tensor.of(new long[0], 0));
        assertThat(allFlat.shape()).isEmpty();
        assertThat(allFlat.toFloatArray()).containsExactly(276);
        Tensor noop = run("ReduceSum", 13, attrs(i("noop_with_empty_axes", 1)), X, Tensor.of(new long[0], 0));
        assertThat(noop.shape()).containsExactly(2, 3, 4);
        assertThat(noop.toFloatArray()).containsExactly(X.toFloatArray());
        Tensor noopMissing = run("ReduceMean", 18, attrs(i("noop_with_empty_axes", 1)), X);
        assertThat(noopMissing.toFloatArray()).containsExactly(X.toFloatArray());
    }

    @Test
    void everyReduction() {
        Tensor x = Tensor.of(new float[] {1, -2, 3, 4}, 2, 2);
        long[] axes = {1};
        assertThat(run("ReduceProd", 13, attrs(ints("axes", axes)), x).toFloatArray()).containsExactly(-2, 12);
        assertThat(run("ReduceL1", 13, attrs(ints("axes", axes)), x).toFloatArray()).containsExactly(3, 7);
        assertThat(run("ReduceL2", 13, attrs(ints("axes", axes)), x).toFloatArray()).containsExactly((float) Math.sqrt(5), 5);
        assertThat(run("ReduceSumSquare", 13, attrs(ints("axes", axes)), x).toFloatArray()).containsExactly(5, 25);
        assertThat(run("ReduceLogSum", 13, attrs(ints("axes", 0)), x).toFloatArray())
                .containsExactly((float) Math.log(4), (float) Math.log(2));
        float[] lse = run("ReduceLogSumExp", 13, attrs(ints("axes", axes)), x).toFloatArray();
        assertThat(lse[0]).isCloseTo((float) Math.log(Math.exp(1) + Math.exp(-2)), within(1e-6f));
        assertThat(lse[1]).isCloseTo((float) Math.log(Math.exp(3) + Math.exp(4)), within(1e-6f));
        // Strided LogSumExp over axis 0, with large values that would overflow exp without the max shift.
        float[] big = run("ReduceLogSumExp", 13, attrs(ints("axes", 0)), Tensor.of(new float[] {1000, 1, 1000, 2}, 2, 2)).toFloatArray();
        assertThat(big[0]).isCloseTo(1000 + (float) Math.log(2), within(1e-3f));
        assertThat(big[1]).isCloseTo((float) Math.log(Math.exp(1) + Math.exp(2)), within(1e-6f));
    }

    @Test
    void integersStayExact() {
        Tensor x = Tensor.of(new long[] {Long.MAX_VALUE - 1, 1, -5, 7}, 2, 2);
        assertThat(run("ReduceSum", 13, attrs(i("keepdims", 0)), x, Tensor.of(new long[] {1}, 1)).toLongArray())
                .containsExactly(Long.MAX_VALUE, 2);
        assertThat(run("ReduceMax", 13, attrs(ints("axes", 0)), x).toLongArray()).containsExactly(Long.MAX_VALUE - 1, 7);
        Tensor i32 = run("ReduceMean", 13, attrs(ints("axes", 1)), Tensor.of(new int[] {1, 2, 3, 5}, 2, 2));
        assertThat(i32.dtype()).isEqualTo(DType.INT32);
        assertThat(i32.toIntArray()).containsExactly(1, 4);
        Tensor u8 = run("ReduceMin", 13, attrs(ints("axes", 0)), Tensor.of(DType.UINT8, new byte[] {(byte) 200, 3, 100, (byte) 250}, 2, 2));
        assertThat(u8.toByteArray()).containsExactly((byte) 100, (byte) 3);
    }

    @Test
    void reducingAnEmptyAxisGivesTheIdentity() {
        Tensor x = Tensor.of(new float[0], 2, 0);
        assertThat(run("ReduceSum", 13, attrs(i("keepdims", 0)), x, Tensor.of(new long[] {1}, 1)).toFloatArray()).containsExactly(0, 0);
        assertThat(run("ReduceProd", 13, attrs(ints("axes", 1), i("keepdims", 0)), x).toFloatArray()).containsExactly(1, 1);
    }
}
