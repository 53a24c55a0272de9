package dev.petrel.quantize;

import dev.petrel.Tensor;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.graph.ValueInfo;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Copies of a graph with extra outputs or replaced initializers, built through the public
 * {@link Graph.Builder} so the engine needs no hook for reading intermediate values.
 */
public final class GraphVariants {
    private GraphVariants() {}

    /**
     * The same graph that also outputs {@code extra} (intermediate value names), after its own outputs.
     * The extra outputs declare no type or shape: the session records them on the first run.
     */
    public static Graph withOutputs(Graph graph, List<String> extra) {
        Graph.Builder b = copyBody(graph, Map.of());
        Set<String> names = new LinkedHashSet<>();
        for (ValueInfo v : graph.outputs()) {
            b.output(v);
            names.add(v.name());
        }
        for (String e : extra) if (names.add(e)) b.output(new ValueInfo(e, null, null));
        return b.build();
    }

    /** The same graph with some initializers' values replaced (same names; shapes are the caller's business). */
    public static Graph withInitializers(Graph graph, Map<String, Tensor> replacements) {
        for (String name : replacements.keySet()) {
            if (!graph.initializers().containsKey(name)) {
                throw new IllegalArgumentException("the graph has no initializer '" + name + "' to replace");
            }
        }
        Graph.Builder b = copyBody(graph, replacements);
        for (ValueInfo v : graph.outputs()) b.output(v);
        return b.build();
    }

    private static Graph.Builder copyBody(Graph graph, Map<String, Tensor> replacements) {
        Graph.Builder b = new Graph.Builder().name(graph.name());
        for (Map.Entry<String, Integer> e : graph.opsets().entrySet()) b.opset(e.getKey(), e.getValue());
        for (ValueInfo v : graph.inputs()) b.input(v);
        for (Map.Entry<String, Tensor> e : graph.initializers().entrySet()) {
            b.initializer(e.getKey(), replacements.getOrDefault(e.getKey(), e.getValue()));
        }
        for (Node n : graph.nodes()) b.node(n);
        return b;
    }
}
