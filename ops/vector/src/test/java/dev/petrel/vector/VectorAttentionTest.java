package dev.petrel.vector;

import static dev.petrel.vector.VectorHarness.PORTABLE;
import static dev.petrel.vector.VectorHarness.VECTOR;
import static dev.petrel.vector.VectorHarness.assertClose;
import static dev.petrel.vector.VectorHarness.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.petrel.DType;
import dev.petrel.Model;
import dev.petrel.Options;
import dev.petrel.Session;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.graph.ValueInfo;
import dev.petrel.spi.KernelRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The vector dev.petrel::Attention against the portable one: random heads, odd lengths, masks, K layouts, threads. */
class VectorAttentionTest {

    private static Graph graph(float scale, boolean kTransposed, Tensor... inputs) {
        return graph(scale, kTransposed, false, inputs);
    }

    private static Graph graph(float scale, boolean kTransposed, boolean sequenceMajor, Tensor... inputs) {
        Graph.Builder g = new Graph.Builder().opset("", 13).opset("dev.petrel", 1);
        List<String> in = new ArrayList<>();
        for (int i = 0; i < inputs.length; i++) {
            in.add("x" + i);
            g.input(new ValueInfo("x" + i, inputs[i].dtype(), null));
        }
        g.output(new ValueInfo("y", null, null));
        List<Attribute> attrs = List.of(Attribute.ofFloat("scale", scale), Attribute.ofInt("k_transposed", kTransposed ? 1 : 0),
                Attribute.ofInt("sequence_major", sequenceMajor ? 1 : 0));
        g.node(new Node("attn", "Attention", "dev.petrel", 1, in, List.of("y"), new Attributes(attrs)));
        return g.build();
    }

    private static Tensor run(KernelRegistry kernels, int threads, float scale, boolean kTransposed, Tensor... inputs) {
        return run(kernels, threads, scale, kTransposed, false, inputs);
    }

    private static Tensor run(KernelRegistry kernels, int threads, float scale, boolean kTransposed, boolean sequenceMajor, Tensor... inputs) {
        Map<String, Tensor> feed = new HashMap<>();
        for (int i = 0; i < inputs.length; i++) feed.put("x" + i, inputs[i]);
        try (Session s = Model.of(graph(scale, kTransposed, sequenceMajor, inputs), kernels).newSession(new Options().threads(threads))) {
            Tensor first = s.run(feed).get("y");
            // A second run reuses the planned shapes and the scratch: same answer.
            assertThat(s.run(feed).get("y").toFloatArray()).containsExactly(first.toFloatArray());
            return first;
        }
    }

    @Test
    void vectorKernelIsTheOneSelected() {
        Tensor x = Tensor.of(new float[4], 1, 1, 2, 2);
        Node n = graph(1f, false, x, x, x).nodes().get(0);
        assertThat(VECTOR.find(n, new DType[] {DType.FLOAT, DType.FLOAT, DType.FLOAT}).backend()).isEqualTo("vector");
    }

    @Test
    void handComputedHead() {
        // Q = [1 0; 0 1], K = I, V = [1 2; 3 4], scale ln 3: scores [ln3 0; 0 ln3] -> softmax rows [3/4 1/4; 1/4 3/4].
        Tensor q = Tensor.of(new float[] {1, 0, 0, 1}, 1, 1, 2, 2);
        Tensor v = Tensor.of(new float[] {1, 2, 3, 4}, 1, 1, 2, 2);
        float ln3 = (float) Math.log(3);
        float[] y = run(VECTOR, 1, ln3, false, q, q, v).toFloatArray();
        assertThat(y[0]).isCloseTo(1.5f, within(1e-6f));
        assertThat(y[1]).isCloseTo(2.5f, within(1e-6f));
        assertThat(y[2]).isCloseTo(2.5f, within(1e-6f));
        assertThat(y[3]).isCloseTo(3.5f, within(1e-6f));
        // A mask of -inf on key 0 puts all the weight on key 1 (V row [3 4]).
        Tensor mask = Tensor.of(new float[] {Float.NEGATIVE_INFINITY, 0}, 1, 1, 1, 2);
        assertThat(run(VECTOR, 1, ln3, false, q, q, v, mask).toFloatArray()).containsExactly(3f, 4f, 3f, 4f);
    }

