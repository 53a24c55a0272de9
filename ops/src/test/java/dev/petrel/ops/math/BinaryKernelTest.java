package dev.petrel.ops.math;

import static dev.petrel.ops.math.KernelHarness.attr;
import static dev.petrel.ops.math.KernelHarness.bools;
import static dev.petrel.ops.math.KernelHarness.boolValues;
import static dev.petrel.ops.math.KernelHarness.floats;
import static dev.petrel.ops.math.KernelHarness.ints;
import static dev.petrel.ops.math.KernelHarness.reals;
import static dev.petrel.ops.math.KernelHarness.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.ops.Elements;
import java.util.List;
import org.junit.jupiter.api.Test;

class BinaryKernelTest {
    @Test
    void columnTimesRowBroadcastsToMatrix() {
        Tensor a = floats(new float[] {1, 2, 3}, 3, 1);
        Tensor b = floats(new float[] {10, 20, 30, 40}, 1, 4);
        Tensor y = run("Add", a, b);
        assertThat(y.dims()).containsExactly(3, 4);
        assertThat(y.toFloatArray()).containsExactly(11, 21, 31, 41, 12, 22, 32, 42, 13, 23, 33, 43);
        assertThat(run("Sub", b, a).toFloatArray()).containsExactly(9, 19, 29, 39, 8, 18, 28, 38, 7, 17, 27, 37);
    }

    @Test
    void rankZeroOperands() {
        Tensor s = floats(new float[] {2}); // rank 0
        Tensor y = run("Mul", s, floats(new float[] {1, 2, 3}, 3));
        assertThat(y.dims()).containsExactly(3);
        assertThat(y.toFloatArray()).containsExactly(2, 4, 6);
        Tensor z = run("Div", s, floats(new float[] {4}));
        assertThat(z.dims()).isEmpty();
        assertThat(z.toFloatArray()).containsExactly(0.5f);
    }

    @Test
    void sizeZeroDimensionsBroadcast() {
        Tensor y = run("Add", floats(new float[0], 0, 3), floats(new float[] {1, 2, 3}, 1, 3));
        assertThat(y.dims()).containsExactly(0, 3);
        Tensor z = run("Add", floats(new float[0], 2, 0), floats(new float[] {5}, 1, 1));
        assertThat(z.dims()).containsExactly(2, 0);
    }

