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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The epilogue of a {@code com.microsoft::MatMulNBits} product: an {@code Add} of a constant FLOAT [N] that
 * alone reads it becomes its bias input (input 5, which the operator defines as added to the product);
 * a Relu or {@code dev.petrel::Gelu} after that, and a residual {@code Add}, make it a
 * {@code dev.petrel::FusedMatMulNBits} (MatMulNBits' inputs and attributes, the residual as input 6,
 * {@code activation} / {@code approximate} as FusedMatMul's). Run after {@link GeluFusion}.
 *
 * <p>Why: quantizers (ONNX Runtime's MatMul4Bits, {@code petrel quantize --to q4}) keep a Linear's bias as
 * a separate Add, and each of these steps is otherwise a pass over the output; the kernels apply them as
 * they write the product (measured on all-MiniLM-L6-v2 q4: the 50 Adds cost 4 ms and the GELUs 1.4 ms of
 * a 41 ms run).
 */
final class NBitsEpilogueFusion implements Pass {
    private static final String DOMAIN = "com.microsoft";
    private static final String OP = "MatMulNBits";
    static final String FUSED = "FusedMatMulNBits";

    @Override
    public String name() {
        return "nbits-epilogue-fusion";
    }

    @Override
    public int apply(GraphEdit g) {
        if (g.registry() == null || !g.registry().supports(DOMAIN, OP, 1)) return 0;
        int fused = 0;
        for (Node mm : new ArrayList<>(g.nodes())) {
            if (mm.domain().equals(DOMAIN) && mm.opType().equals(OP) && mm.outputs().size() == 1 && tryFuse(g, mm)) fused++;
        }
        return fused;
    }

    private static boolean tryFuse(GraphEdit g, Node mm) {
        long n = mm.attributes().getInt("N", -1);
        List<String> ins = new ArrayList<>(mm.inputs());
        while (ins.size() < 6) ins.add("");
        Set<Node> gone = new LinkedHashSet<>();
        Node last = mm;
        if (ins.get(5).isEmpty()) {
            Node add = single(g, out(last));
            String bias = is(add, "Add") && add.outputs().size() == 1 ? other(add, out(last)) : null;
            Tensor b = bias == null ? null : g.constant(bias);
            if (b != null && b.dtype() == DType.FLOAT && b.rank() == 1 && b.dim(0) == n) {
                ins.set(5, bias);
                gone.add(last);
                last = add;
            }
        }
        List<Attribute> attrs = new ArrayList<>(mm.attributes().all());
        String residual = null;
        if (g.supportsPetrel(FUSED)) {
            Node act = MatMulBiasFusion.activation(g, last, attrs);
            if (act != null) {
                gone.add(last);
                last = act;
            }
            Node add = MatMulBiasFusion.residual(g, last);
            if (add != null) {
                residual = other(add, out(last));
                gone.add(last);
                last = add;
            }
        }
        if (last == mm) return false;
        Node fused;
        if (residual == null && attrs.size() == mm.attributes().all().size()) {
            // Only the bias: still the operator as ONNX Runtime defines it.
            while (ins.size() > 6) ins.remove(ins.size() - 1);
            fused = new Node(last.name(), OP, DOMAIN, mm.opsetVersion(), ins, List.of(out(last)), mm.attributes());
        } else {
            if (residual != null) ins.add(residual);
            fused = g.petrelNode(last.name(), FUSED, ins, List.of(out(last)), attrs);
        }
        g.replace(last, fused);
        g.removeAll(gone);
        return true;
    }
}
