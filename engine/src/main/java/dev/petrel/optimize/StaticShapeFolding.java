package dev.petrel.optimize;

import dev.petrel.Tensor;
import dev.petrel.graph.Dim;
import dev.petrel.graph.Node;
import dev.petrel.graph.ValueInfo;
import java.util.ArrayList;
import java.util.List;

/**
 * Replaces {@code Shape(x)} by a constant when x is a graph input whose declared shape is fully fixed
 * (the session rejects inputs of any other shape). Shapes of intermediate values, and of inputs with
 * symbolic dimensions such as {@code batch} or {@code sequence}, are known only per input signature at
 * run time, so the Shape→Gather→Unsqueeze→Concat chains that depend on them stay in the graph; constant
 * folding then folds whatever follows a folded Shape.
 */
final class StaticShapeFolding implements Pass {
    @Override
    public String name() {
        return "static-shape-folding";
    }

    @Override
    public int apply(GraphEdit g) {
        int folded = 0;
        for (Node n : new ArrayList<>(g.nodes())) {
            if (!Patterns.is(n, "Shape") || !Patterns.oneOutput(n)) continue;
            String x = n.input(0);
            if (!g.isGraphInput(x)) continue;
            long[] dims = fixedShape(g, x);
            if (dims == null) continue;
            int r = dims.length;
            int start = 0;
            int end = r;
            if (n.opsetVersion() >= 15) {
                start = clamp(n.attributes().getInt("start", 0), r);
                end = clamp(n.attributes().getInt("end", r), r);
            }
            long[] slice = new long[Math.max(0, end - start)];
            for (int i = 0; i < slice.length; i++) slice[i] = dims[start + i];
            g.fold(n, List.of(Tensor.of(slice, slice.length)));
            folded++;
        }
        return folded;
    }

    private static long[] fixedShape(GraphEdit g, String input) {
        for (ValueInfo v : g.inputs()) {
            if (!v.name().equals(input)) continue;
            List<Dim> shape = v.shape();
            if (shape == null) return null;
            long[] dims = new long[shape.size()];
            for (int i = 0; i < dims.length; i++) {
                if (!shape.get(i).isFixed()) return null;
                dims[i] = shape.get(i).value();
            }
            return dims;
        }
        return null;
    }

    private static int clamp(long axis, int rank) {
        long a = axis < 0 ? axis + rank : axis;
        return (int) Math.max(0, Math.min(rank, a));
    }
}
