package dev.petrel.ops.math;

import static dev.petrel.ops.math.KernelHarness.boolValues;
import static dev.petrel.ops.math.KernelHarness.floats;
import static dev.petrel.ops.math.KernelHarness.ints;
import static dev.petrel.ops.math.KernelHarness.reals;
import static dev.petrel.ops.math.KernelHarness.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.ops.Elements;
import org.junit.jupiter.api.Test;

class PowAndComparisonKernelTest {
    @Test
    void powFloatBaseWithIntegerExponents() {
        Tensor x = floats(new float[] {2f, -3f, 4f}, 3);
        Tensor y = run("Pow", x, ints(DType.INT64, new long[] {3, 2, -1}, 3));
        assertThat(y.dtype()).isEqualTo(DType.FLOAT);
        assertThat(y.toFloatArray()).containsExactly(8f, 9f, 0.25f);
        assertThat(run("Pow", x, ints(DType.UINT32, new long[] {0xFFFFFFFFL}, 1)).toFloatArray()[2]).isInfinite();
        assertThat(run("Pow", x, floats(new float[] {0.5f}, 1)).toFloatArray()).containsExactly((float) Math.sqrt(2), Float.NaN, 2f);
    }

    @Test
    void powIntegerBase() {
        Tensor y = run("Pow", ints(DType.INT32, new long[] {2, -3, 7}, 3), floats(new float[] {3f, 2f, 0.5f}, 3));
        assertThat(y.dtype()).isEqualTo(DType.INT32);
        assertThat(Elements.toLongs(y)).containsExactly(8, 9, 2); // sqrt(7) = 2.64 truncates
        Tensor z = run("Pow", ints(DType.INT64, new long[] {3, 2, -2, 2, 5}, 5), ints(DType.INT64, new long[] {4, 62, 3, -1, 0}, 5));
        assertThat(Elements.toLongs(z)).containsExactly(81, 1L << 62, -8, 0, 1);
        // 2^32 wraps to 0 in INT32 as the C multiplication would.
        assertThat(Elements.toLongs(run("Pow", ints(DType.INT32, new long[] {2}, 1), ints(DType.INT32, new long[] {32}, 1)))).containsExactly(0);
    }

    @Test
    void powBroadcastsAndKeepsHalfType() {
        Tensor y = run("Pow", reals(DType.FLOAT16, new double[] {1, 2, 3}, 3), reals(DType.FLOAT16, new double[] {2}, 1));
        assertThat(y.dtype()).isEqualTo(DType.FLOAT16);
        assertThat(KernelHarness.halfValues(y)).containsExactly(1f, 4f, 9f);
        Tensor d = run("Pow", reals(DType.DOUBLE, new double[] {2}, 1), ints(DType.INT8, new long[] {-2, 10}, 2));
        assertThat(d.toDoubleArray()).containsExactly(0.25, 1024.0);
    }

    @Test
    void comparisonsOnFloatsWithBroadcastAndNaN() {
        Tensor a = floats(new float[] {1, 2, Float.NaN}, 3, 1);
        Tensor b = floats(new float[] {2}, 1);
        assertThat(boolValues(run("Less", a, b))).containsExactly(true, false, false);
        assertThat(boolValues(run("LessOrEqual", a, b))).containsExactly(true, true, false);
        assertThat(boolValues(run("Greater", a, b))).containsExactly(false, false, false);
        assertThat(boolValues(run("GreaterOrEqual", a, b))).containsExactly(false, true, false);
        Tensor eq = run("Equal", a, b);
        assertThat(eq.dtype()).isEqualTo(DType.BOOL);
        assertThat(eq.dims()).containsExactly(3, 1);
        assertThat(boolValues(eq)).containsExactly(false, true, false);
    }

    @Test
    void unsignedComparisons() {
        // As signed these would be -1 < 1; as unsigned they are the largest values.
        Tensor a32 = ints(DType.UINT32, new long[] {0xFFFFFFFFL, 1}, 2);
        Tensor b32 = ints(DType.UINT32, new long[] {1, 0xFFFFFFFFL}, 2);
        assertThat(boolValues(run("Greater", a32, b32))).containsExactly(true, false);
        Tensor a64 = ints(DType.UINT64, new long[] {-1L, 5}, 2);
        Tensor b64 = ints(DType.UINT64, new long[] {1, Long.MIN_VALUE}, 2);
        assertThat(boolValues(run("Less", a64, b64))).containsExactly(false, true);
        assertThat(boolValues(run("GreaterOrEqual", a64, b64))).containsExactly(true, false);
        Tensor a8 = ints(DType.UINT8, new long[] {200}, 1);
        assertThat(boolValues(run("Greater", a8, ints(DType.UINT8, new long[] {100}, 1)))).containsExactly(true);
        Tensor s8 = ints(DType.INT8, new long[] {-56}, 1); // same bits as 200
        assertThat(boolValues(run("Greater", s8, ints(DType.INT8, new long[] {100}, 1)))).containsExactly(false);
    }

    @Test
    void equalOnBoolsAndInts() {
        Tensor a = KernelHarness.bools(new boolean[] {true, false}, 2);
        Tensor b = KernelHarness.bools(new boolean[] {true, true}, 2);
        assertThat(boolValues(run("Equal", a, b))).containsExactly(true, false);
        assertThat(boolValues(run("Equal", ints(DType.INT64, new long[] {3, 4}, 2), ints(DType.INT64, new long[] {4}))))
                .containsExactly(false, true);
    }
}