    @Provide
    Arbitrary<Integer> seqs() {
        return Arbitraries.oneOf(Arbitraries.of(1, 3, 17, 65, 128), Arbitraries.integers().between(1, 70));
    }

    @Provide
    Arbitrary<Float> scales() {
        return Arbitraries.of(0.125f, 0.17677669f, 1f, 0.5f, 2f);
    }

    /** 0: no mask, 1: [B,1,1,Sk] (BERT), 2: [Sq,Sk], 3: [B,H,Sq,Sk], 4: [1]. */
    @Property(tries = 120)
    void matchesPortable(@ForAll @IntRange(min = 1, max = 2) int b, @ForAll @IntRange(min = 1, max = 4) int h,
                         @ForAll("seqs") int sq, @ForAll("seqs") int sk, @ForAll @IntRange(min = 1, max = 70) int d,
                         @ForAll @IntRange(min = 1, max = 70) int dv, @ForAll @IntRange(min = 0, max = 4) int maskKind,
                         @ForAll boolean kTransposed, @ForAll("scales") float scale, @ForAll long seed) {
        Random rnd = new Random(seed);
        Tensor q = random(rnd, b, h, sq, d);
        Tensor k = kTransposed ? random(rnd, b, h, d, sk) : random(rnd, b, h, sk, d);
        Tensor v = random(rnd, b, h, sk, dv);
        Tensor mask = switch (maskKind) {
            case 1 -> bertMask(rnd, b, sk);
            case 2 -> random(rnd, sq, sk);
            case 3 -> random(rnd, b, h, sq, sk);
            case 4 -> random(rnd, 1);
            default -> null;
        };
        Tensor[] in = mask == null ? new Tensor[] {q, k, v} : new Tensor[] {q, k, v, mask};
        Tensor expected = run(PORTABLE, 1, scale, kTransposed, in);
        Tensor one = run(VECTOR, 1, scale, kTransposed, in);
        assertClose(one, expected, d);
        // Heads are split over threads and each is computed the same way, interpreted or compiled.
        assertThat(run(VECTOR, 2, scale, kTransposed, in).toFloatArray()).containsExactly(one.toFloatArray());
    }

    @Property(tries = 20)
    void broadcastsKeysAndValuesOverHeads(@ForAll @IntRange(min = 1, max = 4) int h, @ForAll("seqs") int s,
                                         @ForAll @IntRange(min = 1, max = 40) int d, @ForAll long seed) {
        Random rnd = new Random(seed);
        Tensor q = random(rnd, 2, h, s, d);
        Tensor k = random(rnd, 2, 1, s, d);
        Tensor v = random(rnd, 1, h, s, d);
        assertClose(run(VECTOR, 2, 0.25f, false, q, k, v), run(PORTABLE, 1, 0.25f, false, q, k, v), d);
    }

    /**
     * sequence_major=1 takes Q, K, V as [B, S, H, D] and writes [B, S, H, Dv]: the same numbers as the
     * default layout on the head-transposed operands, transposed back. Both kernels, with heads broadcast.
     */
    @Property(tries = 60)
    void sequenceMajorIsTheHeadTransposedLayout(@ForAll @IntRange(min = 1, max = 2) int b, @ForAll @IntRange(min = 1, max = 4) int h,
                                                @ForAll("seqs") int sq, @ForAll("seqs") int sk, @ForAll @IntRange(min = 1, max = 40) int d,
                                                @ForAll @IntRange(min = 1, max = 40) int dv, @ForAll boolean masked,
                                                @ForAll boolean oneKvHead, @ForAll long seed) {
        Random rnd = new Random(seed);
        int kvh = oneKvHead ? 1 : h;
        Tensor q = random(rnd, b, sq, h, d);
        Tensor k = random(rnd, b, sk, kvh, d);
        Tensor v = random(rnd, b, sk, kvh, dv);
        Tensor mask = masked ? bertMask(rnd, b, sk) : null;
        Tensor[] seqMajor = mask == null ? new Tensor[] {q, k, v} : new Tensor[] {q, k, v, mask};
        Tensor[] headMajor = mask == null ? new Tensor[] {swapAxes12(q), swapAxes12(k), swapAxes12(v)}
                : new Tensor[] {swapAxes12(q), swapAxes12(k), swapAxes12(v), mask};
        Tensor expected = swapAxes12(run(PORTABLE, 1, 0.3f, false, false, headMajor));
        Tensor portable = run(PORTABLE, 1, 0.3f, false, true, seqMajor);
        assertThat(portable.dims()).containsExactly(b, sq, h, dv);
        assertThat(portable.toFloatArray()).containsExactly(expected.toFloatArray());
        Tensor vector = run(VECTOR, 1, 0.3f, false, true, seqMajor);
        assertClose(vector, expected, d);
        assertThat(run(VECTOR, 2, 0.3f, false, true, seqMajor).toFloatArray()).containsExactly(vector.toFloatArray());
    }