    @Test
    void incompatibleShapesFailWithBothShapes() {
        assertThatThrownBy(() -> run("Add", floats(new float[6], 2, 3), floats(new float[2], 2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2, 3]").hasMessageContaining("[2]");
    }

    @Test
    void mismatchedTypesAreRejected() {
        assertThatThrownBy(() -> run("Add", floats(new float[] {1}, 1), reals(DType.DOUBLE, new double[] {1}, 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one type");
    }

    @Test
    void integerDivisionTruncatesTowardZero() {
        Tensor y = run("Div", ints(DType.INT32, new long[] {7, -7, 7, -7}, 4), ints(DType.INT32, new long[] {2, 2, -2, -2}, 4));
        assertThat(Elements.toLongs(y)).containsExactly(3, -3, -3, 3);
        assertThatThrownBy(() -> run("Div", ints(DType.INT64, new long[] {1}, 1), ints(DType.INT64, new long[] {0}, 1)))
                .hasMessageContaining("division by zero");
    }

    @Test
    void unsignedDivisionAndWrap() {
        // UINT64 2^64-2 / 2 = 2^63-1, not -1.
        Tensor y = run("Div", ints(DType.UINT64, new long[] {-2L}, 1), ints(DType.UINT64, new long[] {2}, 1));
        assertThat(y.longs().get(0)).isEqualTo(Long.MAX_VALUE);
        assertThat(Elements.toLongs(run("Add", ints(DType.UINT8, new long[] {250}, 1), ints(DType.UINT8, new long[] {10}, 1))))
                .containsExactly(4);
        assertThat(Elements.toLongs(run("Add", ints(DType.INT8, new long[] {127}, 1), ints(DType.INT8, new long[] {1}, 1))))
                .containsExactly(-128);
        assertThat(Elements.toLongs(run("Sub", ints(DType.UINT16, new long[] {1}, 1), ints(DType.UINT16, new long[] {2}, 1))))
                .containsExactly(0xFFFF);
    }

    @Test
    void modFollowsDivisorSignUnlessFmod() {
        Tensor a = ints(DType.INT32, new long[] {-7, 7, -7, 7, 6}, 5);
        Tensor b = ints(DType.INT32, new long[] {3, -3, -3, 3, 3}, 5);
        assertThat(Elements.toLongs(run("Mod", a, b))).containsExactly(2, -2, -1, 1, 0);
        assertThat(Elements.toLongs(run("Mod", List.of(attr("fmod", 1L)), a, b))).containsExactly(-1, 1, -1, 1, 0);
        Tensor f = run("Mod", List.of(attr("fmod", 1L)), floats(new float[] {-7.5f, 7.5f}, 2), floats(new float[] {2f, -2f}, 2));
        assertThat(f.toFloatArray()).containsExactly(-1.5f, 1.5f);
        assertThatThrownBy(() -> run("Mod", floats(new float[] {1}, 1), floats(new float[] {2}, 1)))
                .hasMessageContaining("fmod=1");
        assertThat(Elements.toLongs(run("Mod", ints(DType.UINT64, new long[] {-1L}, 1), ints(DType.UINT64, new long[] {10}, 1))))
                .containsExactly(5); // 18446744073709551615 % 10
    }

    @Test
    void bitShiftBothDirections() {
        Tensor a = ints(DType.UINT8, new long[] {1, 0x81, 16}, 3);
        Tensor s = ints(DType.UINT8, new long[] {1, 1, 8}, 3);
        assertThat(Elements.toLongs(run("BitShift", List.of(attr("direction", "LEFT")), a, s))).containsExactly(2, 2, 0);
        assertThat(Elements.toLongs(run("BitShift", List.of(attr("direction", "RIGHT")), a, s))).containsExactly(0, 0x40, 0);
        Tensor big = ints(DType.UINT64, new long[] {-1L}, 1);
        assertThat(Elements.toLongs(run("BitShift", List.of(attr("direction", "RIGHT")), big, ints(DType.UINT64, new long[] {60}, 1))))
                .containsExactly(15);
    }

    @Test
    void logicalAndBitwise() {
        Tensor a = bools(new boolean[] {true, true, false, false}, 4);
        Tensor b = bools(new boolean[] {true, false, true, false}, 4);
        assertThat(boolValues(run("And", a, b))).containsExactly(true, false, false, false);
        assertThat(boolValues(run("Or", a, b))).containsExactly(true, true, true, false);
        assertThat(boolValues(run("Xor", a, b))).containsExactly(false, true, true, false);
        assertThat(Elements.toLongs(run("BitwiseAnd", ints(DType.INT16, new long[] {0x0F0F}, 1), ints(DType.INT16, new long[] {0x00FF}, 1))))
                .containsExactly(0x000F);
        assertThat(Elements.toLongs(run("BitwiseXor", ints(DType.UINT32, new long[] {0xFFFFFFFFL}, 1), ints(DType.UINT32, new long[] {1}, 1))))
                .containsExactly(0xFFFFFFFEL);
    }

    @Test
    void preluBroadcastsSlopeToInput() {
        Tensor x = floats(new float[] {-1, 2, -3, 4, -5, 6}, 2, 3);
        Tensor slope = floats(new float[] {0.1f, 0.2f, 0.3f}, 3);
        assertThat(run("PRelu", x, slope).toFloatArray()).containsExactly(-0.1f, 2, -0.90000004f, 4, -1f, 6);
        assertThatThrownBy(() -> run("PRelu", floats(new float[] {1}, 1), slope)).hasMessageContaining("does not broadcast");
        assertThat(Elements.toLongs(run("PRelu", ints(DType.INT32, new long[] {-4, 4}, 2), ints(DType.INT32, new long[] {3}, 1))))
                .containsExactly(-12, 4);
    }

    @Test
    void float16AddRoundsOnce() {
        // 1 + 2^-11 is a tie in half and rounds to even (1.0); 1 + 3*2^-11 rounds up to 1 + 2^-9.
        Tensor y = run("Add", reals(DType.FLOAT16, new double[] {1, 1}, 2), reals(DType.FLOAT16, new double[] {0x1p-11, 3 * 0x1p-11}, 2));
        assertThat(KernelHarness.halfValues(y)).containsExactly(1f, 1f + 0x1p-9f);
        Tensor d = run("Mul", reals(DType.DOUBLE, new double[] {0.1}, 1), reals(DType.DOUBLE, new double[] {3}, 1));
        assertThat(d.toDoubleArray()).containsExactly(0.1 * 3);
    }

    @Test
    void higherRankBroadcastOverChannels() {
        // [2,2,2] + [2,1,1]: each channel adds its own value; exercises dimension merging.
        float[] x = {1, 2, 3, 4, 5, 6, 7, 8};
        Tensor y = run("Add", floats(x, 2, 2, 2), floats(new float[] {100, 200}, 2, 1, 1));
        assertThat(y.toFloatArray()).containsExactly(101, 102, 103, 104, 205, 206, 207, 208);
        Tensor z = run("Add", floats(x, 2, 2, 2), floats(new float[] {10, 20}, 1, 2, 1));
        assertThat(z.toFloatArray()).containsExactly(11, 12, 23, 24, 15, 16, 27, 28);
    }
}
