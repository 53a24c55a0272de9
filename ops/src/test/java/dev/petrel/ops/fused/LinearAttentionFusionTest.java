package dev.petrel.ops.fused;

import static dev.petrel.ops.fused.OptimizedGraphsTest.ops;
import static dev.petrel.ops.fused.OptimizedGraphsTest.optimizeAndCompare;
import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Dim;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.graph.ValueInfo;
import dev.petrel.ops.fused.OptimizedGraphsTest.G;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * LinearAttentionFusion on hand-built copies of SLAB's exported SLA block (papers.md §2.1, the node sequence
 * in bench/src/test/resources/models/slab/README.md): fused with static and with dynamic batch shapes, the
 * outputs equal to the unfused graph's; and left alone when any one condition fails.
 */
class LinearAttentionFusionTest {
    private static final String SLA = "dev.petrel::SimplifiedLinearAttention";

    /** What to build; the defaults are the exported pattern. */
    static final class Spec {
        int batch = 2, height = 3, width = 4, heads = 2, headDim = 3, in = 5;
        boolean dynamic = true;
        long[] convPads = {2, 2, 2, 2};
        long[] mergePerm = {0, 2, 1, 3};
        boolean epsAsInput;
        boolean exposeKv;
        boolean swapQk;
        int headsInReshape = -1;
        /** When non-zero, z goes through Mul(z, zScale), as PyTorch 1.13 exports it from the third block on (with 1.0). */
        float zScale;
        /** Filled by build: the kv Einsum's output. */
        String kv;
    }

    static Graph build(G g, Spec s) {
        int n = s.height * s.width, c = s.headDim, h = s.heads, cc = h * c;
        String x = "x";
        if (s.dynamic) {
            g.b.input(new ValueInfo(x, DType.FLOAT, new Dim[] {Dim.symbol("batch"), Dim.of(n), Dim.of(s.in)}));
            g.inputs.put(x, new int[] {s.batch, n, s.in});
        } else {
            g.input(x, s.batch, n, s.in);
        }
        String qkv = g.op("Add", g.op("MatMul", x, g.random(s.in, 3 * cc)), g.random(3 * cc));
        // B from the input's shape at run time, as the exporter writes it.
        String b = g.op("Unsqueeze", g.op("Gather", List.of(Attribute.ofInt("axis", 0)), g.op("Shape", x), g.constant(Tensor.of(new long[] {0}))),
                g.constant(Tensor.of(new long[] {0}, 1)));
        String bh = g.op("Mul", b, g.constant(Tensor.of(new long[] {s.headsInReshape > 0 ? s.headsInReshape : h}, 1)));
        String r0 = g.op("Reshape", qkv, shape(g, b, n, 3, cc));
        String t0 = g.op("Transpose", List.of(Attribute.ofInts("perm", new long[] {2, 0, 1, 3})), r0);
        String[] parts = {"q_" + g.count, "k_" + g.count, "v_" + g.count};
        g.b.node(new Node("split", "Split", "", 14, List.of(t0, g.constant(Tensor.of(new long[] {1, 1, 1}, 3))), List.of(parts),
                new dev.petrel.graph.Attributes(List.of(Attribute.ofInt("axis", 0)))));
        String axis0 = g.constant(Tensor.of(new long[] {0}, 1));
        String q = g.op("Squeeze", parts[s.swapQk ? 1 : 0], axis0);
        String k = g.op("Squeeze", parts[s.swapQk ? 0 : 1], axis0);
        String v = g.op("Squeeze", parts[2], axis0);
        String kp = g.op("Relu", g.op("Add", k, g.random(1, n, cc)));
        String qp = g.op("Relu", q);
        String qh = heads(g, qp, b, bh, n, h, c);
        String kh = heads(g, kp, b, bh, n, h, c);
        String vh = heads(g, v, b, bh, n, h, c);
        String ksum = g.op("ReduceSum", List.of(Attribute.ofInt("keepdims", 0)), kh, g.constant(Tensor.of(new long[] {1}, 1)));
        String e1 = g.op("Einsum", List.of(Attribute.ofString("equation", "bic,bc->bi")), qh, ksum);
        String eps = s.epsAsInput ? "eps" : g.scalar(1e-6f);
        if (s.epsAsInput) g.input("eps", 1);
        String z = g.op("Reciprocal", g.op("Add", e1, eps));
        if (s.zScale != 0) z = g.op("Mul", z, g.scalar(s.zScale));
        s.kv = g.op("Einsum", List.of(Attribute.ofString("equation", "bjc,bjd->bcd")), kh, vh);
        String o = g.op("Einsum", List.of(Attribute.ofString("equation", "bic,bcd,bi->bid")), qh, s.kv, z);
        String img = g.op("Transpose", List.of(Attribute.ofInts("perm", new long[] {0, 3, 1, 2})),
                g.op("Reshape", vh, shape(g, bh, s.height, s.width, c)));
        String conv = g.op("Conv", List.of(Attribute.ofInt("group", c), Attribute.ofInts("kernel_shape", new long[] {5, 5}),
                Attribute.ofInts("pads", s.convPads), Attribute.ofInts("strides", new long[] {1, 1})), img, g.random(c, 1, 5, 5), g.random(c));
        String dw = g.op("Transpose", List.of(Attribute.ofInts("perm", new long[] {0, 2, 1})), g.op("Reshape", conv, shape(g, bh, c, n)));
        String sum = g.op("Add", o, dw);
        String merged = g.op("Transpose", List.of(Attribute.ofInts("perm", s.mergePerm)), g.op("Reshape", sum, shape(g, b, h, n, c)));
        String y = g.op("Reshape", merged, shape(g, b, n, cc));
        return s.exposeKv ? g.output(y, s.kv) : g.output(y);
    }