    /**
     * qkv_packed=1 reads Q, K, V from one [B, S, 3, H, D] tensor (a fused QKV projection, reshaped) and
     * writes [B, S, H, D]: the same numbers as sequence_major on the three slices. Both kernels, masks,
     * threads.
     */
    @Property(tries = 60)
    void packedQkvIsTheSlicedSequenceMajorLayout(@ForAll @IntRange(min = 1, max = 2) int b, @ForAll @IntRange(min = 1, max = 4) int h,
                                                 @ForAll("seqs") int s, @ForAll @IntRange(min = 1, max = 40) int d,
                                                 @ForAll boolean masked, @ForAll @IntRange(min = 1, max = 2) int threads, @ForAll long seed) {
        Random rnd = new Random(seed);
        Tensor x = random(rnd, b, s, 3, h, d);
        float[] xv = x.toFloatArray();
        Tensor[] parts = new Tensor[3];
        for (int part = 0; part < 3; part++) {
            float[] pv = new float[b * s * h * d];
            for (int bs = 0; bs < b * s; bs++) System.arraycopy(xv, (bs * 3 + part) * h * d, pv, bs * h * d, h * d);
            parts[part] = Tensor.of(pv, b, s, h, d);
        }
        Tensor mask = masked ? bertMask(rnd, b, s) : null;
        Tensor[] sliced = mask == null ? parts : new Tensor[] {parts[0], parts[1], parts[2], mask};
        Tensor[] packed = mask == null ? new Tensor[] {x, x, x} : new Tensor[] {x, x, x, mask};
        Tensor expected = run(PORTABLE, 1, 0.3f, false, true, sliced);
        List<Attribute> attrs = List.of(Attribute.ofFloat("scale", 0.3f), Attribute.ofInt("qkv_packed", 1));
        Tensor portable = runWith(PORTABLE, 1, attrs, packed);
        assertThat(portable.dims()).containsExactly(b, s, h, d);
        assertThat(portable.toFloatArray()).containsExactly(expected.toFloatArray());
        assertClose(runWith(VECTOR, threads, attrs, packed), expected, d);
    }

    /**
     * mask_windows=W (Swin's shifted windows): batch item b takes mask[b mod W] ([W, H or 1, S, S]), the
     * same numbers as the default layout with that mask tiled over the batch. Both kernels.
     */
    @Property(tries = 40)
    void windowMasksRepeatOverTheBatch(@ForAll @IntRange(min = 1, max = 3) int images, @ForAll @IntRange(min = 1, max = 4) int w,
                                       @ForAll @IntRange(min = 1, max = 3) int h, @ForAll("seqs") int s,
                                       @ForAll @IntRange(min = 1, max = 20) int d, @ForAll boolean perHead,
                                       @ForAll @IntRange(min = 1, max = 2) int threads, @ForAll long seed) {
        Random rnd = new Random(seed);
        int b = images * w, mh = perHead ? h : 1;
        Tensor q = random(rnd, b, h, s, d), k = random(rnd, b, h, s, d), v = random(rnd, b, h, s, d);
        Tensor masks = random(rnd, w, mh, s, s);
        float[] mv = masks.toFloatArray(), tiled = new float[b * h * s * s];
        for (int bi = 0; bi < b; bi++) {
            for (int hi = 0; hi < h; hi++) {
                System.arraycopy(mv, ((bi % w) * mh + (perHead ? hi : 0)) * s * s, tiled, (bi * h + hi) * s * s, s * s);
            }
        }
        Tensor expected = run(PORTABLE, 1, 0.3f, false, q, k, v, Tensor.of(tiled, b, h, s, s));
        List<Attribute> attrs = List.of(Attribute.ofFloat("scale", 0.3f), Attribute.ofInt("mask_windows", w));
        Tensor portable = runWith(PORTABLE, 1, attrs, q, k, v, masks);
        assertThat(portable.toFloatArray()).containsExactly(expected.toFloatArray());
        assertClose(runWith(VECTOR, threads, attrs, q, k, v, masks), expected, d);
    }

