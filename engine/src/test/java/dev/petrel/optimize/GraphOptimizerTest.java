package dev.petrel.optimize;

import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Dim;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.graph.ValueInfo;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelRegistry;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The passes' structure on small graphs, with stand-in kernels (the real kernels live in petrel-ops,
 * whose tests check the numbers: dev.petrel.ops.fused.OptimizedGraphsTest).
 */
class GraphOptimizerTest {
    /** AddOne (y = x + 1) and stand-ins registered for the operators the passes look at. */
    static KernelRegistry kernels(boolean fused) {
        KernelRegistry r = new KernelRegistry();
        r.add("", "AddOne", 1, KernelRegistry.LATEST, EnumSet.of(DType.FLOAT), node -> ctx -> {
            Tensor x = ctx.input(0);
            Tensor y = ctx.output(0, DType.FLOAT, x.dims());
            for (int i = 0; i < x.size(); i++) y.floats().put(i, x.floats().get(i) + 1);
        });
        Kernel none = ctx -> {
            throw new IllegalStateException("not run in these tests");
        };
        for (String op : List.of("Identity", "Dropout", "Relu", "Neg", "ReduceMean", "Sub", "Pow", "Add", "Sqrt", "Div",
                "Mul", "Erf", "MatMul", "Softmax", "Transpose", "Shape")) {
            r.add("", op, 1, KernelRegistry.LATEST, null, node -> none);
        }
        if (fused) {
            for (String op : List.of("LayerNormalization", "Gelu", "FusedMatMul", "Attention")) {
                r.add("dev.petrel", op, 1, 1, null, node -> none);
            }
        }
        return r;
    }

    private static Node node(String op, List<String> ins, String out, Attribute... attrs) {
        return new Node(out, op, "", 14, ins, List.of(out), new Attributes(List.of(attrs)));
    }

    private static List<String> ops(Graph g) {
        List<String> ops = new ArrayList<>();
        for (Node n : g.nodes()) ops.add((n.domain().isEmpty() ? "" : n.domain() + "::") + n.opType());
        return ops;
    }

    private static Graph.Builder builder(String... inputs) {
        Graph.Builder b = new Graph.Builder().opset("", 14);
        for (String i : inputs) b.input(new ValueInfo(i, DType.FLOAT, new Dim[] {Dim.symbol("n")}));
        return b;
    }

    @Test
    void foldsConstantChainsWithTheRegisteredKernels() {
        Graph g = builder("x")
                .initializer("c", Tensor.of(new float[] {1, 2}, 2))
                .node(node("AddOne", List.of("c"), "c1"))
                .node(node("AddOne", List.of("c1"), "c2"))
                .node(node("Add", List.of("x", "c2"), "y"))
                .output(new ValueInfo("y", DType.FLOAT, null)).build();
        Graph opt = GraphOptimizer.optimize(g, kernels(false));
        assertThat(ops(opt)).containsExactly("Add");
        assertThat(opt.initializers().get("c2").toFloatArray()).containsExactly(3, 4);
        assertThat(opt.initializers()).doesNotContainKeys("c", "c1");
    }

    @Test
    void doesNotFoldInitializersThatInputsOverride() {
        Graph g = builder("x", "c")
                .initializer("c", Tensor.of(new float[] {1, 2}, 2))
                .node(node("AddOne", List.of("c"), "c1"))
                .node(node("Add", List.of("x", "c1"), "y"))
                .output(new ValueInfo("y", DType.FLOAT, null)).build();
        assertThat(ops(GraphOptimizer.optimize(g, kernels(false)))).containsExactly("AddOne", "Add");
    }

    @Test
    void removesIdentityDropoutAndDeadNodes() {
        Graph g = builder("x")
                .node(node("Identity", List.of("x"), "a"))
                .node(node("Dropout", List.of("a"), "b"))
                .node(node("Relu", List.of("b"), "dead"))
                .node(node("Neg", List.of("b"), "c"))
                .node(node("Identity", List.of("c"), "y"))
                .output(new ValueInfo("y", DType.FLOAT, null)).build();
        Graph opt = GraphOptimizer.optimize(g, kernels(false));
        assertThat(ops(opt)).containsExactly("Neg");
        assertThat(opt.nodes().get(0).inputs()).containsExactly("x");
        assertThat(opt.nodes().get(0).outputs()).containsExactly("y");
    }

