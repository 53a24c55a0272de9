package dev.petrel.ops.math;

import static dev.petrel.ops.math.KernelHarness.attr;
import static dev.petrel.ops.math.KernelHarness.floats;
import static dev.petrel.ops.math.KernelHarness.ints;
import static dev.petrel.ops.math.KernelHarness.reals;
import static dev.petrel.ops.math.KernelHarness.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.UnsupportedFeatureException;
import dev.petrel.ops.Elements;
import java.util.List;
import org.junit.jupiter.api.Test;

class CastAndClipKernelTest {
    private static Tensor cast(Tensor x, DType to) {
        return run("Cast", List.of(attr("to", (long) to.onnxCode())), x);
    }

    @Test
    void floatToIntegersTruncatesTowardZeroAndWraps() {
        Tensor x = floats(new float[] {-1.9f, 1.9f, 300.7f, -0.5f}, 4);
        assertThat(Elements.toLongs(cast(x, DType.INT32))).containsExactly(-1, 1, 300, 0);
        assertThat(Elements.toLongs(cast(x, DType.INT8))).containsExactly(-1, 1, 44, 0); // 300 keeps its low byte
        assertThat(Elements.toLongs(cast(x, DType.UINT8))).containsExactly(255, 1, 44, 0);
        Tensor big = reals(DType.DOUBLE, new double[] {1.5e19}, 1);
        assertThat(cast(big, DType.UINT64).longs().get(0)).isEqualTo(Long.parseUnsignedLong("15000000000000000000"));
    }

    @Test
    void nanAndInfinity() {
        Tensor x = floats(new float[] {Float.NaN, Float.POSITIVE_INFINITY, 0f, -0f}, 4);
        assertThat(KernelHarness.boolValues(cast(x, DType.BOOL))).containsExactly(true, true, false, false);
        Tensor h = cast(x, DType.FLOAT16);
        assertThat(Float.isNaN(KernelHarness.halfValues(h)[0])).isTrue();
        assertThat(KernelHarness.halfValues(h)[1]).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(cast(x, DType.DOUBLE).toDoubleArray()[1]).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(cast(floats(new float[] {70000f}, 1), DType.FLOAT16).shorts().get(0)).isEqualTo((short) 0x7C00);
        assertThat(cast(reals(DType.DOUBLE, new double[] {1e300}, 1), DType.FLOAT).toFloatArray()).containsExactly(Float.POSITIVE_INFINITY);
    }

    @Test
    void doubleToHalfRoundsOnce() {
        // 1 + 2^-11 + 2^-40 is just above the half tie between 1 and 1+2^-10: must round up. Through float
        // (round to nearest) the 2^-40 is lost and the tie would go to even (1.0).
        double d = 1 + 0x1p-11 + 0x1p-40;
        assertThat(KernelHarness.halfValues(cast(reals(DType.DOUBLE, new double[] {d}, 1), DType.FLOAT16))).containsExactly(1 + 0x1p-10f);
        assertThat(KernelHarness.halfValues(cast(reals(DType.DOUBLE, new double[] {1 + 0x1p-8 + 0x1p-40}, 1), DType.BFLOAT16)))
                .containsExactly(1 + 0x1p-7f);
    }

    @Test
    void bfloat16TruncatesBeforeOpset19AndRoundsFrom19() {
        // 0.48046875 is bfloat16 0x3EF6; 0.4796 lies between 0x3EF5 (0.478515625) and 0x3EF6, past their midpoint 0.4794921875.
        Tensor x = floats(new float[] {0.4796f, Float.NaN}, 2);
        Tensor old = run("Cast", 13, List.of(attr("to", (long) DType.BFLOAT16.onnxCode())), x);
        assertThat(old.shorts().get(0)).isEqualTo((short) 0x3EF5);
        assertThat(Float.isNaN(KernelHarness.halfValues(old)[1])).isTrue();
        Tensor now = run("Cast", 19, List.of(attr("to", (long) DType.BFLOAT16.onnxCode())), x);
        assertThat(now.shorts().get(0)).isEqualTo((short) 0x3EF6);
    }

