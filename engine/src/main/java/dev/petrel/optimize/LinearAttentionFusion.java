package dev.petrel.optimize;

import static dev.petrel.optimize.Patterns.is;
import static dev.petrel.optimize.Patterns.out;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Node;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Fuses SLAB's simplified linear attention (papers.md §2.1) as PyTorch exports it into
 * {@code dev.petrel::SimplifiedLinearAttention(qkv, P, dwc_weight, dwc_bias)} (the operator is defined in
 * {@code dev.petrel.ops.fused.SimplifiedLinearAttentionKernel}):
 * <pre>
 *   qkv → Reshape [B,N,3,C] → Transpose(2,0,1,3) → Split(axis 0, 3) → Squeeze(0) ×3          (q, k, v)
 *   k → Add(P) → Relu;  q → Relu
 *   each → Reshape [B,N,h,c] → Transpose(0,2,1,3) → Reshape [B·h,N,c]                        (qh, kh, vh)
 *   z  = Reciprocal(Einsum("bic,bc->bi", qh, ReduceSum(kh, axes [1], keepdims 0)) + eps)
 *   kv = Einsum("bjc,bjd->bcd", kh, vh);  o = Einsum("bic,bcd,bi->bid", qh, kv, z)
 *   vh → Reshape [B·h,H,W,c] → Transpose(0,3,1,2) → Conv(W [c,1,k,k], bias, group c, pads k/2) →
 *        Reshape [B·h,c,N] → Transpose(0,2,1)                                                  (DWC)
 *   Add(o, DWC) → Reshape [B,h,N,c] → Transpose(0,2,1,3) → Reshape [B,N,C]
 * </pre>
 * SLAB-PVT's blocks project q and kv separately ({@code q = MatMul(x, Wq) + bq}, {@code kv = MatMul(x, Wkv)
 * + bkv → Reshape [B,N,2,C] → Transpose(2,0,1,3) → Gather 0 / Gather 1} for k and v): the two weights
 * (and biases) are concatenated into one [C_in, 3C] projection in q, k, v order, which gives the packed qkv
 * the operator reads; the old projections are left to dead-node elimination.
 * The Reshape targets are Concats of Shape/Gather/Unsqueeze/Div/Mul/Cast pieces computed from the block's
 * input at run time; they are evaluated here for two batch sizes (the input's dims follow from the constant
 * P [1, N, C] and the qkv weight [C_in, 3C]) and must give the shapes above for both, so the rewrite holds
 * for every batch size (the kernel checks qkv is [B, N, 3C] at run time); targets folded to constants (a
 * static batch) must give them for the batch size they name. Every other condition is checked
 * too: P, the filter and its bias constant FLOAT of the right shapes, the Conv a depth-wise "same" 5×5 (any
 * odd size) with stride and dilation 1, the permutations, the Split/Squeeze/ReduceSum axes, eps a FLOAT
 * scalar constant, and every value inside the pattern read only by the pattern and not a graph output.
 * The Shape chains that built the targets are left to dead-node elimination.
 */
final class LinearAttentionFusion implements Pass {
    static final String OP = "SimplifiedLinearAttention";
    /** The two batch sizes the dynamic Reshape targets are evaluated at. */
    private static final long[] PROBES = {2, 3};

    @Override
    public String name() {
        return "linear-attention-fusion";
    }

    @Override
    public int apply(GraphEdit g) {
        if (!g.supportsPetrel(OP)) return 0;
        int fused = 0;
        for (Node n : new ArrayList<>(g.nodes())) {
            if (is(n, "Einsum") && g.nodes().contains(n) && einsum(n, "bic,bcd,bi->bid") && tryFuse(g, n)) fused++;
        }
        return fused;
    }

