package dev.petrel.optimize;

import static dev.petrel.optimize.Patterns.is;
import static dev.petrel.optimize.Patterns.other;
import static dev.petrel.optimize.Patterns.out;
import static dev.petrel.optimize.Patterns.scalarNear;
import static dev.petrel.optimize.Patterns.single;

import dev.petrel.graph.Attribute;
import dev.petrel.graph.Node;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Fuses GELU as PyTorch exports it into {@code dev.petrel::Gelu(x)}:
 * <ul>
 *   <li>erf form, {@code approximate="none"}: {@code Div(x, √2)} (or {@code Mul(x, 1/√2)}) → Erf → Add(1),
 *       then the product with x and 0.5 in any of the orders PyTorch emits:
 *       {@code (x·e)·0.5}, {@code x·(e·0.5)} or {@code (x·0.5)·e};</li>
 *   <li>tanh form, {@code approximate="tanh"}: {@code Tanh(√(2/π)·(x + 0.044715·x³))} → Add(1), then the
 *       same products, with x³ as {@code Pow(x, 3)}.</li>
 * </ul>
 * Constants must be FLOAT scalars (so x is FLOAT) and every intermediate read only inside the pattern.
 */
final class GeluFusion implements Pass {
    static final String OP = "Gelu";
    private static final double SQRT2 = Math.sqrt(2);
    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
    private static final double TOL = 1e-6;

    @Override
    public String name() {
        return "gelu-fusion";
    }

    @Override
    public int apply(GraphEdit g) {
        if (!g.supportsPetrel(OP)) return 0;
        int fused = 0;
        for (Node n : new ArrayList<>(g.nodes())) {
            if (!g.nodes().contains(n)) continue;
            if (is(n, "Erf") && fuseErf(g, n)) fused++;
            if (is(n, "Tanh") && fuseTanh(g, n)) fused++;
        }
        return fused;
    }

    private static boolean fuseErf(GraphEdit g, Node erf) {
        Node scale = g.producer(erf.input(0));
        if (scale == null || single(g, out(scale)) != erf) return false;
        String x;
        if (is(scale, "Div") && scalarNear(g, scale.input(1), SQRT2, TOL)) {
            x = scale.input(0);
        } else if (is(scale, "Mul")) {
            x = scalarNear(g, scale.input(1), 1 / SQRT2, TOL) ? scale.input(0)
                    : scalarNear(g, scale.input(0), 1 / SQRT2, TOL) ? scale.input(1) : null;
        } else {
            return false;
        }
        if (x == null) return false;
        Set<Node> removed = new LinkedHashSet<>(List.of(scale, erf));
        return finish(g, x, erf, removed, "none");
    }

    private static boolean fuseTanh(GraphEdit g, Node tanh) {
        Node scale = g.producer(tanh.input(0));
        if (!is(scale, "Mul") || single(g, out(scale)) != tanh) return false;
        String inner = scalarNear(g, scale.input(1), SQRT_2_OVER_PI, TOL) ? scale.input(0)
                : scalarNear(g, scale.input(0), SQRT_2_OVER_PI, TOL) ? scale.input(1) : null;
        if (inner == null) return false;
        Node sum = g.producer(inner);
        if (!is(sum, "Add") || single(g, inner) != scale) return false;
        for (int side = 0; side < 2; side++) {
            String x = sum.input(side);
            Node cubic = g.producer(sum.input(1 - side));
            if (!is(cubic, "Mul") || single(g, out(cubic)) != sum) continue;
            String powOut = scalarNear(g, cubic.input(1), 0.044715, TOL) ? cubic.input(0)
                    : scalarNear(g, cubic.input(0), 0.044715, TOL) ? cubic.input(1) : null;
            if (powOut == null) continue;
            Node pow = g.producer(powOut);
            if (!is(pow, "Pow") || !pow.input(0).equals(x) || !scalarNear(g, pow.input(1), 3.0, 0)
                    || single(g, powOut) != cubic) continue;
            Set<Node> removed = new LinkedHashSet<>(List.of(pow, cubic, sum, scale, tanh));
            return finish(g, x, tanh, removed, "tanh");
        }
        return false;
    }

    /** Matches {@code Add(f, 1)} and the products with x and 0.5 after {@code f}, then rewrites. */
    private static boolean finish(GraphEdit g, String x, Node f, Set<Node> removed, String approximate) {
        Node plusOne = single(g, out(f));
        if (!is(plusOne, "Add") || !scalarNear(g, other(plusOne, out(f)), 1.0, 0)) return false;
        removed.add(plusOne);
        String e = out(plusOne);
        Node m = single(g, e);
        if (!is(m, "Mul")) return false;
        String o = other(m, e);
        if (o == null) return false;
        Node last;
        if (o.equals(x)) {
            // (x · e) · 0.5
            Node half = single(g, out(m));
            if (!is(half, "Mul") || !scalarNear(g, other(half, out(m)), 0.5, 0)) return false;
            removed.add(m);
            last = half;
        } else if (scalarNear(g, o, 0.5, 0)) {
            // x · (e · 0.5)
            Node times = single(g, out(m));
            if (!is(times, "Mul") || !x.equals(other(times, out(m)))) return false;
            removed.add(m);
            last = times;
        } else {
            // (x · 0.5) · e
            Node half = g.producer(o);
            if (!is(half, "Mul") || single(g, o) != m || !scalarNear(g, other(half, x), 0.5, 0)) return false;
            removed.add(half);
            last = m;
        }
        for (Node n : removed) if (n.outputs().size() != 1 || g.isPinned(out(n))) return false;
        if (last.outputs().size() != 1) return false;
        Node gelu = g.petrelNode(last.name(), OP, List.of(x), List.of(out(last)),
                List.of(Attribute.ofString("approximate", approximate)));
        g.replace(last, gelu);
        g.removeAll(removed);
        return true;
    }
}
