package dev.petrel.cli;

import dev.petrel.Model;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.graph.ValueInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code petrel inspect MODEL}: what a model is made of and whether Petrel can run it. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show a model's opsets, inputs, outputs, operators, parameters and unsupported operators.")
final class InspectCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Model file (.onnx).")
    Path model;

    @Option(names = "--optimized", description = "Show the graph after the load-time optimizations (fusions, folding).")
    boolean optimized;

    @Override
    public Integer call() {
        Graph g = Model.readGraph(model);
        System.out.println("model     " + model);
        if (optimized) {
            dev.petrel.optimize.GraphOptimizer.Result r = dev.petrel.optimize.GraphOptimizer.standard().run(g, Model.registry());
            System.out.println("optimized " + r.nodesBefore() + " -> " + r.nodesAfter() + " nodes: "
                    + (r.applied().isEmpty() ? "nothing to do" : String.join(", ", r.applied())));
            g = r.graph();
        }
        System.out.println("opsets    " + g.opsets());
        System.out.println("inputs");
        for (ValueInfo v : g.inputs()) {
            if (!g.initializers().containsKey(v.name())) System.out.println("  " + v.describe());
        }
        System.out.println("outputs");
        for (ValueInfo v : g.outputs()) System.out.println("  " + v.describe());
        Map<String, Integer> ops = new TreeMap<>();
        countOps(g, ops);
        System.out.println("operators (" + ops.values().stream().mapToInt(Integer::intValue).sum() + " nodes)");
        ops.forEach((op, n) -> System.out.printf("  %-28s %d%n", op, n));
        long params = 0, bytes = 0;
        for (Tensor t : g.initializers().values()) {
            params += t.size();
            bytes += (long) t.size() * t.dtype().byteSize();
        }
        System.out.printf("parameters %,d in %d initializers, %,d bytes (%.1f MiB)%n",
                params, g.initializers().size(), bytes, bytes / 1048576.0);
        List<String> missing = Model.unsupportedOperators(g, Model.registry());
        System.out.println("unsupported " + (missing.isEmpty() ? "none" : String.join(", ", missing)));
        System.out.println("backends  " + Model.backends());
        return 0;
    }

    private static void countOps(Graph g, Map<String, Integer> ops) {
        for (Node n : g.nodes()) {
            ops.merge((n.domain().isEmpty() ? "" : n.domain() + "::") + n.opType(), 1, Integer::sum);
            for (Attribute a : n.attributes().all()) {
                if (a.kind() == Attribute.Kind.GRAPH) countOps((Graph) a.value(), ops);
            }
        }
    }
}
