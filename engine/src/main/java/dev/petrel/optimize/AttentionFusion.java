package dev.petrel.optimize;

import static dev.petrel.optimize.Patterns.is;
import static dev.petrel.optimize.Patterns.other;
import static dev.petrel.optimize.Patterns.out;
import static dev.petrel.optimize.Patterns.single;

import dev.petrel.graph.Attribute;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Node;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Fuses scaled dot-product attention,
 * {@code MatMul(Q, Kᵀ) → Div(c) or Mul(c) → [Add(mask)] → Softmax(last axis) → MatMul(·, V)}, the scale a
 * FLOAT scalar constant, into {@code dev.petrel::Attention(Q, K, V[, mask])} with {@code scale} 1/c or c;
 * the scale may also be applied to Q before the product ({@code MatMul(Mul(Q, c), Kᵀ)}, as CLIP, BART and
 * Swin export it). The mask is any additive term: a padding mask, or a relative position bias.
 *
 * <p>Kᵀ usually comes from a Transpose of the key projection (perm {@code [0,2,3,1]} in PyTorch's BERT
 * export); that Transpose is folded: the key is taken through the permutation with its last two axes
 * swapped back ({@code [0,2,1,3]}), or directly when that permutation is the identity. Otherwise Kᵀ is
 * passed as it is with {@code k_transposed=1}. Softmax must be over the last axis: {@code axis=-1}, the
 * default from opset 13 (before 13 the default is 1), or the last axis of a rank the graph proves.
 */
final class AttentionFusion implements Pass {
    static final String OP = "Attention";

    @Override
    public String name() {
        return "attention-fusion";
    }

    @Override
    public int apply(GraphEdit g) {
        if (!g.supportsPetrel(OP)) return 0;
        int fused = 0;
        for (Node n : new ArrayList<>(g.nodes())) {
            if (is(n, "Softmax") && g.nodes().contains(n) && tryFuse(g, n)) fused++;
        }
        return fused;
    }

