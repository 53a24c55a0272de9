package dev.petrel.ops.math;

import static dev.petrel.ops.math.KernelHarness.attr;
import static dev.petrel.ops.math.KernelHarness.floats;
import static dev.petrel.ops.math.KernelHarness.ints;
import static dev.petrel.ops.math.KernelHarness.reals;
import static dev.petrel.ops.math.KernelHarness.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.UnsupportedFeatureException;
import dev.petrel.ops.Elements;
import java.util.List;
import org.junit.jupiter.api.Test;

class UnaryKernelTest {
    @Test
    void reluKeepsShapeAndZeroesNegatives() {
        Tensor y = run("Relu", floats(new float[] {-2f, -0.5f, 0f, 3f, Float.NaN, 7.5f}, 2, 3));
        assertThat(y.dims()).containsExactly(2, 3);
        assertThat(y.toFloatArray()).containsExactly(0f, 0f, 0f, 3f, Float.NaN, 7.5f);
    }

    @Test
    void reluOnInt8AndRankZero() {
        Tensor y = run("Relu", ints(DType.INT8, new long[] {-128, -1, 0, 5, 127}, 5));
        assertThat(Elements.toLongs(y)).containsExactly(0, 0, 0, 5, 127);
        Tensor s = run("Relu", floats(new float[] {-3f}));
        assertThat(s.dims()).isEmpty();
        assertThat(s.toFloatArray()).containsExactly(0f);
    }

    @Test
    void emptyTensorGivesEmptyOutput() {
        Tensor y = run("Exp", floats(new float[0], 2, 0, 3));
        assertThat(y.dims()).containsExactly(2, 0, 3);
    }

    @Test
    void roundIsHalfToEven() {
        Tensor y = run("Round", floats(new float[] {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 2.4f, -2.6f, 3.5f}, 8));
        assertThat(y.toFloatArray()).containsExactly(0f, 2f, 2f, -0f, -2f, 2f, -3f, 4f);
    }

    @Test
    void absNegSignOnIntegers() {
        assertThat(Elements.toLongs(run("Abs", ints(DType.INT32, new long[] {-5, 0, 7, Integer.MIN_VALUE}, 4))))
                .containsExactly(5, 0, 7, Integer.MIN_VALUE); // wraps like C
        assertThat(Elements.toLongs(run("Neg", ints(DType.INT16, new long[] {-5, 0, 7}, 3)))).containsExactly(5, 0, -7);
        assertThat(Elements.toLongs(run("Sign", ints(DType.INT64, new long[] {-9, 0, 4}, 3)))).containsExactly(-1, 0, 1);
        // UINT32 0xFFFFFFFF is a large positive number, not -1.
        assertThat(Elements.toLongs(run("Sign", ints(DType.UINT32, new long[] {0xFFFFFFFFL, 0}, 2)))).containsExactly(1, 0);
        assertThat(Elements.toLongs(run("Abs", ints(DType.UINT8, new long[] {200, 3}, 2)))).containsExactly(200, 3);
    }

    @Test
    void signOfFloatsKeepsNaN() {
        assertThat(run("Sign", floats(new float[] {-2f, 0f, 3f, Float.NaN}, 4)).toFloatArray())
                .containsExactly(-1f, 0f, 1f, Float.NaN);
    }

    @Test
    void erfMatchesReferenceValues() {
        // Reference values of erf from tables (to 16 digits).
        assertThat(Erf.erf(0.0)).isEqualTo(0.0);
        assertThat(Erf.erf(0.5)).isCloseTo(0.5204998778130465, within(1e-15));
        assertThat(Erf.erf(1.0)).isCloseTo(0.8427007929497149, within(1e-15));
        assertThat(Erf.erf(-2.0)).isCloseTo(-0.9953222650189527, within(1e-15));
        assertThat(Erf.erf(3.0)).isCloseTo(0.9999779095030014, within(1e-15));
        assertThat(Erf.erfc(3.0)).isCloseTo(2.209049699858544e-05, within(1e-18));
        assertThat(Erf.erfc(4.0)).isCloseTo(1.541725790028002e-08, within(1e-21));
        assertThat(Erf.erf(10.0)).isEqualTo(1.0);
        assertThat(Erf.erf(1e-10)).isCloseTo(1.1283791670955126e-10, within(1e-24));
        assertThat(Erf.erf(Double.NEGATIVE_INFINITY)).isEqualTo(-1.0);
        assertThat(Double.isNaN(Erf.erf(Double.NaN))).isTrue();
        float[] y = run("Erf", floats(new float[] {0.5f, -1f}, 2)).toFloatArray();
        assertThat(y[0]).isCloseTo(0.52049988f, within(1e-7f));
        assertThat(y[1]).isCloseTo(-0.84270079f, within(1e-7f));
    }

