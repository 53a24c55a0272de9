package dev.petrel.optimize;

import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.graph.ValueInfo;
import dev.petrel.spi.KernelRegistry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A mutable working copy of a top-level {@link Graph} that passes rewrite: its nodes, initializers and
 * opsets, with producer/consumer lookups that are rebuilt lazily after each change. Subgraphs (If/Loop
 * bodies) are kept as they are; the names they read from this graph are pinned like graph outputs so
 * that no pass renames or removes them.
 */
public final class GraphEdit {
    /** Petrel's own operator domain, for the fused operators the passes emit. */
    public static final String PETREL_DOMAIN = "dev.petrel";
    /** Opset version of {@link #PETREL_DOMAIN}. */
    public static final int PETREL_OPSET = 1;

    private final String name;
    private final List<ValueInfo> inputs;
    private final List<ValueInfo> outputs;
    private final Map<String, Tensor> initializers;
    private final Map<String, Integer> opsets;
    private final List<Node> nodes;
    private final KernelRegistry registry;
    private final Set<String> inputNames = new HashSet<>();
    private final Set<String> outputNames = new HashSet<>();
    private Set<String> pinned;
    private Map<String, Node> producers;
    private Map<String, List<Node>> consumers;
    private Set<String> usedNames;
    private int fresh;

    public GraphEdit(Graph graph, KernelRegistry registry) {
        this.name = graph.name();
        this.inputs = new ArrayList<>(graph.inputs());
        this.outputs = new ArrayList<>(graph.outputs());
        this.initializers = new LinkedHashMap<>(graph.initializers());
        this.opsets = new LinkedHashMap<>(graph.opsets());
        this.nodes = new ArrayList<>(graph.nodes());
        this.registry = registry;
        for (ValueInfo v : inputs) inputNames.add(v.name());
        for (ValueInfo v : outputs) outputNames.add(v.name());
    }

    /** The kernels the optimized graph will run with: passes only emit operators it supports. */
    public KernelRegistry registry() {
        return registry;
    }

    /** Nodes in topological order (unmodifiable view; edit through this class). */
    public List<Node> nodes() {
        return Collections.unmodifiableList(nodes);
    }

    public int nodeCount() {
        return nodes.size();
    }

    public Map<String, Integer> opsets() {
        return Collections.unmodifiableMap(opsets);
    }

    /** The value of a constant: an initializer the caller cannot override through a graph input; else null. */
    public Tensor constant(String value) {
        if (value.isEmpty() || inputNames.contains(value)) return null;
        return initializers.get(value);
    }

    public boolean isGraphInput(String value) {
        return inputNames.contains(value);
    }

    public List<ValueInfo> inputs() {
        return Collections.unmodifiableList(inputs);
    }

    public List<ValueInfo> outputs() {
        return Collections.unmodifiableList(outputs);
    }

    /**
     * True when the value must keep its name and producer: a graph output, or a name a subgraph reads
     * from this scope.
     */
    public boolean isPinned(String value) {
        if (outputNames.contains(value)) return true;
        if (pinned == null) {
            pinned = new HashSet<>();
            for (Node n : nodes) pinned.addAll(subgraphReferences(n));
        }
        return pinned.contains(value);
    }

    /** Outer-scope names the subgraphs of {@code n} read. */
    static Set<String> subgraphReferences(Node n) {
        Set<String> refs = new HashSet<>();
        for (Attribute a : n.attributes().all()) {
            if (a.kind() == Attribute.Kind.GRAPH) refs.addAll(((Graph) a.value()).outerReferences());
            if (a.kind() == Attribute.Kind.GRAPHS) {
                for (Object g : (List<?>) a.value()) refs.addAll(((Graph) g).outerReferences());
            }
        }
        return refs;
    }

    static boolean hasSubgraph(Node n) {
        for (Attribute a : n.attributes().all()) {
            if (a.kind() == Attribute.Kind.GRAPH || a.kind() == Attribute.Kind.GRAPHS) return true;
        }
        return false;
    }

    /** The node producing {@code value}, or null for inputs, initializers and unknown names. */
    public Node producer(String value) {
        index();
        return producers.get(value);
    }

    /** Nodes reading {@code value} as an input (a node reading it twice is listed once). */
    public List<Node> consumers(String value) {
        index();
        return consumers.getOrDefault(value, List.of());
    }

    /**
     * True when {@code value} is read by {@code consumer} alone and is neither a graph output nor read by
     * a subgraph: a fusion may then make it disappear.
     */
    public boolean onlyFeeds(String value, Node consumer) {
        if (isPinned(value)) return false;
        List<Node> cs = consumers(value);
        return cs.size() == 1 && cs.get(0) == consumer;
    }