    @Test
    void windowMasksNeedABatchOfWholeImages() {
        Tensor x = Tensor.of(new float[3 * 2 * 4], 3, 1, 2, 4);
        Tensor masks = Tensor.of(new float[2 * 2 * 2], 2, 1, 2, 2);
        List<Attribute> attrs = List.of(Attribute.ofFloat("scale", 1f), Attribute.ofInt("mask_windows", 2));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> runWith(VECTOR, 1, attrs, x, x, x, masks))
                .hasMessageContaining("multiple of 2");
    }

    @Test
    void packedQkvNeedsOneTensorOfThreeParts() {
        Tensor x = Tensor.of(new float[2 * 5 * 2 * 4], 1, 5, 2, 2, 4);
        List<Attribute> attrs = List.of(Attribute.ofFloat("scale", 1f), Attribute.ofInt("qkv_packed", 1));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> runWith(VECTOR, 1, attrs, x, x, x))
                .hasMessageContaining("[B, S, 3, H, D]");
    }

    private static Tensor runWith(KernelRegistry kernels, int threads, List<Attribute> attrs, Tensor... inputs) {
        Graph.Builder g = new Graph.Builder().opset("", 13).opset("dev.petrel", 1);
        List<String> in = new ArrayList<>();
        Map<String, Tensor> feed = new HashMap<>();
        for (int i = 0; i < inputs.length; i++) {
            // The same tensor given twice is one graph input read twice, as the optimizer writes it.
            int first = java.util.Arrays.asList(inputs).indexOf(inputs[i]);
            in.add("x" + first);
            if (first == i) {
                g.input(new ValueInfo("x" + i, inputs[i].dtype(), null));
                feed.put("x" + i, inputs[i]);
            }
        }
        g.output(new ValueInfo("y", null, null));
        g.node(new Node("attn", "Attention", "dev.petrel", 1, in, List.of("y"), new Attributes(attrs)));
        try (Session s = Model.of(g.build(), kernels).newSession(new Options().threads(threads))) {
            Tensor first = s.run(feed).get("y");
            assertThat(s.run(feed).get("y").toFloatArray()).containsExactly(first.toFloatArray());
            return first;
        }
    }

    @Test
    void sequenceMajorRejectsOtherRanks() {
        Tensor x = Tensor.of(new float[6], 1, 2, 3);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> run(VECTOR, 1, 1f, false, true, x, x, x))
                .hasMessageContaining("rank 4 (sequence_major)");
    }

    /** [A, B, C, D] to [A, C, B, D]. */
    private static Tensor swapAxes12(Tensor t) {
        int[] s = t.dims();
        float[] in = t.toFloatArray();
        float[] out = new float[in.length];
        for (int a = 0; a < s[0]; a++)
            for (int i = 0; i < s[1]; i++)
                for (int j = 0; j < s[2]; j++)
                    for (int c = 0; c < s[3]; c++)
                        out[((a * s[2] + j) * s[1] + i) * s[3] + c] = in[((a * s[1] + i) * s[2] + j) * s[3] + c];
        return Tensor.of(out, s[0], s[2], s[1], s[3]);
    }

    /** An attention mask as BERT exports build it: 0 for kept tokens, -10000 for padding (at least one kept). */
    private static Tensor bertMask(Random rnd, int b, int sk) {
        float[] m = new float[b * sk];
        for (int i = 0; i < m.length; i++) m[i] = (i % sk != 0 && rnd.nextInt(4) == 0) ? -10000f : 0f;
        return Tensor.of(m, b, 1, 1, sk);
    }
}