    /** The pattern's pieces, collected while matching. */
    private static final class Match {
        final Set<Node> nodes = new LinkedHashSet<>();
        String qkv, pos, weight, bias = "";
        long n, channels, headDim, heads, height, width;
        Node reshapeQkv;
        /** The qkv MatMul's input and its width, when qkv = MatMul(x, W) [+ bias]: what the Shape nodes read. */
        String x;
        long xWidth = -1;
        /** Separate projections (PVT): q, the kv value, its Reshape to [B,N,2,C], and the two projections. */
        String q, kv;
        Node reshapeKv;
        Projection qProjection, kvProjection;
    }

    /** {@code MatMul(x, W) [+ bias]} with W a constant FLOAT [C_in, width] and the bias a constant FLOAT [width] (or null). */
    private static final class Projection {
        final Node matMul;
        final String x;
        final Tensor weight, bias;

        Projection(Node matMul, String x, Tensor weight, Tensor bias) {
            this.matMul = matMul;
            this.x = x;
            this.weight = weight;
            this.bias = bias;
        }
    }

    private static boolean tryFuse(GraphEdit g, Node e3) {
        Match m = new Match();
        m.nodes.add(e3);
        if (e3.inputs().size() != 3) return false;
        String qh = e3.input(0);
        Node e2 = take(g, m, e3.input(1), "Einsum");
        Node rec = reciprocal(g, m, e3.input(2));
        if (e2 == null || !einsum(e2, "bjc,bjd->bcd") || rec == null || e2.inputs().size() != 2) return false;
        String kh = e2.input(0), vh = e2.input(1);
        Node addEps = take(g, m, rec.input(0), "Add");
        if (addEps == null) return false;
        Float eps = null;
        Node e1 = null;
        for (int side = 0; side < 2 && eps == null; side++) {
            eps = Patterns.scalar(g, addEps.input(1 - side));
            if (eps != null) e1 = take(g, m, addEps.input(side), "Einsum");
        }
        if (eps == null || e1 == null || !einsum(e1, "bic,bc->bi") || e1.inputs().size() != 2 || !e1.input(0).equals(qh)) return false;
        Node sum = take(g, m, e1.input(1), "ReduceSum");
        if (sum == null || !sum.input(0).equals(kh) || sum.attributes().getInt("keepdims", 1) != 0) return false;
        long[] sumAxes = sum.opsetVersion() >= 13 ? ints(g, sum.inputs().size() > 1 ? sum.input(1) : "") : sum.attributes().getInts("axes");
        if (sumAxes == null || !Arrays.equals(sumAxes, new long[] {1})) return false;

        // Head splits back to the squeezed q, k, v.
        Node[] splitQ = headSplit(g, m, qh), splitK = headSplit(g, m, kh), splitV = headSplit(g, m, vh);
        if (splitQ == null || splitK == null || splitV == null) return false;
        Node reluQ = take(g, m, splitQ[0].input(0), "Relu");
        Node reluK = take(g, m, splitK[0].input(0), "Relu");
        if (reluQ == null || reluK == null) return false;
        Node addP = take(g, m, reluK.input(0), "Add");
        if (addP == null) return false;
        String kSqueezed = null;
        for (int side = 0; side < 2; side++) {
            Tensor p = g.constant(addP.input(1 - side));
            if (p != null && p.dtype() == DType.FLOAT && p.rank() == 3 && p.dim(0) == 1) {
                m.pos = addP.input(1 - side);
                kSqueezed = addP.input(side);
                break;
            }
        }
        if (kSqueezed == null) return false;
        Tensor p = g.constant(m.pos);
        m.n = p.dim(1);
        m.channels = p.dim(2);
        String qSource = reluQ.input(0), vSource = splitV[0].input(0);
        boolean packed = is(g.producer(qSource), "Squeeze");
        if (packed ? !packedProjection(g, m, qSource, kSqueezed, vSource) : !separateProjections(g, m, qSource, kSqueezed, vSource)) {
            return false;
        }

        // The depth-wise convolution on V, and the way back to [B, N, C].
        Node add = null;
        for (Node c : g.consumers(out(e3))) if (is(c, "Add")) add = c;
        if (add == null || Patterns.other(add, out(e3)) == null) return false;
        m.nodes.add(add);
        Node back = take(g, m, Patterns.other(add, out(e3)), "Transpose");
        if (back == null || !Arrays.equals(back.attributes().getInts("perm"), new long[] {0, 2, 1})) return false;
        Node flat = take(g, m, back.input(0), "Reshape");
        Node conv = flat == null ? null : take(g, m, flat.input(0), "Conv");
        Node toImage = conv == null ? null : take(g, m, conv.input(0), "Transpose");
        if (toImage == null || !Arrays.equals(toImage.attributes().getInts("perm"), new long[] {0, 3, 1, 2})) return false;
        Node image = take(g, m, toImage.input(0), "Reshape");
        if (image == null || !image.input(0).equals(vh) || !depthwiseSame(g, m, conv)) return false;
        Node merge = single(g, out(add), "Reshape");
        Node swap = merge == null ? null : single(g, out(merge), "Transpose");
        Node result = swap == null ? null : single(g, out(swap), "Reshape");
        if (result == null || !Arrays.equals(swap.attributes().getInts("perm"), new long[] {0, 2, 1, 3})) return false;
        m.nodes.add(merge);
        m.nodes.add(swap);
        m.nodes.add(result);
        if (m.headDim == 0 || m.channels % m.headDim != 0) return false;
        m.heads = m.channels / m.headDim;
        if (packed) findInput(g, m);

        // Every Reshape target, for two batch sizes; targets that are constants name their own batch size.
        Node[][] splits = {splitQ, splitK, splitV};
        boolean shapesHold = true;
        for (long b : PROBES) shapesHold &= shapesHold(g, m, splits, image, flat, merge, result, b);
        if (!shapesHold) {
            long[] fixed = eval(g, new HashMap<>(), (packed ? m.reshapeQkv : m.reshapeKv).input(1), 0);
            if (fixed == null || fixed.length != 4 || fixed[0] < 1) return false;
            m.height = 0;
            if (!shapesHold(g, m, splits, image, flat, merge, result, fixed[0])) return false;
        }
        long h = m.heads;
        // Nothing inside may be read from outside or be a graph output; the result keeps its name.
        for (Node node : m.nodes) {
            for (String o : node.outputs()) {
                if (node == result || o.isEmpty()) continue;
                if (g.isPinned(o)) return false;
                for (Node c2 : g.consumers(o)) if (!m.nodes.contains(c2)) return false;
            }
        }
        if (result.outputs().size() != 1) return false;
        List<Attribute> attrs = List.of(Attribute.ofInt("num_heads", h), Attribute.ofInt("height", m.height),
                Attribute.ofInt("width", m.width), Attribute.ofFloat("eps", eps));
        List<Node> projection = packed ? List.of() : joinProjections(g, m);
        Node fused = g.petrelNode(result.name(), OP, List.of(m.qkv, m.pos, m.weight, m.bias), List.of(out(result)), attrs);
        g.replace(result, fused);
        for (Node n : projection) g.insertBefore(fused, n);
        m.nodes.remove(result);
        g.removeAll(m.nodes);
        return true;
    }

