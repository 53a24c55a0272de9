package dev.petrel.optimize;

import dev.petrel.graph.Node;
import dev.petrel.graph.ValueInfo;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Removes nodes none of whose outputs reaches a graph output, then initializers nobody reads. */
final class DeadNodeElimination implements Pass {
    @Override
    public String name() {
        return "dead-node-elimination";
    }

    @Override
    public int apply(GraphEdit g) {
        Set<String> live = new HashSet<>();
        for (ValueInfo v : g.outputs()) live.add(v.name());
        Set<Node> dead = new HashSet<>();
        List<Node> nodes = g.nodes();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node n = nodes.get(i);
            boolean used = false;
            for (String o : n.outputs()) used |= !o.isEmpty() && live.contains(o);
            if (!used) {
                dead.add(n);
                continue;
            }
            live.addAll(n.inputs());
            live.addAll(GraphEdit.subgraphReferences(n));
        }
        if (!dead.isEmpty()) g.removeAll(dead);
        g.dropUnusedInitializers();
        return dead.size();
    }
}
