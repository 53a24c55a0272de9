package dev.petrel.ops.control;

import dev.petrel.DType;
import dev.petrel.Model;
import dev.petrel.Session;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.graph.ValueInfo;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Small graph builders for the control-flow tests. */
final class ControlGraphs {
    private ControlGraphs() {}

    static ValueInfo v(String name, DType t) {
        return new ValueInfo(name, t, null);
    }

    /** A body graph with the given inputs that only forwards values (its own inputs or outer ones) to its outputs. */
    static Graph forwarding(List<ValueInfo> inputs, List<String> outputs, Set<String> outer) {
        Graph.Builder b = new Graph.Builder();
        inputs.forEach(b::input);
        for (String o : outputs) b.output(new ValueInfo(o, null, null));
        return b.build(outer);
    }

    static Node node(String op, int opset, List<String> ins, List<String> outs, Attribute... attrs) {
        return new Node(op.toLowerCase(), op, "", opset, ins, outs, new Attributes(List.of(attrs)));
    }

    static Map<String, Tensor> run(Node node, List<ValueInfo> inputs, List<String> outputs, Map<String, Tensor> feeds) {
        Graph.Builder b = new Graph.Builder().opset("", node.opsetVersion());
        inputs.forEach(b::input);
        b.node(node);
        for (String o : outputs) b.output(new ValueInfo(o, null, null));
        try (Session s = Model.of(b.build()).newSession()) {
            return s.run(feeds);
        }
    }
}
