package dev.petrel.ops.nn;

import static dev.petrel.ops.nn.NnHarness.i;
import static dev.petrel.ops.nn.NnHarness.ints;
import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
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
                ? NnHarness.run1("Conv", 11, attrs, Tensor.of(x, batch, c, h, w), Tensor.of(wt, m, cPerGroup, kh, kw), Tensor.of(b, m))
                : NnHarness.run1("Conv", 11, attrs, Tensor.of(x, batch, c, h, w), Tensor.of(wt, m, cPerGroup, kh, kw));
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

    private static float[] random(Random rnd, int n) {
        float[] a = new float[n];
        for (int j = 0; j < n; j++) a[j] = (float) (rnd.nextGaussian());
        return a;
    }
}