    @Test
    void activationsWithDefaultsAndAttributes() {
        Tensor x = floats(new float[] {-2f, 0f, 1f}, 3);
        assertThat(run("LeakyRelu", x).toFloatArray()).containsExactly(-0.02f, 0f, 1f);
        assertThat(run("LeakyRelu", List.of(attr("alpha", 0.5f)), x).toFloatArray()).containsExactly(-1f, 0f, 1f);
        assertThat(run("Elu", x).toFloatArray()[0]).isCloseTo((float) Math.expm1(-2), within(1e-7f));
        assertThat(run("ThresholdedRelu", List.of(attr("alpha", 0.5f)), x).toFloatArray()).containsExactly(0f, 0f, 1f);
        assertThat(run("HardSigmoid", x).toFloatArray()).containsExactly(0.2f * -2f + 0.5f, 0.5f, 0.2f * 1f + 0.5f);
        assertThat(run("HardSwish", floats(new float[] {-4f, 0f, 1f, 4f}, 4)).toFloatArray())
                .containsExactly(-0f, 0f, 1f * (1f / 6f + 0.5f), 4f);
        assertThat(run("Softsign", x).toFloatArray()).containsExactly(-2f / 3f, 0f, 0.5f);
        float[] selu = run("Selu", x).toFloatArray();
        assertThat(selu[0]).isCloseTo((float) (1.0507009873554805 * 1.6732632423543772 * Math.expm1(-2)), within(1e-6f));
        assertThat(selu[2]).isCloseTo(1.0507009873554805f, within(1e-7f));
        float[] celu = run("Celu", List.of(attr("alpha", 2f)), x).toFloatArray();
        assertThat(celu[0]).isCloseTo((float) (2 * Math.expm1(-1)), within(1e-7f));
        float[] sig = run("Sigmoid", floats(new float[] {0f, -100f, 100f}, 3)).toFloatArray();
        assertThat(sig).containsExactly(0.5f, (float) (Math.exp(-100) / (1 + Math.exp(-100))), 1f);
        float[] sp = run("Softplus", floats(new float[] {0f, 100f, -100f}, 3)).toFloatArray();
        assertThat(sp[0]).isCloseTo((float) Math.log(2), within(1e-7f));
        assertThat(sp[1]).isEqualTo(100f);
        assertThat(sp[2]).isCloseTo((float) Math.exp(-100), within(1e-45f));
        float[] mish = run("Mish", floats(new float[] {1f}, 1)).toFloatArray();
        assertThat(mish[0]).isCloseTo((float) Math.tanh(Math.log1p(Math.E)), within(1e-7f));
    }

    @Test
    void geluExactAndTanh() {
        Tensor x = floats(new float[] {1f, -1f}, 2);
        float[] exact = run("Gelu", x).toFloatArray();
        assertThat(exact[0]).isCloseTo(0.8413447f, within(1e-6f)); // Phi(1) * 1
        assertThat(exact[1]).isCloseTo(-0.15865526f, within(1e-6f));
        float[] tanh = run("Gelu", List.of(attr("approximate", "tanh")), x).toFloatArray();
        assertThat(tanh[0]).isCloseTo(0.8411920f, within(1e-6f));
        assertThatThrownBy(() -> run("Gelu", List.of(attr("approximate", "fast")), x))
                .isInstanceOf(UnsupportedFeatureException.class);
    }