    /** (b n (h c)) -> ((b h) n c) as the exporter writes it. */
    private static String heads(G g, String t, String b, String bh, int n, int h, int c) {
        String r = g.op("Reshape", t, shape(g, b, n, h, c));
        String tr = g.op("Transpose", List.of(Attribute.ofInts("perm", new long[] {0, 2, 1, 3})), r);
        return g.op("Reshape", tr, shape(g, bh, n, c));
    }

    /** Concat(first, constants...) along axis 0. */
    private static String shape(G g, String first, long... rest) {
        String[] ins = new String[rest.length + 1];
        ins[0] = first;
        for (int i = 0; i < rest.length; i++) ins[i + 1] = g.constant(Tensor.of(new long[] {rest[i]}, 1));
        return g.op("Concat", List.of(Attribute.ofInt("axis", 0)), ins);
    }

    private static Map<String, Integer> optimized(Spec s) {
        G g = new G();
        Graph graph = build(g, s);
        return ops(optimizeAndCompare(g, graph, 2e-5));
    }

    @Test
    void fusesWithDynamicBatch() {
        Map<String, Integer> ops = optimized(new Spec());
        assertThat(ops).containsEntry(SLA, 1).doesNotContainKeys("Einsum", "Conv", "Split", "Reciprocal", "Relu", "ReduceSum");
    }

    @Test
    void fusesThroughTheUnitMulAfterTheReciprocal() {
        Spec s = new Spec();
        s.zScale = 1f;
        assertThat(optimized(s)).containsEntry(SLA, 1).doesNotContainKeys("Einsum", "Reciprocal");
    }

    @Test
    void leavesAScaleOtherThanOneAfterTheReciprocal() {
        Spec s = new Spec();
        s.zScale = 2f;
        assertThat(optimized(s)).doesNotContainKey(SLA).containsKey("Reciprocal");
    }

    @Test
    void fusesWithStaticShapes() {
        Spec s = new Spec();
        s.dynamic = false;
        s.batch = 1;
        Map<String, Integer> ops = optimized(s);
        assertThat(ops).containsEntry(SLA, 1).doesNotContainKeys("Einsum", "Conv");
    }

    @Test
    void recordsGridHeadsAndEps() {
        G g = new G();
        Spec s = new Spec();
        s.height = 2;
        s.width = 5;
        s.heads = 3;
        Graph opt = dev.petrel.optimize.GraphOptimizer.optimize(build(g, s), dev.petrel.Model.registry());
        Node sla = opt.nodes().stream().filter(n -> n.opType().equals("SimplifiedLinearAttention")).findFirst().orElseThrow();
        assertThat(sla.attributes().getInt("num_heads", 0)).isEqualTo(3);
        assertThat(sla.attributes().getInt("height", 0)).isEqualTo(2);
        assertThat(sla.attributes().getInt("width", 0)).isEqualTo(5);
        assertThat(sla.attributes().getFloat("eps", 0)).isEqualTo(1e-6f);
        assertThat(sla.inputs()).hasSize(4);
    }

    @Test
    void leavesPaddingThatIsNotSame() {
        Spec s = new Spec();
        s.convPads = new long[] {1, 1, 3, 3};
        assertThat(optimized(s)).doesNotContainKey(SLA).containsKey("Einsum");
    }

    @Test
    void leavesAnExposedIntermediate() {
        Spec s = new Spec();
        s.exposeKv = true;
        assertThat(optimized(s)).doesNotContainKey(SLA).containsEntry("Einsum", 3);
    }

    @Test
    void leavesAnEpsThatIsNotConstant() {
        Spec s = new Spec();
        s.epsAsInput = true;
        assertThat(optimized(s)).doesNotContainKey(SLA);
    }

    @Test
    void leavesQAndKSwapped() {
        // The positional term on the wrong Split output: not SLA.
        Spec s = new Spec();
        s.swapQk = true;
        assertThat(optimized(s)).doesNotContainKey(SLA);
    }

    @Test
    void leavesAnotherHeadMerge() {
        // Heads merged back as (c h) instead of (h c): a different channel order.
        Spec s = new Spec();
        s.mergePerm = new long[] {0, 2, 3, 1};
        assertThat(optimized(s)).doesNotContainKey(SLA);
    }

    @Test
    void leavesReshapesThatDisagreeWithTheFilter() {
        // The (b h) reshapes multiply B by 3 while the filter and P say 2 heads of 3 channels: the shapes break
        // only at run time, and the fusion must not turn that into a working graph.
        Spec s = new Spec();
        s.headsInReshape = 3;
        G g = new G();
        Graph graph = build(g, s);
        assertThat(ops(dev.petrel.optimize.GraphOptimizer.optimize(graph, dev.petrel.Model.registry()))).doesNotContainKey(SLA);
    }
}