    private static boolean tryFuse(GraphEdit g, Node softmax) {
        long axis = softmax.attributes().getInt("axis", softmax.opsetVersion() >= 13 ? -1 : 1);
        // Before opset 13 Softmax flattens at axis: the same as the last axis only when axis is the last one.
        if (axis != -1 && axis != Patterns.rank(g, softmax.input(0)) - 1) return false;
        if (softmax.outputs().size() != 1) return false;
        Node pv = single(g, out(softmax));
        if (!is(pv, "MatMul") || !pv.input(0).equals(out(softmax)) || pv.input(1).equals(out(softmax))) return false;
        Set<Node> removed = new LinkedHashSet<>(List.of(softmax, pv));
        String scores = softmax.input(0);
        String mask = "";
        Node p = g.producer(scores);
        if (is(p, "Add") && single(g, scores) == softmax) {
            // The mask is the operand not produced by the scaling node (first choice) or, when the scale
            // was applied to Q, by the Q·Kᵀ product.
            for (int pass = 0; pass < 2 && mask.isEmpty(); pass++) {
                for (int side = 0; side < 2; side++) {
                    Node s = g.producer(p.input(side));
                    boolean scoreSide = pass == 0 ? is(s, "Div") || is(s, "Mul") : is(s, "MatMul");
                    if (s != null && scoreSide && single(g, p.input(side)) == p) {
                        mask = p.input(1 - side);
                        scores = p.input(side);
                        removed.add(p);
                        p = s;
                        break;
                    }
                }
            }
            if (mask.isEmpty()) return false;
        } else if (single(g, scores) != softmax) {
            return false;
        }
        Node qk;
        float factor;
        String q;
        if (is(p, "Div") || is(p, "Mul")) {
            Node scale = p;
            Float c = Patterns.scalar(g, scale.input(1));
            String qkOut = scale.input(0);
            if (c == null && is(scale, "Mul")) {
                c = Patterns.scalar(g, scale.input(0));
                qkOut = scale.input(1);
            }
            if (c == null || c == 0f) return false;
            factor = is(scale, "Div") ? 1f / c : c;
            qk = g.producer(qkOut);
            if (!is(qk, "MatMul") || single(g, qkOut) != scale) return false;
            q = qk.input(0);
            removed.add(scale);
        } else if (is(p, "MatMul")) {
            // The scale applied to Q before the product (CLIP, BART, Swin export q * scale): Q·Kᵀ of Q / c or c·Q.
            qk = p;
            Node qs = g.producer(qk.input(0));
            if (!(is(qs, "Mul") || is(qs, "Div")) || single(g, qk.input(0)) != qk) return false;
            Float c = Patterns.scalar(g, qs.input(1));
            q = qs.input(0);
            if (c == null && is(qs, "Mul")) {
                c = Patterns.scalar(g, qs.input(0));
                q = qs.input(1);
            }
            if (c == null || c == 0f) return false;
            factor = is(qs, "Div") ? 1f / c : c;
            removed.add(qs);
        } else {
            return false;
        }
        removed.add(qk);
        for (Node n : removed) if (n.outputs().size() != 1) return false;
        for (Node n : removed) if (n != pv && g.isPinned(out(n))) return false;
        if (!mask.isEmpty() && g.producer(mask) != null && removed.contains(g.producer(mask))) return false;

        String kt = qk.input(1);
        String v = pv.input(1);
        String k = kt;
        int kTransposed = 1;
        Node t = g.producer(kt);
        Node newTranspose = null;
        long[] perm = is(t, "Transpose") ? t.attributes().getInts("perm") : null;
        if (perm != null && perm.length >= 2 && single(g, kt) == qk) {
            long[] back = perm.clone();
            back[back.length - 1] = perm[perm.length - 2];
            back[back.length - 2] = perm[perm.length - 1];
            boolean identity = true;
            for (int i = 0; i < back.length; i++) identity &= back[i] == i;
            if (identity) {
                k = t.input(0);
            } else {
                k = g.freshName(out(t));
                newTranspose = new Node(t.name(), "Transpose", "", t.opsetVersion(), List.of(t.input(0)), List.of(k),
                        new Attributes(List.of(Attribute.ofInts("perm", back))));
            }
            removed.add(t);
            kTransposed = 0;
        }
        List<String> ins = new ArrayList<>(List.of(q, k, v));
        if (!mask.isEmpty()) ins.add(mask);
        List<Attribute> attrs = new ArrayList<>(List.of(Attribute.ofFloat("scale", factor)));
        if (kTransposed == 1) attrs.add(Attribute.ofInt("k_transposed", 1));
        Node attention = g.petrelNode(pv.name(), OP, ins, List.of(out(pv)), attrs);
        g.replace(pv, attention);
        if (newTranspose != null) g.insertBefore(attention, newTranspose);
        removed.remove(pv);
        g.removeAll(removed);
        if (!absorbHeadTransposes(g, attention)) absorbPackedQkv(g, attention);
        return true;
    }

    private static final long[] SWAP_HEADS = {0, 2, 1, 3};

