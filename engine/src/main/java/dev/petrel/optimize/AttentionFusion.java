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
        WindowMask windows = windowMask(g, scores, softmax);
        // The node that reads the scaled (and biased) scores: the Softmax, or Swin's window reshape.
        Node reader = softmax;
        if (windows != null) {
            removed.addAll(List.of(windows.split, windows.add, windows.merge));
            scores = windows.split.input(0);
            reader = windows.split;
        }
        Node p = g.producer(scores);
        if (is(p, "Add") && single(g, scores) == reader) {
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
        } else if (single(g, scores) != reader) {
            return false;
        }
        Node qk;
        Scaling scaling;
        String q;
        if (is(p, "MatMul")) {
            // The scale applied to Q before the product (CLIP, BART, Swin export q * scale).
            qk = p;
            Node qs = g.producer(qk.input(0));
            scaling = scaling(g, qs);
            if (scaling == null || single(g, qk.input(0)) != qk) return false;
            q = scaling.operand;
            removed.add(qs);
        } else {
            scaling = scaling(g, p);
            if (scaling == null) return false;
            qk = g.producer(scaling.operand);
            if (!is(qk, "MatMul") || single(g, scaling.operand) != p) return false;
            q = qk.input(0);
            removed.add(p);
        }
        float factor = scaling.factor;
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
        List<Attribute> attrs = new ArrayList<>(List.of(Attribute.ofFloat("scale", factor)));
        Node maskSum = null;
        if (windows != null) {
            // One mask per window position: the windows' masks plus the (relative position) bias, added
            // here when the bias is a constant, else by an Add [1, H, N, N] + [W, 1, N, N] before the attention.
            String combined = windowMasks(g, windows, mask);
            if (combined == null) {
                if (mask.isEmpty() || Patterns.rank(g, mask) > 4) return false;
                String perWindow = g.addConstant(windows.mask + "_windows",
                        dev.petrel.Tensor.of(g.constant(windows.mask).toFloatArray(), windows.count, 1, windows.n, windows.n));
                combined = g.freshName(windows.mask + "_with_bias");
                maskSum = new Node(g.freshName(windows.add.name() + "_bias"), "Add", "", windows.add.opsetVersion(),
                        List.of(mask, perWindow), List.of(combined), new Attributes(List.of()));
            }
            mask = combined;
            attrs.add(Attribute.ofInt("mask_windows", windows.count));
        }
        List<String> ins = new ArrayList<>(List.of(q, k, v));
        if (!mask.isEmpty()) ins.add(mask);
        if (kTransposed == 1) attrs.add(Attribute.ofInt("k_transposed", 1));
        Node attention = g.petrelNode(pv.name(), OP, ins, List.of(out(pv)), attrs);
        g.replace(pv, attention);
        if (newTranspose != null) g.insertBefore(attention, newTranspose);
        if (maskSum != null) g.insertBefore(attention, maskSum);
        removed.remove(pv);
        g.removeAll(removed);
        if (!absorbHeadTransposes(g, attention)) absorbPackedQkv(g, attention);
        return true;
    }

    /** A {@code Mul} or {@code Div} of a value by a nonzero FLOAT scalar constant: the value, and the factor it applies. */
    private static final class Scaling {
        final String operand;
        final float factor;

        Scaling(String operand, float factor) {
            this.operand = operand;
            this.factor = factor;
        }
    }

    private static Scaling scaling(GraphEdit g, Node n) {
        if (!is(n, "Mul") && !is(n, "Div")) return null;
        Float c = Patterns.scalar(g, n.input(1));
        String operand = n.input(0);
        if (c == null && is(n, "Mul")) {
            c = Patterns.scalar(g, n.input(0));
            operand = n.input(1);
        }
        if (c == null || c == 0f) return null;
        return new Scaling(operand, is(n, "Div") ? 1f / c : c);
    }

    /**
     * Swin's shifted windows as exported: {@code Reshape [B·W, H, N, N] → [B, W, H, N, N]}, {@code Add} of a
     * constant mask [1, W, 1, N, N] (or [W, 1, N, N]), {@code Reshape} back to [B·W, H, N, N], then the
     * Softmax. The reshape targets are Concats whose pieces after the first are constants (the first, the
     * batch, computed at run time): those fix W, H and N, and the element count fixes the rest.
     */
    private static final class WindowMask {
        Node split, add, merge;
        String mask;
        int count, heads, n;
    }

    private static WindowMask windowMask(GraphEdit g, String scores, Node softmax) {
        Node merge = g.producer(scores);
        if (!is(merge, "Reshape") || merge.outputs().size() != 1 || single(g, scores) != softmax) return null;
        Node add = g.producer(merge.input(0));
        if (!is(add, "Add") || add.outputs().size() != 1 || single(g, out(add)) != merge) return null;
        for (int side = 0; side < 2; side++) {
            Node split = g.producer(add.input(side));
            dev.petrel.Tensor m = g.constant(add.input(1 - side));
            if (!is(split, "Reshape") || split.outputs().size() != 1 || single(g, out(split)) != add
                    || m == null || m.dtype() != dev.petrel.DType.FLOAT) {
                continue;
            }
            int[] md = m.dims();
            boolean five = md.length == 5 && md[0] == 1 && md[2] == 1, four = md.length == 4 && md[1] == 1;
            if (!five && !four) continue;
            int w = five ? md[1] : md[0], n = md[md.length - 1];
            if (md[md.length - 2] != n) continue;
            long[] t1 = target(g, split.input(1), 5), t2 = target(g, merge.input(1), 4);
            if (t1 == null || t2 == null || t1[1] != w || t1[2] < 1 || !tokens(t1[3], n) || !tokens(t1[4], n)) continue;
            if (t2[1] != t1[2] || !tokens(t2[2], n) || !tokens(t2[3], n)) continue;
            WindowMask wm = new WindowMask();
            wm.split = split;
            wm.add = add;
            wm.merge = merge;
            wm.mask = add.input(1 - side);
            wm.count = w;
            wm.heads = (int) t1[2];
            wm.n = n;
            return wm;
        }
        return null;
    }

    /**
     * A window's token count in a reshape target: N, or computed at run time (0). The export computes the
     * batch and the token counts from the window tensor's shape; a graph that runs at all has N there (the
     * window mask [.., N, N] is added to the reshaped scores and the result multiplies V), and the kernel
     * checks the mask against the scores' Sq and Sk.
     */
    private static boolean tokens(long piece, int n) {
        return piece == 0 || piece == n;
    }

    /**
     * A Reshape target of {@code rank} entries: a constant, or a Concat of constants and pieces of one
     * element computed at run time (an Unsqueeze of a scalar), the latter reported as 0.
     */
    private static long[] target(GraphEdit g, String shape, int rank) {
        dev.petrel.Tensor c = g.constant(shape);
        if (c != null) return c.dtype() == dev.petrel.DType.INT64 && c.size() == rank ? c.toLongArray() : null;
        Node concat = g.producer(shape);
        if (!is(concat, "Concat") || concat.attributes().getInt("axis", 0) != 0) return null;
        List<Long> all = new ArrayList<>();
        for (int i = 0; i < concat.inputs().size(); i++) {
            dev.petrel.Tensor piece = g.constant(concat.input(i));
            if (piece != null && piece.dtype() == dev.petrel.DType.INT64) {
                for (long x : piece.toLongArray()) all.add(x);
            } else if (is(g.producer(concat.input(i)), "Unsqueeze")) {
                all.add(0L);
            } else {
                return null;
            }
        }
        if (all.size() != rank) return null;
        long[] r = new long[rank];
        for (int i = 0; i < rank; i++) r[i] = all.get(i);
        return r;
    }

    /**
     * The mask of {@code mask_windows}: [W, H, N, N] = window mask [W, N, N] + bias [H, N, N] (or [W, 1, N, N]
     * without a bias), as a new constant; null when the bias is not a constant of that size (an export
     * computes it with a run-time Reshape).
     */
    private static String windowMasks(GraphEdit g, WindowMask wm, String bias) {
        int w = wm.count, h = wm.heads, n = wm.n, nn = n * n;
        float[] masks = g.constant(wm.mask).toFloatArray();
        if (bias.isEmpty()) {
            return g.addConstant(wm.mask + "_windows", dev.petrel.Tensor.of(masks, w, 1, n, n));
        }
        dev.petrel.Tensor b = g.constant(bias);
        if (b == null || b.dtype() != dev.petrel.DType.FLOAT || b.size() != h * nn) return null;
        float[] bv = b.toFloatArray();
        float[] out = new float[w * h * nn];
        for (int i = 0; i < w; i++) {
            for (int j = 0; j < h; j++) {
                for (int e = 0; e < nn; e++) out[(i * h + j) * nn + e] = bv[j * nn + e] + masks[i * nn + e];
            }
        }
        return g.addConstant(wm.mask + "_windows", dev.petrel.Tensor.of(out, w, h, n, n));
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