    /** q, k, v squeezed from one Split of {@code Transpose(2,0,1,3)} of {@code Reshape(qkv) [B,N,3,C]} (DeiT, Swin). */
    private static boolean packedProjection(GraphEdit g, Match m, String qSource, String kSource, String vSource) {
        Node sq = take(g, m, qSource, "Squeeze"), sk = take(g, m, kSource, "Squeeze"), sv = take(g, m, vSource, "Squeeze");
        if (sq == null || sk == null || sv == null || !squeezesAxis0(g, sq) || !squeezesAxis0(g, sk) || !squeezesAxis0(g, sv)) return false;
        Node split = take(g, m, sq.input(0), "Split");
        if (split == null || split.outputs().size() != 3 || !sq.input(0).equals(split.outputs().get(0))
                || !sk.input(0).equals(split.outputs().get(1)) || !sv.input(0).equals(split.outputs().get(2)) || !splitsInOnes(g, split)) {
            return false;
        }
        Node perm = take(g, m, split.input(0), "Transpose");
        if (perm == null || !Arrays.equals(perm.attributes().getInts("perm"), new long[] {2, 0, 1, 3})) return false;
        m.reshapeQkv = take(g, m, perm.input(0), "Reshape");
        if (m.reshapeQkv == null) return false;
        m.qkv = m.reshapeQkv.input(0);
        return true;
    }

