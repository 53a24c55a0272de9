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
}
