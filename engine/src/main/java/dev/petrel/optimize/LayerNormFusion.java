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
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Fuses the layer normalization that PyTorch exports below opset 17,
 * {@code ReduceMean(x) → Sub → Pow(2) → ReduceMean → Add(eps) → Sqrt → Div → Mul(gamma) → Add(beta)},
 * both means over the last axis with kept dimensions and gamma, beta 1-D FLOAT constants, into
 * {@code dev.petrel::LayerNormalization(x, gamma, beta)} with axis -1 and that epsilon (ONNX's own
 * LayerNormalization needs opset 17). Every intermediate must be read only inside the pattern.
 */
final class LayerNormFusion implements Pass {
    static final String OP = "LayerNormalization";

    @Override
    public String name() {
        return "layernorm-fusion";
    }

    @Override
    public int apply(GraphEdit g) {
        if (!g.supportsPetrel(OP)) return 0;
        int fused = 0;
        for (Node rm1 : new ArrayList<>(g.nodes())) {
            if (g.nodes().contains(rm1) && tryFuse(g, rm1)) fused++;
        }
        return fused;
    }

    private static boolean tryFuse(GraphEdit g, Node rm1) {
        if (!lastAxisMean(g, rm1)) return false;
        String x = rm1.input(0);
        Node sub = single(g, out(rm1));
        if (!is(sub, "Sub") || !sub.input(0).equals(x) || !sub.input(1).equals(out(rm1))) return false;
        String centered = out(sub);
        if (g.isPinned(centered)) return false;
        List<Node> cs = g.consumers(centered);
        if (cs.size() != 2) return false;
        Node pow = is(cs.get(0), "Pow") ? cs.get(0) : cs.get(1);
        Node div = pow == cs.get(0) ? cs.get(1) : cs.get(0);
        if (!is(pow, "Pow") || !pow.input(0).equals(centered) || !Patterns.scalarNear(g, pow.input(1), 2.0, 0)) return false;
        if (!is(div, "Div") || !div.input(0).equals(centered)) return false;
        Node rm2 = single(g, out(pow));
        if (!lastAxisMean(g, rm2) || !rm2.input(0).equals(out(pow))) return false;
        Node addEps = single(g, out(rm2));
        if (!is(addEps, "Add")) return false;
        Float eps = Patterns.scalar(g, other(addEps, out(rm2)));
        if (eps == null) return false;
        Node sqrt = single(g, out(addEps));
        if (!is(sqrt, "Sqrt") || single(g, out(sqrt)) != div || !div.input(1).equals(out(sqrt))) return false;
        Node mul = single(g, out(div));
        if (!is(mul, "Mul")) return false;
        String gamma = other(mul, out(div));
        if (!vector(g, gamma)) return false;
        Set<Node> removed = new HashSet<>(List.of(rm1, sub, pow, rm2, addEps, sqrt, div, mul));
        Node last = mul;
        String beta = "";
        Node add = single(g, out(mul));
        if (is(add, "Add") && vector(g, other(add, out(mul)))
                && g.constant(other(add, out(mul))).size() == g.constant(gamma).size()) {
            beta = other(add, out(mul));
            removed.add(add);
            last = add;
        }
        for (Node n : removed) if (n.outputs().size() != 1) return false;
        List<String> ins = beta.isEmpty() ? List.of(x, gamma) : List.of(x, gamma, beta);
        Node fused = g.petrelNode(last.name(), OP, ins, List.of(out(last)),
                List.of(Attribute.ofInt("axis", -1), Attribute.ofFloat("epsilon", eps)));
        removed.remove(last);
        g.replace(last, fused);
        g.removeAll(removed);
        return true;
    }

    /** A 1-D FLOAT constant. */
    private static boolean vector(GraphEdit g, String value) {
        if (value == null) return false;
        Tensor t = g.constant(value);
        return t != null && t.dtype() == DType.FLOAT && t.rank() == 1;
    }

    /** ReduceMean over axes [-1] only, dimensions kept. */
    static boolean lastAxisMean(GraphEdit g, Node n) {
        if (!is(n, "ReduceMean") || n.outputs().size() != 1) return false;
        if (n.attributes().getInt("keepdims", 1) != 1) return false;
        long[] axes = n.attributes().getInts("axes");
        if (n.opsetVersion() >= 18) {
            Tensor t = n.input(1).isEmpty() ? null : g.constant(n.input(1));
            axes = t == null ? null : t.toLongArray();
        }
        return axes != null && axes.length == 1 && axes[0] == -1;
    }
}
