package dev.petrel.optimize;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import java.util.ArrayList;

/**
 * Removes Dropout in inference mode, where its output is its input: when its mask output is unused and
 * training mode is off for sure (opset 1-6: is_test set; 7-11: always; 12+: training_mode absent or a
 * constant false). Dropout that may train is left for its kernel to refuse.
 */
final class DropoutElimination implements Pass {
    @Override
    public String name() {
        return "dropout-elimination";
    }

    @Override
    public int apply(GraphEdit g) {
        int removed = 0;
        for (Node n : new ArrayList<>(g.nodes())) {
            if (!Patterns.is(n, "Dropout") || !inference(g, n)) continue;
            if (n.outputs().size() > 1) {
                String mask = n.outputs().get(1);
                if (!mask.isEmpty() && (g.isPinned(mask) || !g.consumers(mask).isEmpty())) continue;
                if (!mask.isEmpty()) {
                    // The mask goes with the node, so the node is re-made without it first.
                    Node one = new Node(n.name(), n.opType(), n.domain(), n.opsetVersion(), n.inputs(),
                            java.util.List.of(n.outputs().get(0)), n.attributes());
                    g.replace(n, one);
                    n = one;
                }
            }
            if (IdentityElimination.bypass(g, n, n.input(0), n.outputs().get(0))) removed++;
        }
        return removed;
    }

    private static boolean inference(GraphEdit g, Node n) {
        int opset = n.opsetVersion();
        if (opset < 7) return n.attributes().getInt("is_test", 0) != 0;
        if (opset < 12) return true;
        String tm = n.input(2);
        if (tm.isEmpty()) return true;
        Tensor t = g.constant(tm);
        if (t == null || t.size() != 1) return false;
        return t.bytes().get(0) == 0;
    }
}
