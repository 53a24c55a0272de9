package dev.petrel.optimize;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;

/** Small matching helpers shared by the fusion passes. */
final class Patterns {
    private Patterns() {}

    /** True when {@code n} is the ONNX operator {@code op} of the default domain. */
    static boolean is(Node n, String op) {
        return n != null && n.domain().isEmpty() && n.opType().equals(op);
    }

    /** The value of a FLOAT constant holding exactly one element, or null. */
    static Float scalar(GraphEdit g, String value) {
        if (value == null) return null;
        Tensor t = g.constant(value);
        if (t == null || t.dtype() != DType.FLOAT || t.size() != 1) return null;
        return t.floats().get(0);
    }

    /** True when {@code value} is a one-element FLOAT constant within {@code relTol} of {@code expected}. */
    static boolean scalarNear(GraphEdit g, String value, double expected, double relTol) {
        Float f = scalar(g, value);
        return f != null && Math.abs(f - expected) <= relTol * Math.abs(expected);
    }

    /** The input of binary node {@code n} that is not {@code one}, or null when {@code one} is not an input. */
    static String other(Node n, String one) {
        if (n.inputs().size() != 2) return null;
        if (n.input(0).equals(one)) return n.input(1);
        if (n.input(1).equals(one)) return n.input(0);
        return null;
    }

    /** The only consumer of {@code value} when it may be removed with it (not pinned), else null. */
    static Node single(GraphEdit g, String value) {
        if (value == null || value.isEmpty() || g.isPinned(value)) return null;
        java.util.List<Node> cs = g.consumers(value);
        return cs.size() == 1 ? cs.get(0) : null;
    }

    /** The first output of {@code n}. */
    static String out(Node n) {
        return n.outputs().isEmpty() ? "" : n.outputs().get(0);
    }

    /** True when node {@code n} lists exactly one output (so nothing else is lost when it goes). */
    static boolean oneOutput(Node n) {
        return n.outputs().size() == 1;
    }

    private static final java.util.Set<String> ELEMENTWISE = java.util.Set.of(
            "Add", "Sub", "Mul", "Div", "Cast", "Sqrt", "Erf", "Tanh", "Relu", "Neg", "Exp", "Where", "Not", "Equal");

    /**
     * The rank of {@code value} when the graph proves it (declared input shapes, constants, and a few
     * operators whose output rank follows from their inputs'), else -1.
     */
    static int rank(GraphEdit g, String value) {
        return rank(g, value, 0);
    }

    private static int rank(GraphEdit g, String value, int depth) {
        if (value == null || value.isEmpty() || depth > 32) return -1;
        Tensor c = g.constant(value);
        if (c != null) return c.rank();
        if (g.isGraphInput(value)) {
            for (dev.petrel.graph.ValueInfo v : g.inputs()) {
                if (v.name().equals(value)) return v.shape() == null ? -1 : v.shape().size();
            }
            return -1;
        }
        Node p = g.producer(value);
        if (p == null || !p.domain().isEmpty()) return -1;
        switch (p.opType()) {
            case "Transpose": {
                long[] perm = p.attributes().getInts("perm");
                return perm != null ? perm.length : rank(g, p.input(0), depth + 1);
            }
            case "Unsqueeze": {
                long[] axes = p.opsetVersion() >= 13 ? (g.constant(p.input(1)) == null ? null : g.constant(p.input(1)).toLongArray())
                        : p.attributes().getInts("axes");
                int r = rank(g, p.input(0), depth + 1);
                return axes == null || r < 0 ? -1 : r + axes.length;
            }
            case "Reshape": {
                Tensor shape = g.constant(p.input(1));
                return shape == null ? -1 : shape.size();
            }
            case "Softmax":
                return rank(g, p.input(0), depth + 1);
            case "MatMul": {
                int a = rank(g, p.input(0), depth + 1);
                int b = rank(g, p.input(1), depth + 1);
                return a < 2 || b < 2 ? -1 : Math.max(a, b);
            }
            default:
                if (!ELEMENTWISE.contains(p.opType())) return -1;
                int r = 0;
                for (String in : p.inputs()) {
                    int ri = rank(g, in, depth + 1);
                    if (ri < 0) return -1;
                    r = Math.max(r, ri);
                }
                return r;
        }
    }
}
