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
 * Fuses the dynamic int8 matrix product that ONNX Runtime's dynamic quantizer writes,
 *
 * <pre>
 *   (y, s, z) = DynamicQuantizeLinear(x)
 *   q  = MatMulInteger(y, Wq, z, Wzp)        Wq an 8-bit constant [K, N], Wzp a constant scalar or [N]
 *   f  = Cast(q, to=FLOAT)
 *   r  = Mul(f, Mul(s, Ws))                  Ws a FLOAT constant scalar or [N]
 *   r' = Add(r, bias)                        optional, bias a FLOAT constant [N]
 *   g  = dev.petrel::Gelu(r')                optional (run after GeluFusion): attributes activation="gelu", approximate
 *   r''= Add(g, skip)                        optional: a residual connection, skip any value
 * </pre>
 *
 * into {@code dev.petrel::DynamicQuantMatMul(x, Wq, Ws, Wzp[, bias[, residual]])} (an absent bias is
 * the empty name when a residual follows); GELU and the residual are applied in the product's
 * epilogue, saving their passes over memory, as {@code MatMulBiasFusion} does for fp32. The fused kernel quantizes x
 * exactly as DynamicQuantizeLinear does, computes the same int32 sums and applies
 * {@code (float) q * (s * Ws[j]) (+ bias[j])} in that float order, so the result is bit for bit the
 * unfused graph's. One DynamicQuantizeLinear that feeds several products (Q, K and V) is quantized
 * once per product: cheaper than keeping the uint8 tensor alive, and the quantizer is left for
 * dead-node elimination once no product reads it.
 */
final class QuantizedMatMulFusion implements Pass {
    static final String OP = "DynamicQuantMatMul";

    @Override
    public String name() {
        return "quantized-matmul-fusion";
    }

    @Override
    public int apply(GraphEdit g) {
        if (!g.supportsPetrel(OP)) return 0;
        int fused = 0;
        for (Node mm : new ArrayList<>(g.nodes())) {
            if (is(mm, "MatMulInteger") && mm.outputs().size() == 1 && tryFuse(g, mm)) fused++;
        }
        return fused;
    }

    private static boolean isByte(Tensor t) {
        return t.dtype() == DType.INT8 || t.dtype() == DType.UINT8;
    }

    private static boolean tryFuse(GraphEdit g, Node mm) {
        if (mm.inputs().size() < 3) return false;
        Node dq = g.producer(mm.input(0));
        if (!is(dq, "DynamicQuantizeLinear") || dq.outputs().size() < 3) return false;
        if (!dq.outputs().get(0).equals(mm.input(0)) || !dq.outputs().get(2).equals(mm.input(2))) return false;
        String aScale = dq.outputs().get(1);
        if (aScale.isEmpty()) return false;
        Tensor w = g.constant(mm.input(1));
        if (w == null || !isByte(w) || w.rank() != 2) return false;
        int n = w.dim(1);
        String wzp = mm.inputs().size() > 3 ? mm.input(3) : "";
        if (!wzp.isEmpty()) {
            Tensor z = g.constant(wzp);
            if (z == null || z.dtype() != w.dtype() || !(z.size() == 1 && z.rank() <= 1 || z.rank() == 1 && z.dim(0) == n)) return false;
        }
        Node cast = single(g, out(mm));
        if (!is(cast, "Cast") || cast.outputs().size() != 1 || cast.attributes().getInt("to", -1) != DType.FLOAT.onnxCode()) return false;
        Node mul = single(g, out(cast));
        if (!is(mul, "Mul") || mul.outputs().size() != 1) return false;
        String scale = other(mul, out(cast));
        if (scale == null || scale.equals(out(cast))) return false;
        Node scaleMul = g.producer(scale);
        if (!is(scaleMul, "Mul") || scaleMul.outputs().size() != 1) return false;
        String ws = other(scaleMul, aScale);
        Tensor wsT = ws == null ? null : g.constant(ws);
        if (wsT == null || wsT.dtype() != DType.FLOAT || !(wsT.size() == 1 && wsT.rank() <= 1 || wsT.rank() == 1 && wsT.dim(0) == n)) {
            return false;
        }
        List<String> ins = new ArrayList<>(List.of(dq.input(0), mm.input(1), ws, wzp));
        Node end = mul;
        Node add = single(g, out(mul));
        if (is(add, "Add") && add.outputs().size() == 1) {
            String bias = other(add, out(mul));
            Tensor b = bias == null ? null : g.constant(bias);
            if (b != null && !bias.equals(out(mul)) && b.dtype() == DType.FLOAT && b.rank() == 1 && b.dim(0) == n) {
                ins.add(bias);
                end = add;
            }
        }
        List<Attribute> attrs = new ArrayList<>();
        Node act = single(g, out(end));
        if (act != null && act.domain().equals(GraphEdit.PETREL_DOMAIN) && act.opType().equals(GeluFusion.OP)
                && act.outputs().size() == 1 && act.inputs().size() == 1) {
            attrs.add(Attribute.ofString("activation", "gelu"));
            attrs.add(Attribute.ofString("approximate", act.attributes().getString("approximate", "none")));
        } else {
            act = null;
        }
        Node biased = end;
        if (act != null) end = act;
        Node product = end;
        Node residual = single(g, out(end));
        String skip = is(residual, "Add") && residual.outputs().size() == 1 ? other(residual, out(end)) : null;
        if (skip != null && !skip.equals(out(end))) {
            if (ins.size() == 4) ins.add("");
            ins.add(skip);
            end = residual;
        }
        Node fused = g.petrelNode(end.name(), OP, ins, List.of(out(end)), attrs);
        g.replace(end, fused);
        g.remove(mm);
        g.remove(cast);
        if (biased != mul) g.remove(mul);
        if (product != biased) g.remove(biased);
        if (end != product) g.remove(product);
        // The scale product and the quantizer go with dead-node elimination once nothing reads them.
        return true;
    }
}
