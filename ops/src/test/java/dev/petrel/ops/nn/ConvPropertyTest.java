package dev.petrel.ops.nn;

import static dev.petrel.ops.Attrs.i;
import static dev.petrel.ops.Attrs.ints;
import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.ops.Attrs;
import dev.petrel.ops.OpHarness;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** The im2col Conv against a plain nested-loop convolution in double over random small 2-D problems. */
class ConvPropertyTest {

    @Property(tries = 150)
    void matchesNaiveConvolution(@ForAll @IntRange(min = 1, max = 2) int batch,
                                 @ForAll @IntRange(min = 1, max = 3) int group,
                                 @ForAll @IntRange(min = 1, max = 3) int cPerGroup,
                                 @ForAll @IntRange(min = 1, max = 3) int mPerGroup,
                                 @ForAll @IntRange(min = 1, max = 9) int h,
                                 @ForAll @IntRange(min = 1, max = 9) int w,
                                 @ForAll @IntRange(min = 1, max = 3) int kh,
                                 @ForAll @IntRange(min = 1, max = 3) int kw,
                                 @ForAll @IntRange(min = 1, max = 3) int sh,
                                 @ForAll @IntRange(min = 1, max = 2) int sw,
                                 @ForAll @IntRange(min = 1, max = 2) int dh,
                                 @ForAll @IntRange(min = 1, max = 3) int dw,
                                 @ForAll @IntRange(min = 0, max = 2) int padTop,
                                 @ForAll @IntRange(min = 0, max = 2) int padLeft,
                                 @ForAll @IntRange(min = 0, max = 2) int padBottom,
                                 @ForAll @IntRange(min = 0, max = 1) int padRight,
                                 @ForAll boolean withBias,
                                 @ForAll long seed) {
        int c = group * cPerGroup;
        int m = group * mPerGroup;
        int effH = (kh - 1) * dh + 1;
        int effW = (kw - 1) * dw + 1;
        int oh = (h + padTop + padBottom - effH) / sh + 1;
        int ow = (w + padLeft + padRight - effW) / sw + 1;
        if (h + padTop + padBottom < effH || w + padLeft + padRight < effW) return;
        Random rnd = new Random(seed);
        float[] x = random(rnd, batch * c * h * w);
        float[] wt = random(rnd, m * cPerGroup * kh * kw);
        float[] b = withBias ? random(rnd, m) : null;
        List<Attribute> attrs = new ArrayList<>();
        attrs.add(i("group", group));
        attrs.add(ints("strides", sh, sw));
        attrs.add(ints("dilations", dh, dw));
        attrs.add(ints("pads", padTop, padLeft, padBottom, padRight));
        Tensor y = withBias
                ? OpHarness.run1("Conv", 11, attrs, Tensor.of(x, batch, c, h, w), Tensor.of(wt, m, cPerGroup, kh, kw), Tensor.of(b, m))
                : OpHarness.run1("Conv", 11, attrs, Tensor.of(x, batch, c, h, w), Tensor.of(wt, m, cPerGroup, kh, kw));
        assertThat(y.dims()).containsExactly(batch, m, oh, ow);
        float[] got = y.toFloatArray();
        int k = 0;
        for (int n = 0; n < batch; n++) {
            for (int oc = 0; oc < m; oc++) {
                int g = oc / mPerGroup;
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        double acc = withBias ? b[oc] : 0;
                        for (int ci = 0; ci < cPerGroup; ci++) {
                            for (int ky = 0; ky < kh; ky++) {
                                for (int kx = 0; kx < kw; kx++) {
                                    int iy = oy * sh - padTop + ky * dh;
                                    int ix = ox * sw - padLeft + kx * dw;
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                    int xc = g * cPerGroup + ci;
                                    acc += (double) x[((n * c + xc) * h + iy) * w + ix] * wt[((oc * cPerGroup + ci) * kh + ky) * kw + kx];
                                }
                            }
                        }
                        assertThat((double) got[k]).as("y[%d, %d, %d, %d]", n, oc, oy, ox).isCloseTo(acc, org.assertj.core.api.Assertions.within(1e-4));
                        k++;
                    }
                }
            }
        }
    }

    /**
     * 1-D and 3-D shapes with automatic padding: the float im2col path against the double path, which
     * convolves directly without im2col.
     */
    @Property(tries = 80)
    void im2colAgreesWithDirectDoubleConvolutionIn1dAnd3d(@ForAll boolean threeD,
                                                          @ForAll @IntRange(min = 1, max = 2) int group,
                                                          @ForAll @IntRange(min = 1, max = 5) int size,
                                                          @ForAll @IntRange(min = 1, max = 3) int k,
                                                          @ForAll @IntRange(min = 1, max = 2) int stride,
                                                          @ForAll @IntRange(min = 1, max = 2) int dilation,
                                                          @ForAll @IntRange(min = 0, max = 3) int autoPad,
                                                          @ForAll long seed) {
        String[] modes = {"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"};
        int rank = threeD ? 3 : 1;
        if (autoPad == 3 && (k - 1) * dilation + 1 > size) return;
        if (autoPad == 0 && (k - 1) * dilation + 1 > size + 1) return;
        int c = 2 * group;
        int m = 3 * group;
        long[] xShape = new long[rank + 2];
        long[] wShape = new long[rank + 2];
        xShape[0] = 1;
        xShape[1] = c;
        wShape[0] = m;
        wShape[1] = 2;
        long[] strides = new long[rank];
        long[] dil = new long[rank];
        long[] pads = new long[2 * rank];
        for (int d = 0; d < rank; d++) {
            xShape[2 + d] = size + d;
            wShape[2 + d] = k;
            strides[d] = stride;
            dil[d] = dilation;
            pads[d] = 1;
            pads[d + rank] = d % 2;
        }
        Random rnd = new Random(seed);
        int xn = 1;
        for (long v : xShape) xn *= (int) v;
        int wn = 1;
        for (long v : wShape) wn *= (int) v;
        float[] x = random(rnd, xn);
        float[] w = random(rnd, wn);
        List<Attribute> attrs = new ArrayList<>();
        attrs.add(i("group", group));
        attrs.add(ints("strides", strides));
        attrs.add(ints("dilations", dil));
        if (autoPad == 0) attrs.add(ints("pads", pads));
        else attrs.add(Attrs.s("auto_pad", modes[autoPad]));
        Tensor yf = OpHarness.run1("Conv", 11, attrs, Tensor.of(x, xShape), Tensor.of(w, wShape));
        Tensor yd = OpHarness.run1("Conv", 11, attrs, Tensor.of(toDouble(x), xShape), Tensor.of(toDouble(w), wShape));
        assertThat(yf.dims()).containsExactly(yd.dims());
        float[] a = yf.toFloatArray();
        double[] b = yd.toDoubleArray();
        for (int j = 0; j < a.length; j++) {
            assertThat((double) a[j]).as("y[%d]", j).isCloseTo(b[j], org.assertj.core.api.Assertions.within(1e-4));
        }
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int j = 0; j < a.length; j++) d[j] = a[j];
        return d;
    }

    private static float[] random(Random rnd, int n) {
        float[] a = new float[n];
        for (int j = 0; j < n; j++) a[j] = (float) (rnd.nextGaussian());
        return a;
    }
}