    /**
     * Multi-head exports split the projections with Reshape to [B, S, H, D] and Transpose to
     * [B, H, S, D] (Q, K, V), and merge the result back with Transpose to [B, S, H, D]: four copies per
     * layer. When Q, K and V each come from such a Transpose read only by this attention, and its output
     * only feeds such a Transpose, the attention reads and writes [B, S, H, D] itself
     * ({@code sequence_major=1}) and the four Transposes go.
     */
    private static boolean absorbHeadTransposes(GraphEdit g, Node attention) {
        if (attention.attributes().getInt("k_transposed", 0) != 0) return false;
        List<Node> inputs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Node t = g.producer(attention.input(i));
            if (!isHeadSwap(t) || !g.onlyFeeds(out(t), attention) || inputs.contains(t)) return false;
            inputs.add(t);
        }
        Node after = single(g, out(attention));
        if (!isHeadSwap(after) || g.isPinned(out(attention))) return false;
        List<String> ins = new ArrayList<>(attention.inputs());
        for (int i = 0; i < 3; i++) ins.set(i, inputs.get(i).input(0));
        List<Attribute> attrs = new ArrayList<>(attention.attributes().all());
        attrs.add(Attribute.ofInt("sequence_major", 1));
        Node merged = g.petrelNode(attention.name(), OP, ins, List.of(out(after)), attrs);
        g.replace(attention, merged);
        Set<Node> gone = new LinkedHashSet<>(inputs);
        gone.add(after);
        g.removeAll(gone);
        return true;
    }

    private static final long[] PACKED_TO_HEADS = {2, 0, 3, 1, 4};

    /**
     * ViT's export (timm, Hugging Face) computes Q, K and V in one projection, reshapes it to
     * [B, S, 3, H, D], transposes that to [3, B, H, S, D], splits it in three along axis 0 and squeezes
     * each part, then merges the heads of the result with a Transpose to [B, S, H, D]: a copy of the
     * projection, three more for the split, and one of the output per layer. When that chain feeds only
     * this attention (Q, K, V in that order) and its output only such a Transpose, the attention reads
     * the [B, S, 3, H, D] tensor as Q, K and V ({@code qkv_packed=1}) and writes [B, S, H, D].
     */
    private static void absorbPackedQkv(GraphEdit g, Node attention) {
        if (attention.attributes().getInt("k_transposed", 0) != 0) return;
        Node split = null;
        Set<Node> gone = new LinkedHashSet<>();
        for (int i = 0; i < 3; i++) {
            Node sq = g.producer(attention.input(i));
            if (!is(sq, "Squeeze") || sq.outputs().size() != 1 || !g.onlyFeeds(out(sq), attention) || !squeezesAxis0(g, sq)) return;
            Node sp = g.producer(sq.input(0));
            if (!is(sp, "Split") || (split != null && sp != split) || sp.outputs().size() != 3
                    || !sp.outputs().get(i).equals(sq.input(0)) || !g.onlyFeeds(sq.input(0), sq)) return;
            split = sp;
            gone.add(sq);
        }
        if (split.attributes().getInt("axis", 0) != 0 || !evenThirds(g, split)) return;
        Node t = g.producer(split.input(0));
        if (!is(t, "Transpose") || t.outputs().size() != 1 || !java.util.Arrays.equals(t.attributes().getInts("perm"), PACKED_TO_HEADS)
                || !g.onlyFeeds(out(t), split)) return;
        Node after = single(g, out(attention));
        if (!isHeadSwap(after) || g.isPinned(out(attention))) return;
        for (String o : split.outputs()) if (g.isPinned(o)) return;
        if (g.isPinned(out(t))) return;
        String packed = t.input(0);
        List<String> ins = new ArrayList<>(attention.inputs());
        for (int i = 0; i < 3; i++) ins.set(i, packed);
        List<Attribute> attrs = new ArrayList<>(attention.attributes().all());
        attrs.add(Attribute.ofInt("qkv_packed", 1));
        Node merged = g.petrelNode(attention.name(), OP, ins, List.of(out(after)), attrs);
        g.replace(attention, merged);
        gone.add(split);
        gone.add(t);
        gone.add(after);
        g.removeAll(gone);
    }

    /** Squeeze of axis 0 only: the axes attribute (before opset 13) or constant input. */
    private static boolean squeezesAxis0(GraphEdit g, Node sq) {
        long[] axes = sq.attributes().getInts("axes");
        if (axes == null && sq.inputs().size() > 1 && !sq.input(1).isEmpty()) {
            dev.petrel.Tensor a = g.constant(sq.input(1));
            if (a == null || a.dtype() != dev.petrel.DType.INT64 || a.size() != 1) return false;
            axes = new long[] {a.longs().get(0)};
        }
        return axes != null && axes.length == 1 && axes[0] == 0;
    }

    /** A Split into three equal parts: no split sizes, or sizes 1, 1, 1. */
    private static boolean evenThirds(GraphEdit g, Node split) {
        long[] sizes = split.attributes().getInts("split");
        if (sizes == null && split.inputs().size() > 1 && !split.input(1).isEmpty()) {
            dev.petrel.Tensor c = g.constant(split.input(1));
            if (c == null || c.dtype() != dev.petrel.DType.INT64 || c.size() != 3) return false;
            sizes = new long[] {c.longs().get(0), c.longs().get(1), c.longs().get(2)};
        }
        return sizes == null || (sizes.length == 3 && sizes[0] == 1 && sizes[1] == 1 && sizes[2] == 1);
    }

    private static boolean isHeadSwap(Node n) {
        return is(n, "Transpose") && n.outputs().size() == 1 && java.util.Arrays.equals(n.attributes().getInts("perm"), SWAP_HEADS);
    }
}