    @Test
    void keepsDropoutThatMayTrain() {
        Graph g = builder("x", "training")
                .node(new Node("d", "Dropout", "", 14, List.of("x", "", "training"), List.of("y"), Attributes.empty()))
                .output(new ValueInfo("y", DType.FLOAT, null)).build();
        assertThat(ops(GraphOptimizer.optimize(g, kernels(false)))).containsExactly("Dropout");
    }

    private static Graph layerNorm() {
        Attribute last = Attribute.ofInts("axes", new long[] {-1});
        return builder("x")
                .initializer("two", Tensor.of(new float[] {2}))
                .initializer("eps", Tensor.of(new float[] {1e-12f}))
                .initializer("gamma", Tensor.of(new float[] {1, 2, 3}, 3))
                .initializer("beta", Tensor.of(new float[] {0, 1, 0}, 3))
                .node(node("ReduceMean", List.of("x"), "mean", last))
                .node(node("Sub", List.of("x", "mean"), "sub"))
                .node(node("Pow", List.of("sub", "two"), "sq"))
                .node(node("ReduceMean", List.of("sq"), "var", last))
                .node(node("Add", List.of("var", "eps"), "ve"))
                .node(node("Sqrt", List.of("ve"), "std"))
                .node(node("Div", List.of("sub", "std"), "norm"))
                .node(node("Mul", List.of("norm", "gamma"), "scaled"))
                .node(node("Add", List.of("beta", "scaled"), "y"))
                .output(new ValueInfo("y", DType.FLOAT, null)).build();
    }

    @Test
    void fusesLayerNormIntoPetrelDomain() {
        Graph opt = GraphOptimizer.optimize(layerNorm(), kernels(true));
        assertThat(ops(opt)).containsExactly("dev.petrel::LayerNormalization");
        Node ln = opt.nodes().get(0);
        assertThat(ln.opsetVersion()).isEqualTo(1);
        assertThat(ln.inputs()).containsExactly("x", "gamma", "beta");
        assertThat(ln.attributes().getFloat("epsilon", 0)).isEqualTo(1e-12f);
        assertThat(ln.attributes().getInt("axis", 0)).isEqualTo(-1);
        assertThat(opt.opsets()).containsEntry("dev.petrel", 1);
        assertThat(opt.initializers()).containsOnlyKeys("gamma", "beta");
    }

    @Test
    void fusesNothingWithoutFusedKernels() {
        Graph g = layerNorm();
        assertThat(GraphOptimizer.optimize(g, kernels(false)).nodes()).hasSize(g.nodes().size());
    }

    @Test
    void leavesLayerNormOverOtherAxesAlone() {
        Graph g = layerNorm();
        Graph.Builder b = builder("x");
        g.initializers().forEach(b::initializer);
        for (Node n : g.nodes()) {
            b.node(n.opType().equals("ReduceMean") && n.name().equals("var")
                    ? node("ReduceMean", n.inputs(), "var", Attribute.ofInts("axes", new long[] {1})) : n);
        }
        Graph changed = b.output(new ValueInfo("y", DType.FLOAT, null)).build();
        assertThat(GraphOptimizer.optimize(changed, kernels(true)).nodes()).hasSize(g.nodes().size());
    }

    @Test
    void fusesMatMulBiasButNotWithDynamicWeights() {
        Graph g = builder("x", "w2")
                .initializer("w", Tensor.of(new float[6], 2, 3))
                .initializer("bias", Tensor.of(new float[3], 3))
                .node(node("MatMul", List.of("x", "w"), "mm"))
                .node(node("Add", List.of("mm", "bias"), "h"))
                .node(node("Relu", List.of("h"), "r"))
                .node(node("MatMul", List.of("r", "w2"), "mm2"))
                .node(node("Add", List.of("mm2", "bias"), "y"))
                .output(new ValueInfo("y", DType.FLOAT, null)).build();
        Graph opt = GraphOptimizer.optimize(g, kernels(true));
        assertThat(ops(opt)).containsExactly("dev.petrel::FusedMatMul", "MatMul", "Add");
        assertThat(opt.nodes().get(0).attributes().getString("activation", "none")).isEqualTo("relu");
        assertThat(opt.nodes().get(0).outputs()).containsExactly("r");
    }
}