    /**
     * q straight from its projection, k and v as Gather 0 and 1 of {@code Transpose(2,0,1,3)} of
     * {@code Reshape(kv) [B,N,2,C]} (PVT), both projections of the same input.
     */
    private static boolean separateProjections(GraphEdit g, Match m, String qSource, String kSource, String vSource) {
        Node gk = take(g, m, kSource, "Gather"), gv = take(g, m, vSource, "Gather");
        if (gk == null || gv == null || !gk.input(0).equals(gv.input(0)) || !gathersIndex(g, gk, 0) || !gathersIndex(g, gv, 1)) return false;
        Node perm = take(g, m, gk.input(0), "Transpose");
        if (perm == null || !Arrays.equals(perm.attributes().getInts("perm"), new long[] {2, 0, 1, 3})) return false;
        m.reshapeKv = take(g, m, perm.input(0), "Reshape");
        if (m.reshapeKv == null) return false;
        m.q = qSource;
        m.kv = m.reshapeKv.input(0);
        m.qProjection = projection(g, m.q, m.channels);
        m.kvProjection = projection(g, m.kv, 2 * m.channels);
        Projection pq = m.qProjection, pkv = m.kvProjection;
        if (pq == null || pkv == null || !pq.x.equals(pkv.x) || pq.weight.dim(0) != pkv.weight.dim(0)
                || (pq.bias == null) != (pkv.bias == null)) {
            return false;
        }
        m.x = pq.x;
        m.xWidth = pq.weight.dim(0);
        return true;
    }

    /** Gather along axis 0 by a scalar INT64/INT32 constant equal to {@code index}. */
    private static boolean gathersIndex(GraphEdit g, Node gather, long index) {
        if (gather.attributes().getInt("axis", 0) != 0) return false;
        Tensor i = g.constant(gather.input(1));
        long[] v = ints(g, gather.input(1));
        return i != null && i.rank() == 0 && v != null && v.length == 1 && v[0] == index;
    }

    /** The projection producing {@code value} (of {@code width} columns), or null. */
    private static Projection projection(GraphEdit g, String value, long width) {
        Node p = g.producer(value);
        Tensor bias = null;
        if (is(p, "Add") && p.outputs().size() == 1) {
            Node mm = null;
            for (int side = 0; side < 2 && mm == null; side++) {
                Tensor b = g.constant(p.input(1 - side));
                Node cand = g.producer(p.input(side));
                if (b != null && b.dtype() == DType.FLOAT && b.rank() == 1 && b.dim(0) == width && is(cand, "MatMul")) {
                    bias = b;
                    mm = cand;
                }
            }
            p = mm;
        }
        if (!is(p, "MatMul") || p.outputs().size() != 1) return null;
        Tensor w = g.constant(p.input(1));
        if (w == null || w.dtype() != DType.FLOAT || w.rank() != 2 || w.dim(1) != width) return null;
        return new Projection(p, p.input(0), w, bias);
    }