    @Test
    void shrinkOnFloatAndInt() {
        List<dev.petrel.graph.Attribute> a = List.of(attr("lambd", 1.5f), attr("bias", 1.5f));
        assertThat(run("Shrink", a, floats(new float[] {-2f, -1f, 0f, 1f, 2f}, 5)).toFloatArray())
                .containsExactly(-0.5f, 0f, 0f, 0f, 0.5f);
        assertThat(Elements.toLongs(run("Shrink", a, ints(DType.INT8, new long[] {-4, -1, 0, 1, 4}, 5))))
                .containsExactly(-2, 0, 0, 0, 2); // -4 + 1.5 = -2.5 truncates to -2
    }

    @Test
    void inverseHyperbolicAndTrig() {
        float[] y = run("Asinh", floats(new float[] {0f, 1f, -1e-5f}, 3)).toFloatArray();
        assertThat(y[1]).isCloseTo(0.88137359f, within(1e-7f));
        assertThat(y[2]).isCloseTo(-1e-5f, within(1e-12f));
        assertThat(run("Acosh", floats(new float[] {2f}, 1)).toFloatArray()[0]).isCloseTo(1.3169579f, within(1e-6f));
        assertThat(run("Atanh", floats(new float[] {0.5f}, 1)).toFloatArray()[0]).isCloseTo(0.54930614f, within(1e-7f));
        assertThat(run("Acos", floats(new float[] {-1f}, 1)).toFloatArray()[0]).isEqualTo((float) Math.PI);
    }

    @Test
    void float16ComputesInFloatAndRoundsOnce() {
        // sqrt(2) = 1.41421356 rounds to half 1.4140625 (0x3DA8); 1/3 rounds to 0.33325195 (0x3555).
        Tensor y = run("Sqrt", reals(DType.FLOAT16, new double[] {2, 4}, 2));
        assertThat(y.dtype()).isEqualTo(DType.FLOAT16);
        assertThat(y.shorts().get(0)).isEqualTo((short) 0x3DA8);
        assertThat(KernelHarness.halfValues(y)[1]).isEqualTo(2f);
        Tensor r = run("Reciprocal", reals(DType.FLOAT16, new double[] {3}, 1));
        assertThat(r.shorts().get(0)).isEqualTo((short) 0x3555);
        Tensor b = run("Neg", reals(DType.BFLOAT16, new double[] {1.5}, 1));
        assertThat(KernelHarness.halfValues(b)).containsExactly(-1.5f);
    }

    @Test
    void doubleStaysDouble() {
        Tensor y = run("Exp", reals(DType.DOUBLE, new double[] {1}, 1));
        assertThat(y.toDoubleArray()).containsExactly(Math.E);
    }

    @Test
    void notAndBitwiseNot() {
        assertThat(KernelHarness.boolValues(run("Not", KernelHarness.bools(new boolean[] {true, false}, 2)))).containsExactly(false, true);
        assertThat(Elements.toLongs(run("BitwiseNot", ints(DType.UINT8, new long[] {0, 0x0F}, 2)))).containsExactly(0xFF, 0xF0);
        assertThat(Elements.toLongs(run("BitwiseNot", ints(DType.INT32, new long[] {0, 5}, 2)))).containsExactly(-1, -6);
    }

    @Test
    void isNanAndIsInf() {
        Tensor x = floats(new float[] {1f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}, 4);
        assertThat(KernelHarness.boolValues(run("IsNaN", x))).containsExactly(false, true, false, false);
        assertThat(KernelHarness.boolValues(run("IsInf", x))).containsExactly(false, false, true, true);
        assertThat(KernelHarness.boolValues(run("IsInf", List.of(attr("detect_positive", 0L)), x)))
                .containsExactly(false, false, false, true);
        Tensor h = reals(DType.FLOAT16, new double[] {Double.NaN, 1e6}, 2); // 1e6 overflows half to +inf
        assertThat(KernelHarness.boolValues(run("IsInf", h))).containsExactly(false, true);
    }
}