    @Test
    void integersToFloatsAndBools() {
        Tensor u64 = ints(DType.UINT64, new long[] {-1L, 3}, 2);
        assertThat(cast(u64, DType.FLOAT).toFloatArray()).containsExactly(1.8446744e19f, 3f);
        assertThat(cast(u64, DType.DOUBLE).toDoubleArray()).containsExactly(18446744073709551615.0, 3.0);
        // 2^24 + 1 is not a float: round to even (2^24); via double it would be the same, 2^53+1 shows single rounding.
        assertThat(cast(ints(DType.INT64, new long[] {(1L << 24) + 1, (1L << 24) + 3}, 2), DType.FLOAT).toFloatArray())
                .containsExactly(16777216f, 16777220f);
        assertThat(KernelHarness.boolValues(cast(ints(DType.INT16, new long[] {0, -3}, 2), DType.BOOL))).containsExactly(false, true);
        assertThat(Elements.toLongs(cast(KernelHarness.bools(new boolean[] {true, false}, 2), DType.INT64))).containsExactly(1, 0);
        assertThat(Elements.toLongs(cast(ints(DType.INT32, new long[] {-1, 256}, 2), DType.UINT16))).containsExactly(0xFFFF, 256);
        assertThat(Elements.toLongs(cast(ints(DType.UINT32, new long[] {0xFFFFFFFFL}, 1), DType.INT64))).containsExactly(0xFFFFFFFFL);
        assertThat(KernelHarness.halfValues(cast(ints(DType.INT32, new long[] {2049, 70000}, 2), DType.FLOAT16)))
                .containsExactly(2048f, Float.POSITIVE_INFINITY);
    }

    @Test
    void castLikeTakesTheSecondInputsType() {
        Tensor y = run("CastLike", floats(new float[] {2.5f}, 1), ints(DType.INT16, new long[] {0}, 1));
        assertThat(y.dtype()).isEqualTo(DType.INT16);
        assertThat(Elements.toLongs(y)).containsExactly(2);
    }

    @Test
    void castToUnsupportedTypesIsAFeatureGap() {
        assertThatThrownBy(() -> cast(floats(new float[] {1}, 1), DType.STRING)).isInstanceOf(UnsupportedFeatureException.class);
        assertThatThrownBy(() -> run("Cast", List.of(attr("to", 17L)), floats(new float[] {1}, 1)))
                .isInstanceOf(UnsupportedFeatureException.class);
        // Opset 1 names the type.
        assertThat(run("Cast", 1, List.of(attr("to", "DOUBLE")), floats(new float[] {0.5f}, 1)).toDoubleArray()).containsExactly(0.5);
    }

    @Test
    void clipInputFormWithTypeExtremes() {
        Tensor x = ints(DType.INT8, new long[] {-128, -5, 0, 5, 127}, 5);
        assertThat(Elements.toLongs(run("Clip", x, null, ints(DType.INT8, new long[] {3})))).containsExactly(-128, -5, 0, 3, 3);
        assertThat(Elements.toLongs(run("Clip", x, ints(DType.INT8, new long[] {-3})))).containsExactly(-3, -3, 0, 5, 127);
        assertThat(Elements.toLongs(run("Clip", x))).containsExactly(-128, -5, 0, 5, 127);
        Tensor u = ints(DType.UINT64, new long[] {-1L, 2}, 2);
        assertThat(Elements.toLongs(run("Clip", u, ints(DType.UINT64, new long[] {3}), ints(DType.UINT64, new long[] {10}))))
                .containsExactly(10, 3);
    }

    @Test
    void clipFloatBoundsNaNAndInvertedBounds() {
        Tensor x = floats(new float[] {-2, 0.5f, 9, Float.NaN}, 4);
        assertThat(run("Clip", x, floats(new float[] {0}), floats(new float[] {1})).toFloatArray()).containsExactly(0, 0.5f, 1, Float.NaN);
        // min > max: everything becomes max.
        assertThat(run("Clip", x, floats(new float[] {5}), floats(new float[] {1})).toFloatArray()).containsExactly(1, 1, 1, Float.NaN);
        assertThat(run("Clip", 6, List.of(attr("min", -1f), attr("max", 1f)), x).toFloatArray()).containsExactly(-1, 0.5f, 1, Float.NaN);
        assertThat(run("Clip", 6, List.of(attr("max", 1f)), x).toFloatArray()).containsExactly(-2, 0.5f, 1, Float.NaN);
        Tensor h = run("Clip", reals(DType.FLOAT16, new double[] {-3, 3}, 2), reals(DType.FLOAT16, new double[] {-1}), null);
        assertThat(KernelHarness.halfValues(h)).containsExactly(-1f, 3f);
        assertThatThrownBy(() -> run("Clip", x, floats(new float[] {0, 1}, 2))).hasMessageContaining("scalar");
    }
}