    private void index() {
        if (producers != null) return;
        producers = new HashMap<>();
        consumers = new HashMap<>();
        for (Node n : nodes) {
            for (String o : n.outputs()) if (!o.isEmpty()) producers.put(o, n);
            Set<String> seen = new HashSet<>();
            for (String in : n.inputs()) {
                if (!in.isEmpty() && seen.add(in)) consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
            }
        }
    }

    private void changed() {
        producers = null;
        consumers = null;
        pinned = null;
    }

    /** Replaces {@code old} by {@code replacement} at its position. */
    public void replace(Node old, Node replacement) {
        int i = indexOf(old);
        nodes.set(i, replacement);
        changed();
    }

    /** Inserts {@code n} just before {@code before}. */
    public void insertBefore(Node before, Node n) {
        nodes.add(indexOf(before), n);
        changed();
    }

    public void remove(Node n) {
        nodes.remove(indexOf(n));
        changed();
    }

    /** Removes every node in {@code ns}. */
    public void removeAll(Set<Node> ns) {
        nodes.removeIf(ns::contains);
        changed();
    }

    private int indexOf(Node n) {
        for (int i = 0; i < nodes.size(); i++) if (nodes.get(i) == n) return i;
        throw new IllegalArgumentException("node " + n + " is not in the graph");
    }

    /** Makes every node read {@code replacement} where it read {@code old} (never pinned names). */
    public void renameUses(String old, String replacement) {
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            if (!n.inputs().contains(old)) continue;
            List<String> ins = new ArrayList<>(n.inputs());
            for (int k = 0; k < ins.size(); k++) if (ins.get(k).equals(old)) ins.set(k, replacement);
            nodes.set(i, new Node(n.name(), n.opType(), n.domain(), n.opsetVersion(), ins, n.outputs(), n.attributes()));
        }
        changed();
    }

    /** Turns node {@code n} into a constant: its outputs become initializers with these values. */
    public void fold(Node n, List<Tensor> values) {
        for (int k = 0; k < n.outputs().size(); k++) {
            String o = n.outputs().get(k);
            if (!o.isEmpty()) initializers.put(o, values.get(k));
        }
        remove(n);
    }

    /** Adds a constant under a fresh name derived from {@code hint}; returns the name. */
    public String addConstant(String hint, Tensor value) {
        String n = freshName(hint);
        // Off-heap like the mapped initializers: a Vector API kernel whose loads have seen heap segments
        // too is compiled for both and runs several times slower (folded SLAB biases slowed every kernel).
        initializers.put(n, value.bytes().isDirect() ? value : ConstantFolding.offHeap(value));
        return n;
    }

    /** A value or node name not used anywhere in the graph yet. */
    public String freshName(String hint) {
        if (usedNames == null) {
            usedNames = new HashSet<>(initializers.keySet());
            usedNames.addAll(inputNames);
            usedNames.addAll(outputNames);
            for (Node n : nodes) {
                usedNames.addAll(n.outputs());
                usedNames.add(n.name());
            }
        }
        String candidate;
        do {
            candidate = hint + "_petrel" + (fresh++);
        } while (usedNames.contains(candidate));
        usedNames.add(candidate);
        return candidate;
    }

    /** A node of Petrel's own domain; also records the domain's opset import. */
    public Node petrelNode(String name, String op, List<String> ins, List<String> outs, List<Attribute> attributes) {
        opsets.put(PETREL_DOMAIN, PETREL_OPSET);
        return new Node(name, op, PETREL_DOMAIN, PETREL_OPSET, ins, outs, new Attributes(attributes));
    }

    /** Records an opset import for {@code domain} (for a pass that emits another domain's operator). */
    void requireOpset(String domain, int version) {
        opsets.merge(domain, version, Math::max);
    }

    /** True when the registry has a kernel for {@code dev.petrel::op}. */
    public boolean supportsPetrel(String op) {
        return registry != null && registry.supports(PETREL_DOMAIN, op, PETREL_OPSET);
    }

    /** Drops initializers no node or output reads any more. */
    void dropUnusedInitializers() {
        Set<String> used = new HashSet<>(outputNames);
        used.addAll(inputNames);
        for (Node n : nodes) {
            used.addAll(n.inputs());
            used.addAll(subgraphReferences(n));
        }
        initializers.keySet().removeIf(k -> !used.contains(k));
    }

    /** Builds the (validated) graph. */
    public Graph toGraph() {
        Graph.Builder b = new Graph.Builder().name(name);
        for (ValueInfo v : inputs) b.input(v);
        for (ValueInfo v : outputs) b.output(v);
        for (Map.Entry<String, Tensor> e : initializers.entrySet()) b.initializer(e.getKey(), e.getValue());
        for (Node n : nodes) b.node(n);
        for (Map.Entry<String, Integer> e : opsets.entrySet()) b.opset(e.getKey(), e.getValue());
        return b.build();
    }
}
