package dev.petrel.vector;

import static dev.petrel.vector.VectorHarness.PORTABLE;
import static dev.petrel.vector.VectorHarness.VECTOR;
import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.Tensor;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The vector erf against the portable double-precision Erf: a sweep over the float range, special values, tails. */
class VectorErfTest {
    private static final int[] NONE = {};

    private static Tensor erf(dev.petrel.spi.KernelRegistry r, float[] x) {
        return ElementwiseHarness.run(r, 1, "", "Erf", 13, List.of(), NONE, Tensor.of(x, x.length));
    }

    @Test
    void sweepMaxAbsoluteErrorBelow2e7() {
        // Every 61st float in [0, 4.5] (where erf is not yet 1 in float) and every 9973rd over all positive floats.
        int top = Float.floatToIntBits(4.5f);
        int dense = top / 61 + 1;
        int sparse = Integer.MAX_VALUE / 9973 / 2 + 1;
        float[] x = new float[2 * (dense + sparse)];
        int i = 0;
        for (int b = 0; b <= top && i < 2 * dense; b += 61) {
            float v = Float.intBitsToFloat(b);
            x[i++] = v;
            x[i++] = -v;
        }
        for (long b = 0; b < 0x7f800000L && i < x.length; b += 9973L * 2) {
            float v = Float.intBitsToFloat((int) b);
            x[i++] = v;
            x[i++] = -v;
        }
        while (i < x.length) x[i++] = 1f;
        float[] got = erf(VECTOR, x).toFloatArray();
        float[] want = erf(PORTABLE, x).toFloatArray();
        double max = 0;
        float worst = 0;
        for (int j = 0; j < x.length; j++) {
            double d = Math.abs((double) got[j] - want[j]);
            if (d > max) {
                max = d;
                worst = x[j];
            }
        }
        System.out.println("vector erf sweep: " + x.length + " values, max abs error " + max + " at x=" + worst);
        assertThat(max).as("max |erf error| at x=%s", worst).isLessThanOrEqualTo(2e-7);
    }

    @Test
    void specialValuesAndHandComputed() {
        float[] x = {0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 0.5f, -1f, 2f, 10f, 1e-30f};
        float[] y = erf(VECTOR, x).toFloatArray();
        assertThat(Float.floatToRawIntBits(y[0])).isEqualTo(Float.floatToRawIntBits(0f));
        assertThat(Float.floatToRawIntBits(y[1])).isEqualTo(Float.floatToRawIntBits(-0f));
        assertThat(y[2]).isEqualTo(1f);
        assertThat(y[3]).isEqualTo(-1f);
        assertThat(y[4]).isNaN();
        // erf(0.5) = 0.5204998778, erf(-1) = -0.8427007929, erf(2) = 0.9953222650
        assertThat((double) y[5]).isCloseTo(0.5204998778, org.assertj.core.data.Offset.offset(2e-7));
        assertThat((double) y[6]).isCloseTo(-0.8427007929, org.assertj.core.data.Offset.offset(2e-7));
        assertThat((double) y[7]).isCloseTo(0.9953222650, org.assertj.core.data.Offset.offset(2e-7));
        assertThat(y[8]).isEqualTo(1f);
        assertThat((double) y[9]).isCloseTo(1.1283791670955126e-30, org.assertj.core.data.Offset.offset(1e-36));
    }

    @Test
    void epilogueGeluSweep() {
        // The fp32 product epilogue's GELU (rational erf, absolute error about 3e-7): a dense sweep over
        // [-12, 12] against the portable Gelu (double precision, rounded once), the error relative to
        // max(1, |x|) since GELU is about x or 0.
        int n = 1 << 22;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = -12f + 24f * i / n;
        float[] got = x.clone();
        VectorErf.geluInPlace(VectorErf.GELU, got, 0, n);
        float[] want = ElementwiseHarness.run(PORTABLE, 1, "dev.petrel", "Gelu", 1, List.of(), NONE, Tensor.of(x, n)).toFloatArray();
        double max = 0;
        float worst = 0;
        for (int i = 0; i < n; i++) {
            double d = Math.abs((double) got[i] - want[i]) / Math.max(1, Math.abs(x[i]));
            if (d > max) {
                max = d;
                worst = x[i];
            }
        }
        System.out.println("epilogue gelu sweep: " + n + " values, max error " + max + " (relative to max(1, |x|)) at x=" + worst);
        assertThat(max).as("at x=%s", worst).isLessThanOrEqualTo(3.5e-7);
        // Past the clamp erf is exactly -1 or 1: GELU is exactly (-)0 far left, x far right; NaN stays NaN.
        int l = VectorErf.S.length();
        float[] edge = new float[l];
        float[] in = {-6f, -1e4f, 6f, 1e4f, Float.NaN, -0f};
        System.arraycopy(in, 0, edge, 0, in.length);
        VectorErf.geluInPlace(VectorErf.GELU, edge, 0, l);
        assertThat(edge[0]).isEqualTo(-0f);
        assertThat(edge[1]).isEqualTo(-0f);
        assertThat(edge[2]).isEqualTo(6f);
        assertThat(edge[3]).isEqualTo(1e4f);
        assertThat(edge[4]).isNaN();
        assertThat(Float.floatToRawIntBits(edge[5])).isEqualTo(Float.floatToRawIntBits(-0f));
    }

    @Property(tries = 40)
    void anyLengthMatchesPortable(@ForAll @IntRange(min = 1, max = 300) int n, @ForAll long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (rnd.nextGaussian() * 2);
        ElementwiseHarness.assertNear(erf(VECTOR, x), erf(PORTABLE, x), 2e-7, 0);
    }
}
