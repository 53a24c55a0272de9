package dev.petrel.spi;

import dev.petrel.DType;
import dev.petrel.graph.Node;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Kernels by (domain, operator, opset range, element type). The element type is that of one chosen
 * input (input 0 unless registered otherwise): the type that the operator's semantics vary with.
 *
 * <pre>{@code
 * registry.add("", "Relu", 6, KernelRegistry.LATEST, EnumSet.of(DType.FLOAT), node -> new ReluKernel());
 * }</pre>
 */
public final class KernelRegistry {
    /** Upper bound for open-ended opset ranges. */
    public static final int LATEST = Integer.MAX_VALUE;

    /** One registered kernel. */
    public static final class Entry {
        final String domain;
        final String op;
        final int fromOpset;
        final int toOpset;
        final Set<DType> types;
        final int typeInput;
        final KernelFactory factory;
        final int priority;
        final String backend;

        Entry(String domain, String op, int fromOpset, int toOpset, Set<DType> types, int typeInput,
              KernelFactory factory, int priority, String backend) {
            this.domain = domain;
            this.op = op;
            this.fromOpset = fromOpset;
            this.toOpset = toOpset;
            this.types = types;
            this.typeInput = typeInput;
            this.factory = factory;
            this.priority = priority;
            this.backend = backend;
        }

        public KernelFactory factory() { return factory; }
        public String backend() { return backend; }
        /** Index of the input whose element type selected this kernel. */
        public int typeInput() { return typeInput; }
        /** Accepted element types of {@link #typeInput()}; null means any. */
        public Set<DType> types() { return types; }

        boolean covers(int opset) {
            return opset >= fromOpset && opset <= toOpset;
        }
    }

    private final Map<String, List<Entry>> byOp = new HashMap<>();
    private int currentPriority;
    private String currentBackend = "portable";

    /** Registers all kernels of {@code backend} with its priority. */
    public void addBackend(Backend backend) {
        int p = currentPriority;
        String b = currentBackend;
        currentPriority = backend.priority();
        currentBackend = backend.name();
        try {
            backend.register(this);
        } finally {
            currentPriority = p;
            currentBackend = b;
        }
    }

    /** Registers a kernel selected by the element type of input 0; {@code types} null accepts any type. */
    public KernelRegistry add(String domain, String op, int fromOpset, int toOpset, Set<DType> types, KernelFactory factory) {
        return add(domain, op, fromOpset, toOpset, types, 0, factory);
    }

    /** Registers a kernel selected by the element type of input {@code typeInput}. */
    public KernelRegistry add(String domain, String op, int fromOpset, int toOpset, Set<DType> types, int typeInput,
                              KernelFactory factory) {
        String d = Node.normalizeDomain(domain);
        Set<DType> t = types == null ? null : Collections.unmodifiableSet(EnumSet.copyOf(types));
        byOp.computeIfAbsent(key(d, op), k -> new ArrayList<>())
                .add(new Entry(d, op, fromOpset, toOpset, t, typeInput, factory, currentPriority, currentBackend));
        return this;
    }

    /** True when some kernel implements this operator at this opset, for some element type. */
    public boolean supports(String domain, String op, int opset) {
        for (Entry e : byOp.getOrDefault(key(Node.normalizeDomain(domain), op), List.of())) {
            if (e.covers(opset)) return true;
        }
        return false;
    }

    /**
     * The kernel of highest priority for the node, given the element types of its inputs (null for
     * absent inputs); null when none matches. {@link #describeTypes} explains a miss.
     */
    public Entry find(Node node, DType[] inputTypes) {
        Entry best = null;
        for (Entry e : byOp.getOrDefault(key(node.domain(), node.opType()), List.of())) {
            if (!e.covers(node.opsetVersion())) continue;
            if (e.types != null) {
                DType t = e.typeInput < inputTypes.length ? inputTypes[e.typeInput] : null;
                if (t == null || !e.types.contains(t)) continue;
            }
            if (best == null || e.priority > best.priority) best = e;
        }
        return best;
    }

    /** The element types the kernels of this operator accept, by input index, for error messages. */
    public String describeTypes(Node node) {
        StringBuilder sb = new StringBuilder();
        for (Entry e : byOp.getOrDefault(key(node.domain(), node.opType()), List.of())) {
            if (!e.covers(node.opsetVersion())) continue;
            if (sb.length() > 0) sb.append("; ");
            sb.append("input ").append(e.typeInput).append(" of type ").append(e.types == null ? "any" : e.types.toString());
        }
        return sb.length() == 0 ? "no kernel for opset " + node.opsetVersion() : sb.toString();
    }

    /** Every registered (domain, operator) pair, as "domain::Op" or "Op". */
    public List<String> operators() {
        List<String> ops = new ArrayList<>();
        for (List<Entry> es : byOp.values()) {
            Entry e = es.get(0);
            ops.add(e.domain.isEmpty() ? e.op : e.domain + "::" + e.op);
        }
        Collections.sort(ops);
        return ops;
    }

    private static String key(String domain, String op) {
        return domain + "::" + op;
    }
}
