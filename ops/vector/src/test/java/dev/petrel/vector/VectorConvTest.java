package dev.petrel.vector;

import static dev.petrel.vector.VectorHarness.PORTABLE;
import static dev.petrel.vector.VectorHarness.VECTOR;
import static dev.petrel.vector.VectorHarness.assertClose;
import static dev.petrel.vector.VectorHarness.random;
import static dev.petrel.vector.VectorHarness.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Node;
import dev.petrel.spi.KernelRegistry;
import dev.petrel.spi.KernelSetup;
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

/** The vector Conv (im2col into GEMM panels, direct depth-wise) against the portable Conv. */
class VectorConvTest {
    private static long[] ints(long... v) {
        return v;
    }

    @Test
    void handComputedPaddedStridedConv() {
        // X 1x1x3x3 = 1..9, W 1x1x2x2 = [[1, 0], [0, -1]], pads 1, strides 2, bias 10.
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3);
        Tensor w = Tensor.of(new float[] {1, 0, 0, -1}, 1, 1, 2, 2);
        Tensor b = Tensor.of(new float[] {10}, 1);
        List<Attribute> attrs = List.of(Attribute.ofInts("pads", ints(1, 1, 1, 1)), Attribute.ofInts("strides", ints(2, 2)));
        Tensor y = run(VECTOR, 1, "Conv", 11, attrs, new int[] {1, 2}, x, w, b);
        // Windows start at (-1,-1), (-1,1), (1,-1), (1,1): y = x[top-left] - x[bottom-right] + 10.
        // (-1,-1): 0 - x(0,0)=1 -> 9; (-1,1): 0 - x(0,2)=3 -> 7; (1,-1): 0 - x(2,0)=7 -> 3; (1,1): x(1,1)=5 - x(2,2)=9 -> 6.
        assertThat(y.shape()).containsExactly(1, 1, 2, 2);
        assertThat(y.toFloatArray()).containsExactly(9, 7, 3, 6);
    }

    @Test
    void handComputedDepthwise() {
        // Two channels, 3x3 box filter of ones on channel 0, centre tap 2 on channel 1, pads 1, bias (0, 1).
        float[] xv = new float[18];
        for (int i = 0; i < 18; i++) xv[i] = i + 1;
        float[] wv = new float[18];
        for (int i = 0; i < 9; i++) wv[i] = 1;
        wv[9 + 4] = 2;
        Tensor x = Tensor.of(xv, 1, 2, 3, 3);
        Tensor w = Tensor.of(wv, 2, 1, 3, 3);
        Tensor b = Tensor.of(new float[] {0, 1}, 2);
        List<Attribute> attrs = List.of(Attribute.ofInt("group", 2), Attribute.ofInts("pads", ints(1, 1, 1, 1)));
        Tensor y = run(VECTOR, 1, "Conv", 11, attrs, new int[] {1, 2}, x, w, b);
        // Channel 0 (1..9): sums of the 3x3 neighbourhoods; channel 1 (10..18): 2x + 1.
        assertThat(y.toFloatArray()).containsExactly(
                12, 21, 16, 27, 45, 33, 24, 39, 28,
                21, 23, 25, 27, 29, 31, 33, 35, 37);
    }

    @Test
    void pointwiseConvIsAProduct() {
        // 1x1 conv: y[m, p] = sum_c w[m, c] x[c, p].
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 1, 2, 1, 3);
        Tensor w = Tensor.of(new float[] {1, 1, 2, -1}, 2, 2, 1, 1);
        Tensor y = run(VECTOR, 1, "Conv", 11, List.of(), new int[] {1}, x, w);
        assertThat(y.toFloatArray()).containsExactly(5, 7, 9, -2, -1, 0);
    }

    @Test
    void registeredAboveThePortableConv() {
        Node node = new Node("n", "Conv", "", 11, List.of("x", "w"), List.of("y"), new Attributes(List.of()));
        KernelRegistry.Entry e = VECTOR.find(node, new DType[] {DType.FLOAT, DType.FLOAT});
        assertThat(e.factory().create(node, KernelSetup.NONE)).isInstanceOf(VectorConvKernel.class);
    }

    @Test
    void threeDimensionalConvRunsThePortableKernel() {
        Random rnd = new Random(3);
        Tensor x = random(rnd, 1, 2, 4, 5, 3);
        Tensor w = random(rnd, 3, 2, 2, 3, 2);
        Tensor expected = run(PORTABLE, 1, "Conv", 11, List.of(), new int[] {1}, x, w);
        assertClose(run(VECTOR, 1, "Conv", 11, List.of(), new int[] {1}, x, w), expected, 24);
    }

    @Test
    void patchEmbeddingAcrossManyPanels() {
        // SLAB-DeiT-style patchify (kernel = stride, no padding) with more positions than one panel.
        Random rnd = new Random(5);
        Tensor x = random(rnd, 2, 3, 64, 72);
        Tensor w = random(rnd, 20, 3, 8, 8);
        Tensor b = random(rnd, 20);
        List<Attribute> attrs = List.of(Attribute.ofInts("strides", ints(8, 8)), Attribute.ofInts("kernel_shape", ints(8, 8)));
        Tensor expected = run(PORTABLE, 1, "Conv", 11, attrs, new int[] {1, 2}, x, w, b);
        assertClose(run(VECTOR, 2, "Conv", 11, attrs, new int[] {1, 2}, x, w, b), expected, 192);
    }

    @Provide
    Arbitrary<String> autoPad() {
        return Arbitraries.of("NOTSET", "NOTSET", "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID");
    }

    @Property(tries = 300)
    void matchesPortable(@ForAll @IntRange(min = 1, max = 2) int batch, @ForAll @IntRange(min = 1, max = 2) int rank,
                         @ForAll @IntRange(min = 1, max = 4) int groups, @ForAll boolean depthwise,
                         @ForAll @IntRange(min = 1, max = 4) int cg, @ForAll @IntRange(min = 1, max = 3) int mg,
                         @ForAll @IntRange(min = 1, max = 19) int h, @ForAll @IntRange(min = 1, max = 23) int wIn,
                         @ForAll @IntRange(min = 1, max = 5) int kh, @ForAll @IntRange(min = 1, max = 5) int kw,
                         @ForAll @IntRange(min = 1, max = 3) int sh, @ForAll @IntRange(min = 1, max = 3) int sw,
                         @ForAll @IntRange(min = 1, max = 2) int dh, @ForAll @IntRange(min = 1, max = 2) int dw,
                         @ForAll @IntRange(min = 0, max = 3) int pt, @ForAll @IntRange(min = 0, max = 3) int pl,
                         @ForAll @IntRange(min = 0, max = 3) int pb, @ForAll @IntRange(min = 0, max = 3) int pr,
                         @ForAll("autoPad") String autoPad, @ForAll boolean constantW, @ForAll boolean withBias,
                         @ForAll VectorConvKernel.Layout layout,
                         @ForAll @IntRange(min = 1, max = 2) int threads, @ForAll long seed) {
        if (depthwise) cg = 1;
        if (rank == 1) {
            h = 1;
            kh = 1;
            sh = 1;
            dh = 1;
            pt = 0;
            pb = 0;
        }
        int channels = groups * cg;
        int m = groups * mg;
        if (autoPad.equals("NOTSET")) {
            Assume.that(h + pt + pb >= (kh - 1) * dh + 1 && wIn + pl + pr >= (kw - 1) * dw + 1);
        } else if (autoPad.equals("VALID")) {
            Assume.that(h >= (kh - 1) * dh + 1 && wIn >= (kw - 1) * dw + 1);
        }
        Random rnd = new Random(seed);
        Tensor x = rank == 1 ? random(rnd, batch, channels, wIn) : random(rnd, batch, channels, h, wIn);
        Tensor w = rank == 1 ? random(rnd, m, cg, kw) : random(rnd, m, cg, kh, kw);
        Tensor b = withBias ? random(rnd, m) : null;
        List<Attribute> attrs = new ArrayList<>();
        attrs.add(Attribute.ofInt("group", groups));
        attrs.add(Attribute.ofInts("strides", rank == 1 ? ints(sw) : ints(sh, sw)));
        attrs.add(Attribute.ofInts("dilations", rank == 1 ? ints(dw) : ints(dh, dw)));
        if (autoPad.equals("NOTSET")) {
            attrs.add(Attribute.ofInts("pads", rank == 1 ? ints(pl, pr) : ints(pt, pl, pb, pr)));
        } else {
            attrs.add(Attribute.ofString("auto_pad", autoPad));
        }
        int[] consts = constantW ? new int[] {1, 2} : new int[0];
        Tensor expected = run(PORTABLE, 1, "Conv", 11, attrs, consts, x, w, b);
        assertClose(withLayout(layout, () -> run(VECTOR, threads, "Conv", 11, attrs, consts, x, w, b)), expected, cg * kh * kw);
    }

    private static Tensor withLayout(VectorConvKernel.Layout layout, java.util.function.Supplier<Tensor> conv) {
        VectorConvKernel.Layout saved = VectorConvKernel.layout;
        VectorConvKernel.layout = layout;
        try {
            return conv.get();
        } finally {
            VectorConvKernel.layout = saved;
        }
    }

    @Test
    void patchEmbeddingTakesPositionsAsRows() {
        // ViT's patchify at 224x224 (196 positions, 192 channels) fills the row layout's tiles exactly.
        Random rnd = new Random(7);
        Tensor x = random(rnd, 1, 3, 224, 224);
        Tensor w = random(rnd, 192, 3, 16, 16);
        Tensor b = random(rnd, 192);
        List<Attribute> attrs = List.of(Attribute.ofInts("strides", ints(16, 16)), Attribute.ofInts("kernel_shape", ints(16, 16)));
        Tensor expected = run(PORTABLE, 1, "Conv", 11, attrs, new int[] {1, 2}, x, w, b);
        // The automatic choice (positions as rows here) and the column layout give the same values.
        assertClose(withLayout(VectorConvKernel.Layout.AUTO, () -> run(VECTOR, 2, "Conv", 11, attrs, new int[] {1, 2}, x, w, b)),
                expected, 768);
        assertClose(withLayout(VectorConvKernel.Layout.POSITIONS_AS_COLUMNS,
                () -> run(VECTOR, 1, "Conv", 11, attrs, new int[] {1, 2}, x, w, b)), expected, 768);
    }

    @Property(tries = 60)
    void chunkedOutputPositionsMatchPortable(@ForAll @IntRange(min = 1, max = 3) int cg, @ForAll @IntRange(min = 1, max = 30) int h,
                                             @ForAll @IntRange(min = 1, max = 30) int wIn, @ForAll @IntRange(min = 1, max = 3) int k,
                                             @ForAll @IntRange(min = 1, max = 2) int s, @ForAll @IntRange(min = 0, max = 1) int pad,
                                             @ForAll @IntRange(min = 1, max = 2) int groups, @ForAll @IntRange(min = 1, max = 2) int threads,
                                             @ForAll long seed) {
        // A budget of a few hundred floats cuts the output positions into chunks of one or a few panels,
        // so chunks start and end in the middle of output rows; 1x1 kernels take the chunked path too.
        Assume.that(h + 2 * pad >= k && wIn + 2 * pad >= k);
        Random rnd = new Random(seed);
        Tensor x = random(rnd, 2, cg * groups, h, wIn);
        Tensor w = random(rnd, 3 * groups, cg, k, k);
        Tensor b = random(rnd, 3 * groups);
        List<Attribute> attrs = List.of(Attribute.ofInt("group", groups), Attribute.ofInts("strides", ints(s, s)),
                Attribute.ofInts("pads", ints(pad, pad, pad, pad)));
        Tensor expected = run(PORTABLE, 1, "Conv", 11, attrs, new int[] {1, 2}, x, w, b);
        int saved = VectorConvKernel.chunkFloats;
        VectorConvKernel.chunkFloats = 300;
        try {
            assertClose(run(VECTOR, threads, "Conv", 11, attrs, new int[] {1, 2}, x, w, b), expected, cg * k * k);
        } finally {
            VectorConvKernel.chunkFloats = saved;
        }
    }

    @Property(tries = 40)
    void largeMapsMatchPortable(@ForAll @IntRange(min = 8, max = 40) int h, @ForAll @IntRange(min = 8, max = 40) int wIn,
                                @ForAll @IntRange(min = 1, max = 3) int s, @ForAll boolean depthwise,
                                @ForAll @IntRange(min = 1, max = 2) int threads, @ForAll long seed) {
        // Enough positions and channels to split the im2col and the depth-wise planes over threads.
        int c = 16;
        int groups = depthwise ? c : 1;
        Random rnd = new Random(seed);
        Tensor x = random(rnd, 1, c, h, wIn);
        // Depth-wise with a channel multiplier of 2.
        Tensor w = random(rnd, depthwise ? 2 * c : 24, c / groups, 3, 3);
        Tensor b = random(rnd, w.dim(0));
        List<Attribute> attrs = List.of(Attribute.ofInt("group", groups), Attribute.ofInts("strides", ints(s, s)),
                Attribute.ofInts("pads", ints(1, 1, 1, 1)));
        Tensor expected = run(PORTABLE, 1, "Conv", 11, attrs, new int[] {1, 2}, x, w, b);
        assertClose(run(VECTOR, threads, "Conv", 11, attrs, new int[] {1, 2}, x, w, b), expected, 9 * c / groups);
    }
}
