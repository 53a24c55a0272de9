package dev.petrel.graph;

import dev.petrel.ModelFormatException;
import dev.petrel.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * A validated computation graph: inputs, outputs, constant initializers and nodes in topological
 * order. Immutable once built. Loaders build it with {@link Builder}; {@link Builder#build} checks
 * that every node input is produced somewhere, that no value is produced twice, and that there is
 * no cycle, and fails with a {@link ModelFormatException} naming the offending node otherwise.
 */
public final class Graph {
    private final String name;
    private final List<ValueInfo> inputs;
    private final List<ValueInfo> outputs;
    private final Map<String, Tensor> initializers;
    private final List<Node> nodes;
    private final Map<String, Integer> opsets;

    private Graph(String name, List<ValueInfo> inputs, List<ValueInfo> outputs, Map<String, Tensor> initializers,
                  List<Node> nodes, Map<String, Integer> opsets) {
        this.name = name;
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        this.initializers = Collections.unmodifiableMap(new LinkedHashMap<>(initializers));
        this.nodes = List.copyOf(nodes);
        this.opsets = Collections.unmodifiableMap(new LinkedHashMap<>(opsets));
    }

    public String name() { return name; }

    /**
     * Inputs the caller may feed. Initializers that are also listed as graph inputs (an older ONNX
     * convention for overridable defaults) are included; {@link #initializers()} holds their defaults.
     */
    public List<ValueInfo> inputs() { return inputs; }
    public List<ValueInfo> outputs() { return outputs; }
    public Map<String, Tensor> initializers() { return initializers; }
    /** Nodes in a topological order. */
    public List<Node> nodes() { return nodes; }
    /** Imported opset version per domain ("" for the default domain). */
    public Map<String, Integer> opsets() { return opsets; }

    /** Collects the parts of a graph and validates them. */
    public static final class Builder {
        private String name = "";
        private final List<ValueInfo> inputs = new ArrayList<>();
        private final List<ValueInfo> outputs = new ArrayList<>();
        private final Map<String, Tensor> initializers = new LinkedHashMap<>();
        private final List<Node> nodes = new ArrayList<>();
        private final Map<String, Integer> opsets = new LinkedHashMap<>();

        public Builder name(String n) { this.name = n == null ? "" : n; return this; }
        public Builder input(ValueInfo v) { inputs.add(v); return this; }
        public Builder output(ValueInfo v) { outputs.add(v); return this; }
        public Builder initializer(String n, Tensor t) {
            if (initializers.put(n, t) != null) throw new ModelFormatException("initializer '" + n + "' is defined twice");
            return this;
        }
        public Builder node(Node n) { nodes.add(n); return this; }
        public Builder opset(String domain, int version) { opsets.put(Node.normalizeDomain(domain), version); return this; }

        /** Names defined so far by inputs, initializers and node outputs. */
        public boolean defines(String valueName) {
            if (initializers.containsKey(valueName)) return true;
            for (ValueInfo v : inputs) if (v.name().equals(valueName)) return true;
            for (Node n : nodes) if (n.outputs().contains(valueName)) return true;
            return false;
        }

        public Graph build() {
            return build(Set.of());
        }

        /**
         * Validates and builds.
         *
         * @param outerScope value names visible from an enclosing graph (for If/Loop bodies)
         */
        public Graph build(Set<String> outerScope) {
            Map<String, Integer> producer = new HashMap<>();
            Set<String> available = new HashSet<>(outerScope);
            Set<String> graphInputs = new HashSet<>();
            for (ValueInfo v : inputs) {
                if (!graphInputs.add(v.name())) throw new ModelFormatException("graph input '" + v.name() + "' is declared twice");
                available.add(v.name());
            }
            available.addAll(initializers.keySet());
            for (int i = 0; i < nodes.size(); i++) {
                Node n = nodes.get(i);
                for (String out : n.outputs()) {
                    if (out.isEmpty()) continue;
                    if (graphInputs.contains(out) || initializers.containsKey(out)) {
                        throw new ModelFormatException("node " + n + " writes '" + out + "', which is a graph input or initializer");
                    }
                    Integer prev = producer.put(out, i);
                    if (prev != null) {
                        throw new ModelFormatException("value '" + out + "' is produced by both node " + nodes.get(prev) + " and node " + n);
                    }
                }
            }
            // Kahn's algorithm, keeping the file's order among ready nodes.
            int[] pending = new int[nodes.size()];
            Map<String, List<Integer>> consumers = new HashMap<>();
            for (int i = 0; i < nodes.size(); i++) {
                Node n = nodes.get(i);
                Set<String> seen = new HashSet<>();
                for (String in : requiredNames(n)) {
                    if (available.contains(in)) continue;
                    if (!producer.containsKey(in)) {
                        throw new ModelFormatException("node " + n + " reads '" + in + "', which no node, input or initializer defines");
                    }
                    if (seen.add(in)) {
                        pending[i]++;
                        consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(i);
                    }
                }
            }
            PriorityQueue<Integer> queue = new PriorityQueue<>();
            for (int i = 0; i < nodes.size(); i++) if (pending[i] == 0) queue.add(i);
            List<Node> order = new ArrayList<>(nodes.size());
            while (!queue.isEmpty()) {
                int i = queue.poll();
                Node n = nodes.get(i);
                order.add(n);
                for (String out : n.outputs()) {
                    List<Integer> cs = consumers.get(out);
                    if (cs == null) continue;
                    for (int c : cs) if (--pending[c] == 0) queue.add(c);
                }
            }
            if (order.size() != nodes.size()) {
                List<String> stuck = new ArrayList<>();
                for (int i = 0; i < nodes.size() && stuck.size() < 5; i++) if (pending[i] > 0) stuck.add(nodes.get(i).toString());
                throw new ModelFormatException("the graph has a cycle through nodes " + stuck);
            }
            for (ValueInfo o : outputs) {
                if (!available.contains(o.name()) && !producer.containsKey(o.name())) {
                    throw new ModelFormatException("graph output '" + o.name() + "' is not produced by any node, input or initializer");
                }
            }
            return new Graph(name, inputs, outputs, initializers, order, opsets);
        }

        /** Inputs of a node plus the outer-scope names its subgraphs read. */
        private static List<String> requiredNames(Node n) {
            List<String> names = new ArrayList<>();
            for (String in : n.inputs()) if (!in.isEmpty()) names.add(in);
            for (Attribute a : n.attributes().all()) {
                if (a.kind() == Attribute.Kind.GRAPH) names.addAll(((Graph) a.rawValue()).outerReferences());
                if (a.kind() == Attribute.Kind.GRAPHS) {
                    for (Object g : (List<?>) a.rawValue()) names.addAll(((Graph) g).outerReferences());
                }
            }
            return names;
        }
    }

    /** Names this graph (or its subgraphs) reads that it does not define itself. */
    public Set<String> outerReferences() {
        Set<String> defined = new HashSet<>(initializers.keySet());
        for (ValueInfo v : inputs) defined.add(v.name());
        for (Node n : nodes) defined.addAll(n.outputs());
        Set<String> refs = new java.util.LinkedHashSet<>();
        for (Node n : nodes) {
            for (String in : Builder.requiredNames(n)) if (!defined.contains(in)) refs.add(in);
        }
        for (ValueInfo o : outputs) if (!defined.contains(o.name())) refs.add(o.name());
        return refs;
    }
}
