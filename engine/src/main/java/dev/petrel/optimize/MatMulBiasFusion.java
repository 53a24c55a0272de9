package dev.petrel.optimize;

import static dev.petrel.optimize.Patterns.is;
import static dev.petrel.optimize.Patterns.other;
import static dev.petrel.optimize.Patterns.out;
import static dev.petrel.optimize.Patterns.single;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Node;
import java.util.ArrayList;
import java.util.List;

/**
 * Fuses {@code Add(MatMul(A, W), bias)}, W a 2-D FLOAT constant [K, N] and bias a 1-D FLOAT constant of
 * N elements, into {@code dev.petrel::FusedMatMul(A, W, bias)}; a Relu or {@code dev.petrel::Gelu} that
 * alone reads the sum becomes its {@code activation} attribute (run after {@link GeluFusion}), and an Add
 * that alone reads the result (a residual connection) becomes its fourth input.
 */
final class MatMulBiasFusion implements Pass {
    static final String OP = "FusedMatMul";

    @Override
    public String name() {
        return "matmul-bias-fusion";
    }

    @Override
    public int apply(GraphEdit g) {
        if (!g.supportsPetrel(OP)) return 0;
        int fused = 0;
        for (Node mm : new ArrayList<>(g.nodes())) {
            if (is(mm, "MatMul") && mm.outputs().size() == 1 && tryFuse(g, mm)) fused++;
        }
        return fused;
    }

    private static boolean tryFuse(GraphEdit g, Node mm) {
        Tensor w = g.constant(mm.input(1));
        if (w == null || w.dtype() != DType.FLOAT || w.rank() != 2) return false;
        Node add = single(g, out(mm));
        if (!is(add, "Add") || add.outputs().size() != 1) return false;
        String bias = other(add, out(mm));
        Tensor b = bias == null ? null : g.constant(bias);
        if (b == null || b.dtype() != DType.FLOAT || b.rank() != 1 || b.dim(0) != w.dim(1)) return false;
        List<Attribute> attrs = new ArrayList<>();
        Node act = activation(g, add, attrs);
        Node last = act != null ? act : add;
        List<String> ins = new ArrayList<>(List.of(mm.input(0), mm.input(1), bias));
        Node residual = residual(g, last);
        // The residual connection after a projection: added in the same epilogue pass.
        if (residual != null) ins.add(other(residual, out(last)));
        Node end = residual != null ? residual : last;
        Node fused = g.petrelNode(end.name(), OP, ins, List.of(out(end)), attrs);
        g.replace(end, fused);
        g.remove(mm);
        if (last != add) g.remove(add);
        if (end != last) g.remove(last);
        return true;
    }

    /**
     * A Relu or {@code dev.petrel::Gelu} that alone reads {@code n}'s output: the node, its FusedMatMul
     * attributes ({@code activation}, {@code approximate}) added to {@code attrs}; else null. Shared with
     * {@link NBitsEpilogueFusion}.
     */
    static Node activation(GraphEdit g, Node n, List<Attribute> attrs) {
        Node act = single(g, out(n));
        if (act == null || act.outputs().size() != 1) return null;
        if (is(act, "Relu")) {
            attrs.add(Attribute.ofString("activation", "relu"));
            return act;
        }
        if (act.domain().equals(GraphEdit.PETREL_DOMAIN) && act.opType().equals(GeluFusion.OP)) {
            attrs.add(Attribute.ofString("activation", "gelu"));
            attrs.add(Attribute.ofString("approximate", act.attributes().getString("approximate", "none")));
            return act;
        }
        return null;
    }

    /** An Add that alone reads {@code n}'s output and adds it to another value (a residual connection), or null. */
    static Node residual(GraphEdit g, Node n) {
        Node add = single(g, out(n));
        if (!is(add, "Add") || add.outputs().size() != 1) return null;
        String skip = other(add, out(n));
        return skip != null && !skip.equals(out(n)) ? add : null;
    }
}
