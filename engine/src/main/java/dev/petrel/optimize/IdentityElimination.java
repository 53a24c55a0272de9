package dev.petrel.optimize;

import dev.petrel.graph.Node;
import java.util.ArrayList;

/**
 * Removes Identity nodes: readers of the output read the input instead. When the output is a graph
 * output (its name must stay), the producer of the input is renamed to write the output directly,
 * provided the input itself is neither a graph input, a constant nor pinned.
 */
final class IdentityElimination implements Pass {
    @Override
    public String name() {
        return "identity-elimination";
    }

    @Override
    public int apply(GraphEdit g) {
        int removed = 0;
        for (Node n : new ArrayList<>(g.nodes())) {
            if (Patterns.is(n, "Identity") && Patterns.oneOutput(n) && bypass(g, n, n.input(0), n.outputs().get(0))) removed++;
        }
        return removed;
    }

    /** Removes a node whose output {@code out} equals its input {@code in}; false when it must stay. */
    static boolean bypass(GraphEdit g, Node n, String in, String out) {
        if (in.isEmpty() || out.isEmpty()) return false;
        if (!g.isPinned(out)) {
            g.remove(n);
            g.renameUses(out, in);
            return true;
        }
        Node p = g.producer(in);
        if (p == null || g.isPinned(in)) return false;
        java.util.List<String> outs = new ArrayList<>(p.outputs());
        outs.set(outs.indexOf(in), out);
        g.remove(n);
        g.replace(p, new Node(p.name(), p.opType(), p.domain(), p.opsetVersion(), p.inputs(), outs, p.attributes()));
        g.renameUses(in, out);
        return true;
    }
}
