package dev.petrel.optimize;

import dev.petrel.graph.Graph;
import dev.petrel.spi.KernelRegistry;
import java.util.ArrayList;
import java.util.List;

/**
 * The load-time optimization pipeline: a fixed list of {@link Pass}es run in order over the top-level
 * graph. Each keeps the graph's outputs equal to the unoptimized graph's within fp32 rounding; fusions
 * emit operators of Petrel's domain {@code dev.petrel} (opset 1) only when {@code registry} has kernels
 * for them.
 *
 * <pre>{@code
 * Graph optimized = GraphOptimizer.optimize(graph, Model.registry());
 * Model model = Model.of(optimized);
 * }</pre>
 *
 * <p>{@link dev.petrel.Model#load} applies it unless the system property {@code petrel.optimize} is
 * {@code false}.
 */
public final class GraphOptimizer {
    private final List<Pass> passes;

    public GraphOptimizer(List<Pass> passes) {
        this.passes = List.copyOf(passes);
    }

    /** The default pipeline. */
    public static GraphOptimizer standard() {
        return new GraphOptimizer(List.of(
                new ConstantFolding(),
                new StaticShapeFolding(),
                new ConstantFolding(),
                new IdentityElimination(),
                new DropoutElimination(),
                new DeadNodeElimination(),
                new LayerNormFusion(),
                new GeluFusion(),
                new AttentionFusion(),
                new LinearAttentionFusion(),
                new BatchNormFolding(),
                new WeightDequantFusion(),
                new NBitsEpilogueFusion(),
                new MatMulBiasFusion(),
                new QuantizedMatMulFusion(),
                new DeadNodeElimination()));
    }

    /** Runs the default pipeline. */
    public static Graph optimize(Graph graph, KernelRegistry registry) {
        return standard().run(graph, registry).graph();
    }

    public List<Pass> passes() {
        return passes;
    }

    /** Runs every pass once, in order, and reports what each did. */
    public Result run(Graph graph, KernelRegistry registry) {
        GraphEdit edit = new GraphEdit(graph, registry);
        List<String> applied = new ArrayList<>();
        for (Pass p : passes) {
            int n = p.apply(edit);
            if (n > 0) applied.add(p.name() + " x" + n);
        }
        Graph out = applied.isEmpty() ? graph : edit.toGraph();
        return new Result(out, graph.nodes().size(), out.nodes().size(), applied);
    }

    /** The optimized graph and what the passes did. */
    public static final class Result {
        private final Graph graph;
        private final int nodesBefore;
        private final int nodesAfter;
        private final List<String> applied;

        Result(Graph graph, int nodesBefore, int nodesAfter, List<String> applied) {
            this.graph = graph;
            this.nodesBefore = nodesBefore;
            this.nodesAfter = nodesAfter;
            this.applied = List.copyOf(applied);
        }

        public Graph graph() { return graph; }
        public int nodesBefore() { return nodesBefore; }
        public int nodesAfter() { return nodesAfter; }
        /** "pass-name xN" for each pass that changed something, in pipeline order. */
        public List<String> applied() { return applied; }
    }
}
