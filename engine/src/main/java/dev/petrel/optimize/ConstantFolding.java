package dev.petrel.optimize;

import dev.petrel.Model;
import dev.petrel.Session;
import dev.petrel.Tensor;
import dev.petrel.graph.Dim;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.graph.ValueInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Evaluates, once at load, every node whose inputs are all constants, with the registered kernels, and
 * replaces it by initializers. A result much larger than its inputs is left to be computed at run time
 * (an Expand or ConstantOfShape of a large shape, a DequantizeLinear of int8 weights): folding it would
 * only trade a cheap node for resident memory. Random generators are never folded, nor nodes with
 * subgraphs, nor nodes whose kernel fails on the constants (the failure then surfaces at run time, as
 * without optimization).
 */
final class ConstantFolding implements Pass {
    /** Results up to this size are always folded. */
    static final long SMALL_BYTES = 64 * 1024;
    /** Larger results are folded only when at most this many times the size of the inputs. */
    static final long GROWTH = 2;

    private static final Set<String> NON_DETERMINISTIC = Set.of(
            "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli");
    /** Operators whose output size follows from their constant inputs, checked before evaluating them. */
    private static final Set<String> EXPANDING = Set.of("ConstantOfShape", "Expand", "Tile", "Range");

    @Override
    public String name() {
        return "constant-folding";
    }

    @Override
    public int apply(GraphEdit g) {
        int folded = 0;
        for (Node n : new ArrayList<>(g.nodes())) {
            if (n.outputs().isEmpty() || GraphEdit.hasSubgraph(n)) continue;
            if (n.domain().isEmpty() && NON_DETERMINISTIC.contains(n.opType())) continue;
            List<Tensor> ins = new ArrayList<>();
            long inBytes = 0;
            boolean constant = true;
            for (String in : n.inputs()) {
                if (in.isEmpty()) {
                    ins.add(null);
                    continue;
                }
                Tensor t = g.constant(in);
                if (t == null) {
                    constant = false;
                    break;
                }
                ins.add(t);
                inBytes += (long) t.size() * t.dtype().byteSize();
            }
            if (!constant) continue;
            long cap = Math.max(SMALL_BYTES, GROWTH * inBytes);
            if (n.domain().isEmpty() && EXPANDING.contains(n.opType()) && !boundedExpansion(n, ins, cap)) continue;
            // A DequantizeLinear has input 0's element count in its scale's type: know it is too large
            // before spending the load dequantizing an int8 weight (8 s for GPT-2-small's 124M weights).
            if (n.domain().isEmpty() && n.opType().equals("DequantizeLinear") && ins.size() > 1 && ins.get(1) != null
                    && (long) ins.get(0).size() * ins.get(1).dtype().byteSize() > cap) continue;
            List<Tensor> outs = evaluate(g, n, ins);
            if (outs == null) continue;
            long outBytes = 0;
            for (Tensor t : outs) if (t != null) outBytes += (long) t.size() * t.dtype().byteSize();
            if (outBytes > cap) continue;
            g.fold(n, outs);
            folded++;
        }
        return folded;
    }

    /** Runs the node alone on its constant inputs; null when it cannot be evaluated here. */
    private static List<Tensor> evaluate(GraphEdit g, Node n, List<Tensor> ins) {
        try {
            Graph.Builder b = new Graph.Builder().name("fold");
            for (int k = 0; k < ins.size(); k++) {
                String in = n.input(k);
                if (!in.isEmpty() && !b.defines(in)) b.initializer(in, ins.get(k));
            }
            List<String> named = new ArrayList<>();
            for (String o : n.outputs()) {
                if (o.isEmpty()) continue;
                b.output(new ValueInfo(o, null, (Dim[]) null));
                named.add(o);
            }
            b.node(n);
            for (Map.Entry<String, Integer> e : g.opsets().entrySet()) b.opset(e.getKey(), e.getValue());
            Model m = Model.of(b.build(), g.registry());
            Map<String, Tensor> result;
            try (Session s = m.newSession()) {
                result = s.run(Map.of());
            }
            List<Tensor> outs = new ArrayList<>();
            for (String o : n.outputs()) {
                if (o.isEmpty()) {
                    outs.add(null);
                    continue;
                }
                Object t = result.get(o);
                if (!(t instanceof Tensor)) return null;
                outs.add(offHeap((Tensor) t));
            }
            return outs;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** A folded value kept off-heap, like the mapped initializers beside it, for the kernels that read it. */
    static Tensor offHeap(Tensor t) {
        int n = t.size() * t.dtype().byteSize();
        java.nio.ByteBuffer src = t.bytes().duplicate();
        ((java.nio.Buffer) src).position(0);
        ((java.nio.Buffer) src).limit(n);
        java.nio.ByteBuffer dst = java.nio.ByteBuffer.allocateDirect(n).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        dst.put(src);
        return Tensor.wrap(t.dtype(), dst, t.dims());
    }

    /** For operators that make large outputs from small inputs: true when the output fits {@code cap}. */
    private static boolean boundedExpansion(Node n, List<Tensor> ins, long cap) {
        try {
            long elements;
            switch (n.opType()) {
                case "ConstantOfShape":
                    elements = product(ins.get(0).toLongArray());
                    break;
                case "Expand": {
                    long[] shape = ins.get(1).toLongArray();
                    int[] x = ins.get(0).dims();
                    int r = Math.max(shape.length, x.length);
                    elements = 1;
                    for (int i = 0; i < r; i++) {
                        long a = i < r - x.length ? 1 : x[i - (r - x.length)];
                        long s = i < r - shape.length ? 1 : shape[i - (r - shape.length)];
                        elements *= Math.max(a, s);
                    }
                    break;
                }
                case "Tile":
                    elements = ins.get(0).size() * product(ins.get(1).toLongArray());
                    break;
                default:
                    // Range: (limit - start) / delta elements, of whatever type.
                    double start = ins.get(0).toDoubleArray()[0];
                    double limit = ins.get(1).toDoubleArray()[0];
                    double delta = ins.get(2).toDoubleArray()[0];
                    elements = (long) Math.ceil(Math.max(0, (limit - start) / delta));
            }
            return elements >= 0 && elements * 8 <= cap;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static long product(long[] v) {
        long p = 1;
        for (long x : v) {
            if (x < 0) return Long.MAX_VALUE / 16;
            p *= x;
        }
        return p;
    }
}