    /**
     * The packed projection of the separate ones: {@code qkv = MatMul(x, [Wq | Wkv]) (+ [bq | bkv])}, as
     * new constants and nodes (to go before the fused node); sets {@code m.qkv}.
     */
    private static List<Node> joinProjections(GraphEdit g, Match m) {
        Projection pq = m.qProjection, pkv = m.kvProjection;
        int rows = pq.weight.dim(0), cq = pq.weight.dim(1), ckv = pkv.weight.dim(1);
        float[] wq = pq.weight.toFloatArray(), wkv = pkv.weight.toFloatArray();
        float[] w = new float[rows * (cq + ckv)];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(wq, r * cq, w, r * (cq + ckv), cq);
            System.arraycopy(wkv, r * ckv, w, r * (cq + ckv) + cq, ckv);
        }
        Node mm = pq.matMul;
        String weight = g.addConstant(mm.input(1) + "_qkv", Tensor.of(w, rows, cq + ckv));
        String product = g.freshName(out(mm) + "_qkv");
        List<Node> nodes = new ArrayList<>();
        nodes.add(new Node(g.freshName(mm.name() + "_qkv"), "MatMul", "", mm.opsetVersion(), List.of(m.x, weight), List.of(product),
                mm.attributes()));
        if (pq.bias == null) {
            m.qkv = product;
            return nodes;
        }
        float[] b = new float[cq + ckv];
        System.arraycopy(pq.bias.toFloatArray(), 0, b, 0, cq);
        System.arraycopy(pkv.bias.toFloatArray(), 0, b, cq, ckv);
        String bias = g.addConstant(mm.input(1) + "_qkv_bias", Tensor.of(b, cq + ckv));
        m.qkv = g.freshName(out(mm) + "_qkv_biased");
        nodes.add(new Node(g.freshName(mm.name() + "_qkv_bias"), "Add", "", g.producer(m.q).opsetVersion(), List.of(product, bias),
                List.of(m.qkv), new dev.petrel.graph.Attributes(List.of())));
        return nodes;
    }

    /** True when every Reshape of the pattern gives the SLA shapes for batch size {@code b}; records the grid. */
    private static boolean shapesHold(GraphEdit g, Match m, Node[][] splits, Node image, Node flat, Node merge, Node result, long b) {
        long n = m.n, cc = m.channels, c = m.headDim, h = m.heads;
        Map<String, long[]> dims = new HashMap<>();
        if (m.x != null) dims.put(m.x, new long[] {b, n, m.xWidth});
        if (m.reshapeKv != null) {
            dims.put(m.q, new long[] {b, n, cc});
            dims.put(m.kv, new long[] {b, n, 2 * cc});
            if (!reshapes(g, dims, m.reshapeKv, new long[] {b, n, 2 * cc}, new long[] {b, n, 2, cc})) return false;
        } else {
            dims.put(m.qkv, new long[] {b, n, 3 * cc});
            if (!reshapes(g, dims, m.reshapeQkv, new long[] {b, n, 3 * cc}, new long[] {b, n, 3, cc})) return false;
        }
        for (Node[] s : splits) {
            if (!reshapes(g, dims, s[0], new long[] {b, n, cc}, new long[] {b, n, h, c})) return false;
            if (!reshapes(g, dims, s[2], new long[] {b, h, n, c}, new long[] {b * h, n, c})) return false;
        }
        long[] img = reshape(g, dims, image, new long[] {b * h, n, c});
        if (img == null || img.length != 4 || img[0] != b * h || img[3] != c || img[1] * img[2] != n) return false;
        if (m.height == 0) {
            m.height = img[1];
            m.width = img[2];
        } else if (m.height != img[1] || m.width != img[2]) {
            return false;
        }
        return reshapes(g, dims, flat, new long[] {b * h, c, m.height, m.width}, new long[] {b * h, c, n})
                && reshapes(g, dims, merge, new long[] {b * h, n, c}, new long[] {b, h, n, c})
                && reshapes(g, dims, result, new long[] {b, n, h, c}, new long[] {b, n, cc});
    }

    /**
     * {@code Reshape [B,N,h,c] → Transpose(0,2,1,3) → Reshape [B·h,N,c]} ending in {@code value}: the three
     * nodes, first to last (added to the match; their shapes are checked later), or null.
     */
    private static Node[] headSplit(GraphEdit g, Match m, String value) {
        Node last = g.producer(value);
        if (!is(last, "Reshape") || last.outputs().size() != 1) return null;
        Node t = g.producer(last.input(0));
        if (!is(t, "Transpose") || !Arrays.equals(t.attributes().getInts("perm"), new long[] {0, 2, 1, 3})) return null;
        Node first = g.producer(t.input(0));
        if (!is(first, "Reshape")) return null;
        m.nodes.add(last);
        m.nodes.add(t);
        m.nodes.add(first);
        return new Node[] {first, t, last};
    }

    /** The producer of {@code value} when it is {@code op} with one output; added to the match. */
    private static Node take(GraphEdit g, Match m, String value, String op) {
        Node p = value == null || value.isEmpty() ? null : g.producer(value);
        if (!is(p, op) || (p.outputs().size() != 1 && !op.equals("Split"))) return null;
        m.nodes.add(p);
        return p;
    }

    /**
     * The Reciprocal giving z, directly or through the {@code Mul(·, 1.0)} that PyTorch 1.13 puts after it
     * from a model's third SLA block on (its scalar-type cache); both are added to the match.
     */
    private static Node reciprocal(GraphEdit g, Match m, String value) {
        Node p = value == null || value.isEmpty() ? null : g.producer(value);
        if (is(p, "Mul") && p.outputs().size() == 1) {
            for (int side = 0; side < 2; side++) {
                Float one = Patterns.scalar(g, p.input(1 - side));
                if (one != null && one == 1f) {
                    Node rec = take(g, m, p.input(side), "Reciprocal");
                    if (rec != null) m.nodes.add(p);
                    return rec;
                }
            }
            return null;
        }
        return take(g, m, value, "Reciprocal");
    }

    /** The only consumer of {@code value} when it is {@code op}. */
    private static Node single(GraphEdit g, String value, String op) {
        Node c = Patterns.single(g, value);
        return is(c, op) && c.outputs().size() == 1 ? c : null;
    }

    /**
     * True when {@code n}'s equation is {@code pattern} up to the names of its letters and spaces (so
     * {@code "bic,bcd,bi->bid"} also matches {@code "nqc,ncd,nq->nqd"}).
     */
    static boolean einsum(Node n, String pattern) {
        String eq = n.attributes().getString("equation", null);
        if (eq == null) return false;
        eq = eq.replace(" ", "");
        if (eq.length() != pattern.length()) return false;
        Map<Character, Character> to = new HashMap<>(), from = new HashMap<>();
        for (int i = 0; i < eq.length(); i++) {
            char a = eq.charAt(i), p = pattern.charAt(i);
            if (Character.isLetter(p) != Character.isLetter(a)) return false;
            if (!Character.isLetter(p)) {
                if (a != p) return false;
                continue;
            }
            Character x = to.putIfAbsent(p, a), y = from.putIfAbsent(a, p);
            if ((x != null && x != a) || (y != null && y != p)) return false;
        }
        return true;
    }

    private static boolean squeezesAxis0(GraphEdit g, Node sq) {
        long[] axes = sq.opsetVersion() >= 13 ? ints(g, sq.inputs().size() > 1 ? sq.input(1) : "") : sq.attributes().getInts("axes");
        return axes != null && Arrays.equals(axes, new long[] {0});
    }

    /** Split along axis 0 into three equal parts of one (the input is [3, B, N, C]). */
    private static boolean splitsInOnes(GraphEdit g, Node split) {
        if (split.attributes().getInt("axis", 0) != 0) return false;
        long[] sizes;
        if (split.opsetVersion() >= 13) {
            String s = split.inputs().size() > 1 ? split.input(1) : "";
            if (s.isEmpty()) return true;
            sizes = ints(g, s);
        } else {
            sizes = split.attributes().getInts("split");
            if (sizes == null) return true;
        }
        return sizes != null && Arrays.equals(sizes, new long[] {1, 1, 1});
    }

    /**
     * The Conv is depth-wise over c channels with a constant FLOAT filter [c, 1, kh, kw] (kh, kw odd), an
     * optional constant FLOAT bias [c], stride and dilation 1 and "same" zero padding; records them.
     */
    private static boolean depthwiseSame(GraphEdit g, Match m, Node conv) {
        Tensor w = g.constant(conv.input(1));
        if (w == null || w.dtype() != DType.FLOAT || w.rank() != 4 || w.dim(1) != 1 || w.dim(2) % 2 == 0 || w.dim(3) % 2 == 0) return false;
        long c = w.dim(0);
        if (conv.attributes().getInt("group", 1) != c) return false;
        if (conv.inputs().size() > 2 && !conv.input(2).isEmpty()) {
            Tensor b = g.constant(conv.input(2));
            if (b == null || b.dtype() != DType.FLOAT || b.rank() != 1 || b.dim(0) != c) return false;
            m.bias = conv.input(2);
        }
        long[] k = conv.attributes().getInts("kernel_shape");
        if (k != null && !Arrays.equals(k, new long[] {w.dim(2), w.dim(3)})) return false;
        if (!allOnes(conv.attributes().getInts("strides")) || !allOnes(conv.attributes().getInts("dilations"))) return false;
        long ph = w.dim(2) / 2, pw = w.dim(3) / 2;
        String autoPad = conv.attributes().getString("auto_pad", "NOTSET");
        long[] pads = conv.attributes().getInts("pads");
        boolean same;
        if (autoPad.equals("NOTSET")) {
            same = pads != null ? Arrays.equals(pads, new long[] {ph, pw, ph, pw}) : ph == 0 && pw == 0;
        } else {
            // With an odd kernel and stride 1 both SAME modes pad (k-1)/2 on each side.
            same = autoPad.equals("SAME_UPPER") || autoPad.equals("SAME_LOWER") || (autoPad.equals("VALID") && ph == 0 && pw == 0);
        }
        if (!same) return false;
        m.weight = conv.input(1);
        m.headDim = c;
        return true;
    }

    private static boolean allOnes(long[] v) {
        if (v == null) return true;
        for (long x : v) if (x != 1) return false;
        return true;
    }

    /** When qkv = MatMul(x, W [C_in, 3C]) (+ a constant bias), x: the block input the Shape nodes read. */
    private static void findInput(GraphEdit g, Match m) {
        Projection p = projection(g, m.qkv, 3 * m.channels);
        if (p != null) {
            m.x = p.x;
            m.xWidth = p.weight.dim(0);
        }
    }

    private static boolean reshapes(GraphEdit g, Map<String, long[]> dims, Node reshape, long[] in, long[] expected) {
        long[] got = reshape(g, dims, reshape, in);
        return got != null && Arrays.equals(got, expected);
    }

    /** The output dims of {@code reshape} applied to an input of dims {@code in}, or null when its target is unknown. */
    private static long[] reshape(GraphEdit g, Map<String, long[]> dims, Node reshape, long[] in) {
        long[] shape = eval(g, dims, reshape.input(1), 0);
        if (shape == null) return null;
        boolean allowZero = reshape.attributes().getInt("allowzero", 0) != 0;
        long[] out = new long[shape.length];
        long known = 1, total = 1;
        for (long d : in) total *= d;
        int infer = -1;
        for (int i = 0; i < shape.length; i++) {
            long s = shape[i];
            if (s == 0 && !allowZero) {
                if (i >= in.length) return null;
                s = in[i];
            }
            if (s == -1) {
                if (infer >= 0) return null;
                infer = i;
                continue;
            }
            if (s < 0) return null;
            out[i] = s;
            known *= s;
        }
        if (infer >= 0) {
            if (known == 0 || total % known != 0) return null;
            out[infer] = total / known;
        } else if (known != total) {
            return null;
        }
        return out;
    }

    /**
     * The value of an integer shape vector built from constants and the dims in {@code dims} through
     * Shape, Gather, Unsqueeze, Squeeze, Concat, Cast and integer arithmetic; null when it is anything else.
     */
    private static long[] eval(GraphEdit g, Map<String, long[]> dims, String value, int depth) {
        if (value == null || value.isEmpty() || depth > 32) return null;
        long[] c = ints(g, value);
        if (c != null) return c;
        Node p = g.producer(value);
        if (p == null || !p.domain().isEmpty() || p.outputs().size() != 1) return null;
        switch (p.opType()) {
            case "Shape": {
                long[] d = dims.get(p.input(0));
                if (d == null) return null;
                int r = d.length;
                long start = p.attributes().getInt("start", 0), end = p.attributes().getInt("end", r);
                if (start < 0) start += r;
                if (end < 0) end += r;
                start = Math.max(0, Math.min(r, start));
                end = Math.max(start, Math.min(r, end));
                return Arrays.copyOfRange(d, (int) start, (int) end);
            }
            case "Gather": {
                long[] data = eval(g, dims, p.input(0), depth + 1);
                long[] idx = ints(g, p.input(1));
                if (data == null || idx == null || p.attributes().getInt("axis", 0) != 0) return null;
                long[] r = new long[idx.length];
                for (int i = 0; i < idx.length; i++) {
                    long k = idx[i] < 0 ? idx[i] + data.length : idx[i];
                    if (k < 0 || k >= data.length) return null;
                    r[i] = data[(int) k];
                }
                return r;
            }
            case "Unsqueeze":
            case "Squeeze":
            case "Identity": {
                long[] v = eval(g, dims, p.input(0), depth + 1);
                return v != null && (v.length == 1 || p.opType().equals("Identity")) ? v : null;
            }
            case "Cast": {
                long to = p.attributes().getInt("to", 0);
                // INT64 or INT32 keep these small integers as they are.
                return to == 7 || to == 6 ? eval(g, dims, p.input(0), depth + 1) : null;
            }
            case "Concat": {
                if (p.attributes().getInt("axis", 0) != 0 && p.attributes().getInt("axis", 0) != -1) return null;
                List<Long> all = new ArrayList<>();
                for (String in : p.inputs()) {
                    long[] v = eval(g, dims, in, depth + 1);
                    if (v == null) return null;
                    for (long x : v) all.add(x);
                }
                long[] r = new long[all.size()];
                for (int i = 0; i < r.length; i++) r[i] = all.get(i);
                return r;
            }
            case "Add":
            case "Sub":
            case "Mul":
            case "Div": {
                long[] a = eval(g, dims, p.input(0), depth + 1);
                long[] b = eval(g, dims, p.input(1), depth + 1);
                if (a == null || b == null || (a.length != b.length && a.length != 1 && b.length != 1)) return null;
                long[] r = new long[Math.max(a.length, b.length)];
                for (int i = 0; i < r.length; i++) {
                    long x = a[a.length == 1 ? 0 : i], y = b[b.length == 1 ? 0 : i];
                    switch (p.opType()) {
                        case "Add": r[i] = x + y; break;
                        case "Sub": r[i] = x - y; break;
                        case "Mul": r[i] = x * y; break;
                        default:
                            // Integer Div truncates; only exact quotients are trusted (no rounding questions).
                            if (y == 0 || x % y != 0) return null;
                            r[i] = x / y;
                    }
                }
                return r;
            }
            default:
                return null;
        }
    }

    /** The values of an INT64 or INT32 constant, or null. */
    private static long[] ints(GraphEdit g, String value) {
        if (value == null || value.isEmpty()) return null;
        Tensor t = g.constant(value);
        if (t == null) return null;
        if (t.dtype() == DType.INT64) return t.toLongArray();
        if (t.dtype() == DType.INT32) {
            long[] r = new long[t.size()];
            for (int i = 0; i < r.length; i++) r[i] = t.ints().get(i);
            return r;
        }
        return null;
    }
}
