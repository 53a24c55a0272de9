package dev.petrel.vector;

import static dev.petrel.vector.VectorHarness.PORTABLE;
import static dev.petrel.vector.VectorHarness.VECTOR;
import static dev.petrel.vector.VectorHarness.assertClose;
import static dev.petrel.vector.VectorHarness.random;
import static dev.petrel.vector.VectorHarness.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The vector pooling kernels against the portable ones. */
class VectorPoolTest {
    private static long[] ints(long... v) {
        return v;
    }

    @Test
    void handComputedMaxAndAverage() {
        // 1..16 as 4x4, 2x2 windows, stride 2: maxima are the bottom-right corners, averages their centres.
        float[] v = new float[16];
        for (int i = 0; i < 16; i++) v[i] = i + 1;
        Tensor x = Tensor.of(v, 1, 1, 4, 4);
        List<Attribute> attrs = List.of(Attribute.ofInts("kernel_shape", ints(2, 2)), Attribute.ofInts("strides", ints(2, 2)));
        assertThat(run(VECTOR, 1, "MaxPool", 12, attrs, new int[0], x).toFloatArray()).containsExactly(6, 8, 14, 16);
        assertThat(run(VECTOR, 1, "AveragePool", 11, attrs, new int[0], x).toFloatArray()).containsExactly(3.5f, 5.5f, 11.5f, 13.5f);
    }

    @Test
    void averageCountsPaddingOnlyWhenAsked() {
        // 2x2 of ones, 3x3 window, pads 1: every window holds 4 ones among 9 positions.
        Tensor x = Tensor.of(new float[] {1, 1, 1, 1}, 1, 1, 2, 2);
        List<Attribute> base = List.of(Attribute.ofInts("kernel_shape", ints(3, 3)), Attribute.ofInts("pads", ints(1, 1, 1, 1)));
        assertThat(run(VECTOR, 1, "AveragePool", 11, base, new int[0], x).toFloatArray()).containsExactly(1, 1, 1, 1);
        List<Attribute> incl = new ArrayList<>(base);
        incl.add(Attribute.ofInt("count_include_pad", 1));
        assertThat(run(VECTOR, 1, "AveragePool", 11, incl, new int[0], x).toFloatArray())
                .containsExactly(4f / 9, 4f / 9, 4f / 9, 4f / 9);
    }

    @Test
    void globalPools() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, -1, -2, -3, 10}, 1, 2, 2, 2);
        Tensor avg = run(VECTOR, 1, "GlobalAveragePool", 11, List.of(), new int[0], x);
        assertThat(avg.shape()).containsExactly(1, 2, 1, 1);
        assertThat(avg.toFloatArray()).containsExactly(2.5f, 1f);
        assertThat(run(VECTOR, 1, "GlobalMaxPool", 11, List.of(), new int[0], x).toFloatArray()).containsExactly(4f, 10f);
    }

    @Property(tries = 60)
    void globalPoolsMatchPortable(@ForAll @IntRange(min = 1, max = 3) int n, @ForAll @IntRange(min = 1, max = 5) int c,
                                  @ForAll @IntRange(min = 1, max = 90) int h, @ForAll @IntRange(min = 1, max = 9) int w,
                                  @ForAll boolean max, @ForAll long seed) {
        Tensor x = random(new Random(seed), n, c, h, w);
        String op = max ? "GlobalMaxPool" : "GlobalAveragePool";
        assertClose(run(VECTOR, 1, op, 11, List.of(), new int[0], x), run(PORTABLE, 1, op, 11, List.of(), new int[0], x), h * w);
    }

    @Provide
    Arbitrary<String> autoPad() {
        return Arbitraries.of("NOTSET", "NOTSET", "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID");
    }

    @Property(tries = 300)
    void matchesPortable(@ForAll boolean max, @ForAll @IntRange(min = 1, max = 2) int batch, @ForAll @IntRange(min = 1, max = 3) int c,
                         @ForAll @IntRange(min = 1, max = 2) int rank,
                         @ForAll @IntRange(min = 1, max = 19) int h, @ForAll @IntRange(min = 1, max = 37) int wIn,
                         @ForAll @IntRange(min = 1, max = 4) int kh, @ForAll @IntRange(min = 1, max = 4) int kw,
                         @ForAll @IntRange(min = 1, max = 3) int sh, @ForAll @IntRange(min = 1, max = 3) int sw,
                         @ForAll @IntRange(min = 1, max = 2) int dh, @ForAll @IntRange(min = 1, max = 2) int dw,
                         @ForAll @IntRange(min = 0, max = 2) int pt, @ForAll @IntRange(min = 0, max = 2) int pl,
                         @ForAll @IntRange(min = 0, max = 2) int pb, @ForAll @IntRange(min = 0, max = 2) int pr,
                         @ForAll("autoPad") String autoPad, @ForAll boolean ceil, @ForAll boolean includePad,
                         @ForAll @IntRange(min = 1, max = 2) int threads, @ForAll long seed) {
        if (rank == 1) {
            h = 1;
            kh = 1;
            sh = 1;
            dh = 1;
            pt = 0;
            pb = 0;
        }
        if (autoPad.equals("NOTSET")) {
            // Pads smaller than the window, as the operator requires.
            Assume.that(pt <= (kh - 1) * dh && pb <= (kh - 1) * dh && pl <= (kw - 1) * dw && pr <= (kw - 1) * dw);
            Assume.that(h + pt + pb >= (kh - 1) * dh + 1 && wIn + pl + pr >= (kw - 1) * dw + 1);
        } else {
            Assume.that(h >= (kh - 1) * dh + 1 && wIn >= (kw - 1) * dw + 1);
        }
        Tensor x = rank == 1 ? random(new Random(seed), batch, c, wIn) : random(new Random(seed), batch, c, h, wIn);
        List<Attribute> attrs = new ArrayList<>();
        attrs.add(Attribute.ofInts("kernel_shape", rank == 1 ? ints(kw) : ints(kh, kw)));
        attrs.add(Attribute.ofInts("strides", rank == 1 ? ints(sw) : ints(sh, sw)));
        if (max) attrs.add(Attribute.ofInts("dilations", rank == 1 ? ints(dw) : ints(dh, dw)));
        if (autoPad.equals("NOTSET")) {
            attrs.add(Attribute.ofInts("pads", rank == 1 ? ints(pl, pr) : ints(pt, pl, pb, pr)));
            attrs.add(Attribute.ofInt("ceil_mode", ceil ? 1 : 0));
        } else {
            attrs.add(Attribute.ofString("auto_pad", autoPad));
        }
        if (!max) attrs.add(Attribute.ofInt("count_include_pad", includePad ? 1 : 0));
        String op = max ? "MaxPool" : "AveragePool";
        int opset = max ? 12 : 11;
        Tensor expected = run(PORTABLE, 1, op, opset, attrs, new int[0], x);
        assertClose(run(VECTOR, threads, op, opset, attrs, new int[0], x), expected, kh * kw);
    }
}
