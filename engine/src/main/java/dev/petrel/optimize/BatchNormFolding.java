package dev.petrel.optimize;

import static dev.petrel.optimize.Patterns.is;
import static dev.petrel.optimize.Patterns.out;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Node;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Folds inference {@code BatchNormalization} nodes, and SLAB's RepBN {@code BN(x) + α·x}, into the
 * adjacent Conv, Gemm or MatMul.
 *
 * <p><b>The affine map.</b> With constant γ (scale), β (B), μ (mean), σ² (var) and ε, inference BN is
 * {@code BN(x) = γ(x − μ)/√(σ² + ε) + β = s·x + t} per channel, {@code s = γ/√(σ² + ε)},
 * {@code t = β − μ·s}. RepBN adds {@code α·x} (α a scalar): {@code RepBN(x) = (s + α)·x + t}, so it is the
 * same kind of map with {@code s' = s + α}, {@code t' = t}. PyTorch exports RepBN on {@code [B, N, C]} as
 * {@code Transpose(0,2,1) → BatchNormalization} with {@code Mul(α, ·)} on the same transposed value, an
 * {@code Add}, and {@code Transpose(0,2,1)} back (the exporter cancels adjacent transposes, so either may
 * be missing); when both are there and only the pattern reads the first, the map is taken on the untransposed
 * value along its last axis and the transposes go with it.
 *
 * <p><b>Folds.</b> Exact in real arithmetic; computed in double and rounded once to float.
 * <ul>
 *   <li>After a producer (tried first): a Conv {@code y = W∗x + b} becomes {@code W'[o] = a_o·W[o]},
 *       {@code b'_o = a_o·b_o + t_o}. For RepBN after a patch-embedding conv this is
 *       {@code b' = (s + α)⊙b + β − s⊙μ}; SLAB's official {@code PatchEmbed.merge_bn} computes
 *       {@code γ(b − μ)/√(σ²+ε) + β} and so drops the {@code α·b} term. MatMul with a constant [K, N] weight
 *       scales the weight's columns and adds {@code t} to its bias (creating an {@code Add} when there is
 *       none); Gemm likewise, with {@code C' = a⊙β_gemm·C + t}.</li>
 *   <li>Before a consumer: MatMul {@code (a⊙x + t)W = x·diag(a)W + tᵀW} scales the weight's rows and adds
 *       {@code tᵀW} to the bias; Gemm likewise (times its alpha); Conv scales the weights per input channel
 *       and adds {@code Σ W·t} to the bias, only when the conv has no padding (a padded border sees 0, not
 *       {@code t}, so the fold would be wrong there).</li>
 *   <li>The map commutes with what lies between: Transpose, Reshape and Flatten that provably keep the
 *       channel index, Slice and Concat on other axes, and the means that pooling takes over other axes
 *       (ReduceMean, GlobalAveragePool), so a final norm before pooling folds into the classifier. Shape
 *       nodes reading the values in between see the same shapes and stay.</li>
 *   <li>Otherwise the BN becomes {@code Mul(x, a)} and {@code Add(·, t)}.</li>
 * </ul>
 * Every value whose contents change must be read only by the rewritten part (or by Shape) and must not be
 * a graph output; a BN feeding two consumers folds forward only when every path ends in a consumer that
 * absorbs it.
 */
final class BatchNormFolding implements Pass {
    private static final int MAX_REGION = 128;

    @Override
    public String name() {
        return "batchnorm-folding";
    }

    @Override
    public int apply(GraphEdit g) {
        int n = 0;
        List<String> bnOutputs = new ArrayList<>();
        for (Node bn : g.nodes()) if (is(bn, "BatchNormalization")) bnOutputs.add(out(bn));
        for (String o : bnOutputs) {
            // Looked up again: an earlier fold renames what nodes read, which replaces them.
            Node bn = g.producer(o);
            if (!is(bn, "BatchNormalization")) continue;
            Affine a = match(g, bn);
            if (a == null) continue;
            if (foldBackward(g, a) || foldForward(g, a)) {
                cancelTransposes(g, a.in);
                n++;
            } else if (replaceByMulAdd(g, a)) {
                n++;
            }
        }
        List<String> scales = new ArrayList<>();
        for (Node m : g.nodes()) if (is(m, "Mul") || is(m, "Div")) scales.add(out(m));
        for (String o : scales) {
            Node m = g.producer(o);
            if (!is(m, "Mul") && !is(m, "Div")) continue;
            Affine a = matchChain(g, m);
            if (a != null && (foldIntoNorm(g, a) || foldBackward(g, a) || foldForward(g, a))) n++;
        }
        return n;
    }

    /** y = s ⊙ x + t along {@code axis} of {@code in} (rank -1 when unknown); {@code nodes} compute it. */
    static final class Affine {
        String in;
        String out;
        int axis;
        int rank;
        double[] s;
        double[] t;
        final List<Node> nodes = new ArrayList<>();

        int channels() {
            return s.length;
        }
    }

    // ------------------------------------------------------------------------------------------ matching

    static Affine match(GraphEdit g, Node bn) {
        if (bn.opsetVersion() < 7 || bn.inputs().size() != 5) return null;
        for (int i = 1; i < bn.outputs().size(); i++) if (!bn.outputs().get(i).isEmpty()) return null;
        Attributes at = bn.attributes();
        if (at.getInt("training_mode", 0) != 0 || at.getInt("spatial", 1) != 1) return null;
        Tensor gamma = g.constant(bn.input(1));
        Tensor beta = g.constant(bn.input(2));
        Tensor mean = g.constant(bn.input(3));
        Tensor var = g.constant(bn.input(4));
        if (!vector(gamma, -1)) return null;
        int c = gamma.size();
        if (!vector(beta, c) || !vector(mean, c) || !vector(var, c)) return null;
        double eps = at.getFloat("epsilon", 1e-5f);
        Affine a = new Affine();
        a.s = new double[c];
        a.t = new double[c];
        for (int i = 0; i < c; i++) {
            double s = gamma.floats().get(i) / Math.sqrt((double) var.floats().get(i) + eps);
            a.s[i] = s;
            a.t[i] = beta.floats().get(i) - mean.floats().get(i) * s;
        }
        a.in = bn.input(0);
        a.out = out(bn);
        a.axis = 1;
        a.rank = rank(g, a.in);
        a.nodes.add(bn);
        matchRepBn(g, a, bn);
        if (!isFloat(g, a.in, 0)) return null;
        return a;
    }

    /**
     * The other per-channel affine norms of the seeds as they export: a chain of Mul, Div, Add and Sub
     * by constants that vary only along the last axis (or are scalars), with at least one scaling, e.g.
     * Unified Normalization's {@code γ ⊙ x / √(running_var + ε) + β}, PowerNorm's running-statistics stage,
     * LayerNorm Scaling's {@code 1/√ℓ} after a norm. A chain of scalars takes its channel count from the
     * LayerNormalization, MatMul or bias Add before it or the MatMul after it. Null when {@code start} is not
     * part of such a chain; the chain's nodes each feed only the next.
     */
    static Affine matchChain(GraphEdit g, Node start) {
        if (constantOperand(g, start) < 0) return null;
        Node first = start;
        for (int i = 0; i < 16; i++) {
            int ci = constantOperand(g, first);
            Node p = g.producer(first.input(1 - ci));
            if (p == null || constantOperand(g, p) < 0 || !feedsOnly(g, out(p), first)) break;
            first = p;
        }
        List<Node> chain = new ArrayList<>();
        chain.add(first);
        Node last = first;
        while (chain.size() < 16) {
            if (g.isPinned(out(last))) break;
            Node c = Patterns.single(g, out(last));
            if (c == null || constantOperand(g, c) < 0 || !c.input(1 - constantOperand(g, c)).equals(out(last))) break;
            chain.add(c);
            last = c;
        }
        int ci0 = constantOperand(g, first);
        String in = first.input(1 - ci0);
        int rank = rank(g, in);
        if (rank < 1 || !isFloat(g, in, 0)) return null;
        int channels = 1;
        boolean scales = false;
        for (Node c : chain) {
            Tensor k = g.constant(c.input(constantOperand(g, c)));
            if (k.rank() > rank) return null;
            int len = k.size();
            if (len > 1) {
                if (channels > 1 && channels != len) return null;
                channels = len;
            }
            scales |= is(c, "Mul") || is(c, "Div");
        }
        if (!scales) return null;
        // A per-channel constant must not widen the value (x [.., 1] * c [C] is [.., C]): its last axis must be known to be C.
        if (channels > 1 && lastDim(g, in) != channels) return null;
        if (channels == 1) channels = neighbourChannels(g, in, out(last));
        if (channels < 1) return null;
        double[] s = new double[channels];
        double[] t = new double[channels];
        java.util.Arrays.fill(s, 1);
        for (Node c : chain) {
            int ci = constantOperand(g, c);
            Tensor k = g.constant(c.input(ci));
            for (int j = 0; j < channels; j++) {
                double v = k.floats().get(k.size() == 1 ? 0 : j);
                switch (c.opType()) {
                    case "Mul": s[j] *= v; t[j] *= v; break;
                    case "Div": s[j] /= v; t[j] /= v; break;
                    case "Add": t[j] += v; break;
                    default: // Sub
                        if (ci == 1) {
                            t[j] -= v;
                        } else {
                            s[j] = -s[j];
                            t[j] = v - t[j];
                        }
                }
            }
        }
        boolean identity = true;
        for (int j = 0; j < channels; j++) identity &= s[j] == 1 && t[j] == 0;
        if (identity) return null;
        Affine a = new Affine();
        a.in = in;
        a.out = out(last);
        a.rank = rank;
        a.axis = rank - 1;
        a.s = s;
        a.t = t;
        a.nodes.addAll(chain);
        return a;
    }

    /**
     * The index of the constant operand of a Mul/Add (either), Sub (either) or Div (the divisor) whose
     * constant is FLOAT and varies at most along its last axis; -1 otherwise.
     */
    private static int constantOperand(GraphEdit g, Node n) {
        if (n == null || !n.domain().isEmpty() || n.inputs().size() != 2 || !Patterns.oneOutput(n)) return -1;
        boolean div = is(n, "Div");
        if (!div && !is(n, "Mul") && !is(n, "Add") && !is(n, "Sub")) return -1;
        for (int i = div ? 1 : 0; i < 2; i++) {
            Tensor k = g.constant(n.input(i));
            if (k == null || k.dtype() != DType.FLOAT || g.constant(n.input(1 - i)) != null) continue;
            boolean perChannel = true;
            for (int d = 0; d + 1 < k.rank(); d++) perChannel &= k.dim(d) == 1;
            if (perChannel && k.size() >= 1) return i;
        }
        return -1;
    }

    /** The size of {@code v}'s last axis when its producer (or its declaration as a graph input) fixes it; else -1. */
    private static int lastDim(GraphEdit g, String v) {
        for (dev.petrel.graph.ValueInfo i : g.inputs()) {
            if (!i.name().equals(v)) continue;
            List<dev.petrel.graph.Dim> shape = i.shape();
            if (shape == null || shape.isEmpty() || !shape.get(shape.size() - 1).isFixed()) return -1;
            return (int) shape.get(shape.size() - 1).value();
        }
        Node p = g.producer(v);
        if (isLayerNorm(p)) {
            Tensor gamma = g.constant(p.input(1));
            return gamma == null ? -1 : gamma.size();
        }
        if (is(p, "MatMul")) {
            Tensor w = g.constant(p.input(1));
            return w != null && w.rank() == 2 ? w.dim(1) : -1;
        }
        if (is(p, "Add") && p.inputs().size() == 2) {
            for (int i = 0; i < 2; i++) {
                Tensor b = g.constant(p.input(i));
                int d = lastDim(g, p.input(1 - i));
                if (b != null && b.rank() == 1 && d == b.size()) return d;
            }
        }
        return -1;
    }

    /** Channel count of a scalar chain from its neighbours: what fixes its input's last axis, or the MatMul after it; -1 when none tells. */
    private static int neighbourChannels(GraphEdit g, String in, String out) {
        int c = lastDim(g, in);
        if (c > 0) return c;
        Node mm = Patterns.single(g, out);
        if (is(mm, "MatMul") && mm.input(0).equals(out)) {
            Tensor w = g.constant(mm.input(1));
            if (w != null && w.rank() == 2) return w.dim(0);
        }
        return -1;
    }

    private static boolean isLayerNorm(Node n) {
        return n != null && n.opType().equals("LayerNormalization") && n.outputs().size() >= 1
                && (n.domain().isEmpty() || n.domain().equals(GraphEdit.PETREL_DOMAIN))
                && n.attributes().getInt("axis", -1) == -1;
    }

    /**
     * LayerNormalization (last axis) → map: {@code s ⊙ (γ ⊙ n + β) + t = (s ⊙ γ) ⊙ n + (s ⊙ β + t)}, e.g.
     * LayerNorm Scaling's 1/√ℓ goes into the norm's own weights.
     */
    private static boolean foldIntoNorm(GraphEdit g, Affine a) {
        Node ln = g.producer(a.in);
        if (!isLayerNorm(ln) || g.isPinned(a.out) || g.isPinned(a.in) || !feedsOnly(g, a.in, a.nodes.get(0))) return false;
        for (int i = 1; i < ln.outputs().size(); i++) if (!ln.outputs().get(i).isEmpty()) return false;
        int c = a.channels();
        Tensor gamma = g.constant(ln.input(1));
        boolean hasBeta = ln.inputs().size() > 2 && !ln.input(2).isEmpty();
        Tensor beta = hasBeta ? g.constant(ln.input(2)) : null;
        if (gamma == null || gamma.dtype() != DType.FLOAT || gamma.size() != c || (hasBeta && !vector(beta, c))) return false;
        float[] ng = new float[c];
        float[] nb = new float[c];
        for (int j = 0; j < c; j++) {
            ng[j] = (float) (a.s[j] * gamma.floats().get(j));
            nb[j] = (float) (a.s[j] * (beta == null ? 0 : beta.floats().get(j)) + a.t[j]);
        }
        List<String> ins = new ArrayList<>(ln.inputs());
        ins.set(1, g.addConstant("norm_folded_scale", Tensor.of(ng, gamma.shape())));
        String b = g.addConstant("norm_folded_bias", Tensor.of(nb, gamma.shape()));
        if (ins.size() > 2) ins.set(2, b); else ins.add(b);
        g.replace(ln, with(ln, ins, ln.outputs(), ln.attributes()));
        dropAffine(g, a);
        return true;
    }

    private static boolean vector(Tensor t, int n) {
        return t != null && t.dtype() == DType.FLOAT && t.rank() == 1 && (n < 0 || t.size() == n);
    }

    /** Extends the BN to {@code BN(x) + α·x}, and to the transposes around it, when the graph has them. */
    private static void matchRepBn(GraphEdit g, Affine a, Node bn) {
        Node add = Patterns.single(g, a.out);
        if (!is(add, "Add") || !Patterns.oneOutput(add)) return;
        String other = Patterns.other(add, a.out);
        Node mul = g.producer(other);
        if (!is(mul, "Mul") || !Patterns.oneOutput(mul) || Patterns.single(g, other) != add) return;
        String alphaName = Patterns.other(mul, a.in);
        Float alpha = alphaName == null ? null : Patterns.scalar(g, alphaName);
        if (alpha == null) return;
        for (int i = 0; i < a.s.length; i++) a.s[i] += alpha;
        a.nodes.add(mul);
        a.nodes.add(add);
        a.out = out(add);
        // Transpose → [BN, Mul] → Add → Transpose with inverse perms: the map acts on the untransposed value.
        Node t1 = g.producer(a.in);
        Node t2 = Patterns.single(g, a.out);
        if (!is(t1, "Transpose") || !is(t2, "Transpose") || g.isPinned(a.in)) return;
        long[] p = t1.attributes().getInts("perm");
        long[] q = t2.attributes().getInts("perm");
        if (p == null || q == null || p.length != q.length || p.length < 2) return;
        for (int j = 0; j < q.length; j++) if (p[(int) q[j]] != j) return;
        Set<Node> readers = new HashSet<>(g.consumers(a.in));
        if (!readers.equals(Set.of(bn, mul))) return;
        a.nodes.add(0, t1);
        a.nodes.add(t2);
        a.in = t1.input(0);
        a.out = out(t2);
        a.axis = (int) p[1];
        a.rank = p.length;
    }

    // ------------------------------------------------------------------------------- fold into a producer

    private static boolean foldBackward(GraphEdit g, Affine a) {
        if (g.isPinned(a.out) || g.isPinned(a.in)) return false;
        for (Node c : g.consumers(a.in)) if (!a.nodes.contains(c) && !shapeOnly(c)) return false;
        String v = a.in;
        int axis = a.axis;
        int rank = a.rank;
        for (int step = 0; step < 16; step++) {
            Node p = g.producer(v);
            if (p == null || !p.domain().isEmpty()) return false;
            switch (p.opType()) {
                case "Conv":
                    if (axis != 1 || p.outputs().size() != 1) return false;
                    return absorbAfterConv(g, a, p);
                case "Gemm":
                    if (axis != 1 || p.outputs().size() != 1) return false;
                    return absorbAfterGemm(g, a, p);
                case "MatMul":
                    return isLast(g, v, axis, rank) && absorbAfterMatMul(g, a, p, null);
                case "Add": {
                    if (!isLast(g, v, axis, rank) || !Patterns.oneOutput(p)) return false;
                    for (int i = 0; i < 2; i++) {
                        Node mm = g.producer(p.input(i));
                        Tensor bias = g.constant(p.input(1 - i));
                        if (is(mm, "MatMul") && vector(bias, a.channels()) && feedsOnly(g, p.input(i), p)) {
                            return absorbAfterMatMul(g, a, mm, p);
                        }
                    }
                    return false;
                }
                case "Transpose": {
                    long[] perm = p.attributes().getInts("perm");
                    if (perm == null || axis < 0) return false;
                    axis = (int) perm[axis];
                    rank = perm.length;
                    break;
                }
                case "Reshape": {
                    if (axis < 0 || !keepsPrefix(g, p, axis)) return false;
                    rank = rank(g, p.input(0));
                    break;
                }
                default:
                    return false;
            }
            v = p.input(0);
            if (!feedsOnly(g, v, p)) return false;
        }
        return false;
    }

    /** Conv → map: W'[o] = a_o·W[o], b'_o = a_o·b_o + t_o. */
    private static boolean absorbAfterConv(GraphEdit g, Affine a, Node conv) {
        Tensor w = g.constant(conv.input(1));
        int c = a.channels();
        if (w == null || w.dtype() != DType.FLOAT || w.rank() < 3 || w.dim(0) != c) return false;
        Tensor b = conv.inputs().size() > 2 && !conv.input(2).isEmpty() ? g.constant(conv.input(2)) : null;
        if (conv.inputs().size() > 2 && !conv.input(2).isEmpty() && !vector(b, c)) return false;
        int per = w.size() / c;
        float[] nw = new float[w.size()];
        float[] nb = new float[c];
        for (int o = 0; o < c; o++) {
            for (int k = 0; k < per; k++) nw[o * per + k] = (float) (a.s[o] * w.floats().get(o * per + k));
            nb[o] = (float) (a.s[o] * (b == null ? 0 : b.floats().get(o)) + a.t[o]);
        }
        List<String> ins = new ArrayList<>(conv.inputs());
        ins.set(1, g.addConstant("bn_folded_weight", Tensor.of(nw, w.shape())));
        String bias = g.addConstant("bn_folded_bias", Tensor.of(nb, c));
        if (ins.size() > 2) ins.set(2, bias); else ins.add(bias);
        g.replace(conv, with(conv, ins, conv.outputs(), conv.attributes()));
        dropAffine(g, a);
        return true;
    }

    /** Gemm → map (output columns): B' scales column n by a_n, C' = a⊙β·C + t, β = 1. */
    private static boolean absorbAfterGemm(GraphEdit g, Affine a, Node gemm) {
        Tensor bm = g.constant(gemm.input(1));
        int c = a.channels();
        boolean transB = gemm.attributes().getInt("transB", 0) != 0;
        if (bm == null || bm.dtype() != DType.FLOAT || bm.rank() != 2 || bm.dim(transB ? 0 : 1) != c) return false;
        double beta = gemm.attributes().getFloat("beta", 1f);
        double[] cv = gemmBias(g, gemm, c);
        if (cv == null) return false;
        float[] nb = new float[bm.size()];
        int cols = bm.dim(1);
        for (int i = 0; i < nb.length; i++) {
            int n = transB ? i / cols : i % cols;
            nb[i] = (float) (a.s[n] * bm.floats().get(i));
        }
        float[] nc = new float[c];
        for (int n = 0; n < c; n++) nc[n] = (float) (a.s[n] * beta * cv[n] + a.t[n]);
        replaceGemm(g, gemm, Tensor.of(nb, bm.shape()), nc);
        dropAffine(g, a);
        return true;
    }

    /**
     * MatMul(A, W) [→ Add bias] → map on the last axis: W' scales column n by a_n; the bias becomes
     * a⊙b + t, or t in a new Add.
     */
    private static boolean absorbAfterMatMul(GraphEdit g, Affine a, Node mm, Node biasAdd) {
        Tensor w = g.constant(mm.input(1));
        int c = a.channels();
        if (w == null || w.dtype() != DType.FLOAT || w.rank() != 2 || w.dim(1) != c || !Patterns.oneOutput(mm)) return false;
        float[] nw = new float[w.size()];
        for (int i = 0; i < nw.length; i++) nw[i] = (float) (w.floats().get(i) * a.s[i % c]);
        String wName = g.addConstant("bn_folded_weight", Tensor.of(nw, w.shape()));
        float[] nb = new float[c];
        if (biasAdd != null) {
            int bi = biasAdd.input(0).equals(out(mm)) ? 1 : 0;
            Tensor b = g.constant(biasAdd.input(bi));
            for (int n = 0; n < c; n++) nb[n] = (float) (a.s[n] * b.floats().get(n) + a.t[n]);
            List<String> ins = new ArrayList<>(biasAdd.inputs());
            ins.set(bi, g.addConstant("bn_folded_bias", Tensor.of(nb, c)));
            g.replace(mm, with(mm, List.of(mm.input(0), wName), mm.outputs(), mm.attributes()));
            g.replace(biasAdd, with(biasAdd, ins, biasAdd.outputs(), biasAdd.attributes()));
        } else {
            for (int n = 0; n < c; n++) nb[n] = (float) a.t[n];
            addBiasAfter(g, mm, wName, nb);
        }
        dropAffine(g, a);
        return true;
    }

    // ------------------------------------------------------------------------------ fold into consumers

    /** Where the map's channel axis is on a value it reaches: axis from the front, and the rank if known. */
    private static final class Site {
        final int axis;
        final int rank;
        /** Every axis after {@code axis} is known to have size 1 (after pooling). */
        final boolean onesAfter;

        Site(int axis, int rank, boolean onesAfter) {
            this.axis = axis;
            this.rank = rank;
            this.onesAfter = onesAfter;
        }

        boolean same(Site o) {
            return axis == o.axis && (rank < 0 || o.rank < 0 || rank == o.rank);
        }
    }

    private static boolean foldForward(GraphEdit g, Affine a) {
        if (a.axis < 0) return false;
        Map<String, Site> region = new LinkedHashMap<>();
        Map<Node, Site> absorbers = new LinkedHashMap<>();
        List<Node> concats = new ArrayList<>();
        List<String> queue = new ArrayList<>();
        region.put(a.out, new Site(a.axis, a.rank, false));
        queue.add(a.out);
        Context ctx = new Context(g, a, region);
        for (int qi = 0; qi < queue.size(); qi++) {
            if (region.size() > MAX_REGION) return false;
            String v = queue.get(qi);
            Site site = region.get(v);
            if (g.isPinned(v)) return false;
            for (Node c : g.consumers(v)) {
                if (shapeOnly(c)) continue;
                if (!c.domain().isEmpty()) return false;
                if (is(c, "MatMul") || is(c, "Gemm") || is(c, "Conv")) {
                    if (!c.input(0).equals(v) || c.inputs().lastIndexOf(v) != 0 || absorbers.containsKey(c)) return false;
                    absorbers.put(c, site);
                    continue;
                }
                Site next;
                if (is(c, "Concat")) {
                    long axis = c.attributes().getInt("axis", 0);
                    if (site.rank < 0 && axis < 0 || normalize(axis, site.rank) == site.axis) return false;
                    if (!concats.contains(c)) concats.add(c);
                    next = site;
                } else {
                    next = through(ctx, c, v, site);
                }
                if (next == null || c.outputs().size() != 1) return false;
                String o = out(c);
                Site seen = region.get(o);
                if (seen != null) {
                    if (!seen.same(next)) return false;
                    continue;
                }
                region.put(o, next);
                queue.add(o);
            }
        }
        for (Node cat : concats) {
            Site first = region.get(out(cat));
            for (String in : cat.inputs()) {
                Site s = region.get(in);
                if (s == null || !s.same(first)) return false;
            }
        }
        if (absorbers.isEmpty()) return false;
        List<Runnable> rewrites = new ArrayList<>();
        for (Map.Entry<Node, Site> e : absorbers.entrySet()) {
            Runnable r = absorbBefore(ctx, e.getKey(), e.getValue());
            if (r == null) return false;
            rewrites.add(r);
        }
        for (Runnable r : rewrites) r.run();
        dropAffine(g, a);
        return true;
    }

    /** What the forward walk knows: the graph, the map, and the values it has reached with their sites. */
    private static final class Context {
        final GraphEdit g;
        final Affine a;
        final Map<String, Site> region;

        Context(GraphEdit g, Affine a, Map<String, Site> region) {
            this.g = g;
            this.a = a;
            this.region = region;
        }
    }

    /** The site of the map on {@code c}'s output when {@code c} commutes with it, else null. */
    private static Site through(Context ctx, Node c, String v, Site s) {
        GraphEdit g = ctx.g;
        if (!c.input(0).equals(v) || c.inputs().lastIndexOf(v) != 0) return null;
        switch (c.opType()) {
            case "Transpose": {
                long[] perm = c.attributes().getInts("perm");
                if (perm == null) return null;
                for (int j = 0; j < perm.length; j++) {
                    if (perm[j] == s.axis) return new Site(j, perm.length, false);
                }
                return null;
            }
            case "Reshape": {
                List<Entry> shape = shapeEntries(g, c.input(1));
                if (shape == null || c.attributes().getInt("allowzero", 0) != 0) return null;
                if (keepsPrefix(g, c, s.axis)) return new Site(s.axis, shape.size(), false);
                int r = s.rank >= 0 ? s.rank : rank(g, v);
                if (r >= 0 && s.axis == r - 1 && isChannels(ctx, shape.get(shape.size() - 1), 0)) {
                    return new Site(shape.size() - 1, shape.size(), false);
                }
                return null;
            }
            case "Flatten": {
                int r = s.rank >= 0 ? s.rank : rank(g, v);
                long fa = c.attributes().getInt("axis", 1);
                if (r < 0 && fa < 0) return null;
                int f = normalize(fa, r);
                if (f == s.axis && (s.onesAfter || s.axis == r - 1)) return new Site(1, 2, true);
                return null;
            }
            case "GlobalAveragePool":
                return s.axis == 1 ? new Site(1, s.rank, true) : null;
            case "ReduceMean": {
                long[] axes = c.opsetVersion() >= 18
                        ? (c.inputs().size() > 1 && !c.input(1).isEmpty() ? longs(g.constant(c.input(1))) : new long[0])
                        : c.attributes().getInts("axes");
                if (axes == null || axes.length == 0) return null;
                boolean keep = c.attributes().getInt("keepdims", 1) != 0;
                int r = s.rank >= 0 ? s.rank : rank(g, v);
                int before = 0;
                boolean[] reduced = new boolean[Math.max(r, 0) + 1];
                for (long ax : axes) {
                    if (ax < 0 && r < 0) return null;
                    int n = normalize(ax, r);
                    if (n == s.axis) return null;
                    if (n < s.axis) before++;
                    if (r >= 0 && n >= 0 && n < r) reduced[n] = true;
                }
                boolean onesAfter = s.onesAfter;
                if (keep && r >= 0) {
                    onesAfter = true;
                    for (int i = s.axis + 1; i < r; i++) onesAfter &= reduced[i] || s.onesAfter;
                }
                if (keep) return new Site(s.axis, r, onesAfter);
                return new Site(s.axis - before, r < 0 ? -1 : r - axes.length, false);
            }
            case "Slice": {
                if (c.inputs().size() < 4 || c.input(3).isEmpty()) return null;
                long[] axes = longs(g.constant(c.input(3)));
                if (axes == null) return null;
                for (int i = 1; i < c.inputs().size(); i++) if (g.constant(c.input(i)) == null) return null;
                for (long ax : axes) {
                    if (ax < 0 && s.rank < 0) return null;
                    if (normalize(ax, s.rank) == s.axis) return null;
                }
                return s;
            }
            default:
                return null;
        }
    }

    /** The rewrite of {@code c} that absorbs the map on its first input at {@code site}, or null. */
    private static Runnable absorbBefore(Context ctx, Node c, Site site) {
        GraphEdit g = ctx.g;
        Affine a = ctx.a;
        int ch = a.channels();
        switch (c.opType()) {
            case "MatMul": {
                Tensor w = g.constant(c.input(1));
                int r = site.rank >= 0 ? site.rank : -1;
                if (w == null || w.dtype() != DType.FLOAT || w.rank() != 2 || w.dim(0) != ch || r < 1 || site.axis != r - 1
                        || !Patterns.oneOutput(c)) {
                    return null;
                }
                return () -> absorbBeforeMatMul(g, a, c, w);
            }
            case "Gemm": {
                boolean transA = c.attributes().getInt("transA", 0) != 0;
                boolean transB = c.attributes().getInt("transB", 0) != 0;
                Tensor bm = g.constant(c.input(1));
                if (site.axis != (transA ? 0 : 1) || bm == null || bm.dtype() != DType.FLOAT || bm.rank() != 2
                        || bm.dim(transB ? 1 : 0) != ch || c.outputs().size() != 1) {
                    return null;
                }
                int n = bm.dim(transB ? 0 : 1);
                double[] cv = gemmBias(g, c, n);
                if (cv == null) return null;
                return () -> {
                    double alpha = c.attributes().getFloat("alpha", 1f);
                    double beta = c.attributes().getFloat("beta", 1f);
                    float[] nb = new float[bm.size()];
                    double[] add = new double[n];
                    int cols = bm.dim(1);
                    for (int i = 0; i < nb.length; i++) {
                        int k = transB ? i % cols : i / cols;
                        int j = transB ? i / cols : i % cols;
                        double b = bm.floats().get(i);
                        nb[i] = (float) (a.s[k] * b);
                        add[j] += a.t[k] * b;
                    }
                    float[] nc = new float[n];
                    for (int j = 0; j < n; j++) nc[j] = (float) (beta * cv[j] + alpha * add[j]);
                    replaceGemm(g, c, Tensor.of(nb, bm.shape()), nc);
                };
            }
            case "Conv": {
                Tensor w = g.constant(c.input(1));
                if (site.axis != 1 || w == null || w.dtype() != DType.FLOAT || w.rank() < 3 || c.outputs().size() != 1) return null;
                Attributes at = c.attributes();
                String autoPad = at.getString("auto_pad", "NOTSET");
                if (!autoPad.equals("NOTSET") && !autoPad.equals("VALID")) return null;
                long[] pads = at.getInts("pads");
                if (pads != null) for (long p : pads) if (p != 0) return null;
                int group = (int) at.getInt("group", 1);
                int m = w.dim(0);
                int cg = w.dim(1);
                if (group < 1 || cg * group != ch || m % group != 0) return null;
                Tensor b = c.inputs().size() > 2 && !c.input(2).isEmpty() ? g.constant(c.input(2)) : null;
                if (c.inputs().size() > 2 && !c.input(2).isEmpty() && !vector(b, m)) return null;
                return () -> {
                    int spatial = w.size() / (m * cg);
                    float[] nw = new float[w.size()];
                    float[] nb = new float[m];
                    for (int o = 0; o < m; o++) {
                        int first = o / (m / group) * cg;
                        double sum = b == null ? 0 : b.floats().get(o);
                        for (int j = 0; j < cg; j++) {
                            int ic = first + j;
                            for (int k = 0; k < spatial; k++) {
                                int i = (o * cg + j) * spatial + k;
                                double wv = w.floats().get(i);
                                nw[i] = (float) (a.s[ic] * wv);
                                sum += a.t[ic] * wv;
                            }
                        }
                        nb[o] = (float) sum;
                    }
                    List<String> ins = new ArrayList<>(c.inputs());
                    ins.set(1, g.addConstant("bn_folded_weight", Tensor.of(nw, w.shape())));
                    String bias = g.addConstant("bn_folded_bias", Tensor.of(nb, m));
                    if (ins.size() > 2) ins.set(2, bias); else ins.add(bias);
                    g.replace(c, with(c, ins, c.outputs(), c.attributes()));
                };
            }
            default:
                return null;
        }
    }

    /** (a⊙x + t)·W = x·(diag(a)W) + tᵀW; tᵀW joins the bias Add that alone reads the product, or a new one. */
    private static void absorbBeforeMatMul(GraphEdit g, Affine a, Node mm, Tensor w) {
        int k = w.dim(0);
        int n = w.dim(1);
        float[] nw = new float[w.size()];
        double[] add = new double[n];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < n; j++) {
                double v = w.floats().get(i * n + j);
                nw[i * n + j] = (float) (a.s[i] * v);
                add[j] += a.t[i] * v;
            }
        }
        String wName = g.addConstant("bn_folded_weight", Tensor.of(nw, w.shape()));
        Node biasAdd = Patterns.single(g, out(mm));
        int bi = -1;
        if (is(biasAdd, "Add") && Patterns.oneOutput(biasAdd) && biasAdd.inputs().size() == 2) {
            for (int i = 0; i < 2; i++) {
                if (!biasAdd.input(1 - i).equals(out(mm))) continue;
                if (vector(g.constant(biasAdd.input(i)), n)) bi = i;
            }
        }
        float[] nb = new float[n];
        if (bi >= 0) {
            Tensor b = g.constant(biasAdd.input(bi));
            for (int j = 0; j < n; j++) nb[j] = (float) (b.floats().get(j) + add[j]);
            List<String> ins = new ArrayList<>(biasAdd.inputs());
            ins.set(bi, g.addConstant("bn_folded_bias", Tensor.of(nb, n)));
            g.replace(mm, with(mm, List.of(mm.input(0), wName), mm.outputs(), mm.attributes()));
            g.replace(biasAdd, with(biasAdd, ins, biasAdd.outputs(), biasAdd.attributes()));
        } else {
            for (int j = 0; j < n; j++) nb[j] = (float) add[j];
            addBiasAfter(g, mm, wName, nb);
        }
    }

    // --------------------------------------------------------------------------------------- fallback

    private static boolean replaceByMulAdd(GraphEdit g, Affine a) {
        int r = a.rank;
        if (r < 0 || a.axis >= r) return false;
        long[] shape = new long[r - a.axis];
        shape[0] = a.channels();
        for (int i = 1; i < shape.length; i++) shape[i] = 1;
        float[] s = new float[a.channels()];
        float[] t = new float[a.channels()];
        for (int i = 0; i < s.length; i++) {
            s[i] = (float) a.s[i];
            t[i] = (float) a.t[i];
        }
        Node last = a.nodes.get(a.nodes.size() - 1);
        String scaled = g.freshName(a.out + "_scaled");
        Node mul = new Node(g.freshName(last.name() + "_scale"), "Mul", "", opset(g), List.of(a.in, g.addConstant("bn_scale", Tensor.of(s, shape))),
                List.of(scaled), Attributes.empty());
        Node add = new Node(g.freshName(last.name() + "_shift"), "Add", "", opset(g), List.of(scaled, g.addConstant("bn_shift", Tensor.of(t, shape))),
                List.of(a.out), Attributes.empty());
        g.insertBefore(last, mul);
        g.replace(last, add);
        Set<Node> rest = new HashSet<>(a.nodes);
        rest.remove(last);
        g.removeAll(rest);
        return true;
    }

    // ---------------------------------------------------------------------------------------- helpers

    /** Removes the map's nodes; what read its output reads its input. */
    private static void dropAffine(GraphEdit g, Affine a) {
        g.removeAll(new HashSet<>(a.nodes));
        g.renameUses(a.out, a.in);
    }

    /** Transpose → Transpose with inverse perms left around {@code v} by a fold: both go. */
    private static void cancelTransposes(GraphEdit g, String v) {
        Node t1 = g.producer(v);
        if (!is(t1, "Transpose") || g.isPinned(v)) return;
        List<Node> cs = g.consumers(v);
        if (cs.size() != 1 || !is(cs.get(0), "Transpose")) return;
        Node t2 = cs.get(0);
        long[] p = t1.attributes().getInts("perm");
        long[] q = t2.attributes().getInts("perm");
        if (p == null || q == null || p.length != q.length || g.isPinned(out(t2))) return;
        for (int j = 0; j < q.length; j++) if (p[(int) q[j]] != j) return;
        g.removeAll(Set.of(t1, t2));
        g.renameUses(out(t2), t1.input(0));
    }

    private static boolean shapeOnly(Node c) {
        return is(c, "Shape") || is(c, "Size");
    }

    /** {@code v} is read only by {@code reader} (and Shape) and is not pinned. */
    private static boolean feedsOnly(GraphEdit g, String v, Node reader) {
        if (g.isPinned(v)) return false;
        for (Node c : g.consumers(v)) if (c != reader && !shapeOnly(c)) return false;
        return true;
    }

    private static boolean isLast(GraphEdit g, String v, int axis, int rank) {
        int r = rank >= 0 ? rank : rank(g, v);
        return r >= 1 && axis == r - 1;
    }

    private static int normalize(long axis, int rank) {
        return (int) (axis < 0 ? axis + rank : axis);
    }

    private static int opset(GraphEdit g) {
        Integer v = g.opsets().get("");
        return v == null ? 14 : v;
    }

    private static Node with(Node n, List<String> ins, List<String> outs, Attributes attrs) {
        return new Node(n.name(), n.opType(), n.domain(), n.opsetVersion(), ins, outs, attrs);
    }

    /** MatMul(A, w) writing a fresh value, then Add(·, bias) writing the MatMul's old output. */
    private static void addBiasAfter(GraphEdit g, Node mm, String w, float[] bias) {
        String product = g.freshName(out(mm) + "_unbiased");
        Node newMm = with(mm, List.of(mm.input(0), w), List.of(product), mm.attributes());
        Node add = new Node(g.freshName(mm.name() + "_bias"), "Add", "", opset(g),
                List.of(product, g.addConstant("bn_folded_bias", Tensor.of(bias, bias.length))), mm.outputs(), Attributes.empty());
        g.insertBefore(mm, newMm);
        g.replace(mm, add);
    }

    /** Gemm's C as n values (zeros when absent), or null when C does not broadcast as one row. */
    private static double[] gemmBias(GraphEdit g, Node gemm, int n) {
        double[] v = new double[n];
        if (gemm.inputs().size() < 3 || gemm.input(2).isEmpty()) return v;
        Tensor c = g.constant(gemm.input(2));
        if (c == null || c.dtype() != DType.FLOAT) return null;
        if (c.size() == 1) {
            java.util.Arrays.fill(v, c.floats().get(0));
            return v;
        }
        if (c.size() != n || c.dim(c.rank() - 1) != n) return null;
        for (int j = 0; j < n; j++) v[j] = c.floats().get(j);
        return v;
    }

    private static void replaceGemm(GraphEdit g, Node gemm, Tensor b, float[] c) {
        List<Attribute> attrs = new ArrayList<>();
        for (Attribute at : gemm.attributes().all()) if (!at.name().equals("beta")) attrs.add(at);
        attrs.add(Attribute.ofFloat("beta", 1f));
        List<String> ins = new ArrayList<>(List.of(gemm.input(0), g.addConstant("bn_folded_weight", b),
                g.addConstant("bn_folded_bias", Tensor.of(c, c.length))));
        g.replace(gemm, with(gemm, ins, gemm.outputs(), new Attributes(attrs)));
    }

    private static long[] longs(Tensor t) {
        if (t == null) return null;
        if (t.dtype() == DType.INT64) return t.toLongArray();
        if (t.dtype() == DType.INT32) {
            long[] v = new long[t.size()];
            for (int i = 0; i < v.length; i++) v[i] = t.ints().get(i);
            return v;
        }
        return null;
    }

    // ----------------------------------------------------------------------- ranks, dtypes, shape tensors

    /** The rank of {@code v} when the graph proves it, else -1. */
    static int rank(GraphEdit g, String v) {
        return rank(g, v, 0);
    }

    private static int rank(GraphEdit g, String v, int depth) {
        int r = Patterns.rank(g, v);
        if (r >= 0 || depth > 16) return r;
        Node p = g.producer(v);
        if (isLayerNorm(p)) return rank(g, p.input(0), depth + 1);
        if (p == null || !p.domain().isEmpty()) return -1;
        switch (p.opType()) {
            case "Conv": {
                Tensor w = g.constant(p.input(1));
                return w == null ? -1 : w.rank();
            }
            case "Reshape": {
                List<Entry> e = shapeEntries(g, p.input(1));
                return e == null ? -1 : e.size();
            }
            case "Transpose": {
                long[] perm = p.attributes().getInts("perm");
                return perm != null ? perm.length : rank(g, p.input(0), depth + 1);
            }
            case "Add": case "Sub": case "Mul": case "Div": case "Relu": case "BatchNormalization": {
                int m = -1;
                for (int i = 0; i < (p.opType().equals("BatchNormalization") ? 1 : p.inputs().size()); i++) {
                    int ri = rank(g, p.input(i), depth + 1);
                    if (ri < 0) return -1;
                    m = Math.max(m, ri);
                }
                return m;
            }
            default:
                return -1;
        }
    }

    /** True when {@code v} is proven FLOAT (the map's constants are). */
    private static boolean isFloat(GraphEdit g, String v, int depth) {
        if (depth > 24) return false;
        Tensor c = g.constant(v);
        if (c != null) return c.dtype() == DType.FLOAT;
        if (g.isGraphInput(v)) {
            for (dev.petrel.graph.ValueInfo vi : g.inputs()) if (vi.name().equals(v)) return vi.dtype() == DType.FLOAT;
            return false;
        }
        Node p = g.producer(v);
        if (isLayerNorm(p)) return isFloat(g, p.input(0), depth + 1);
        if (p == null || !p.domain().isEmpty()) return false;
        switch (p.opType()) {
            case "Conv": case "MatMul": case "Gemm": case "Add": case "Sub": case "Mul": case "Div":
                for (String in : p.inputs()) if (!in.isEmpty() && isFloat(g, in, depth + 1)) return true;
                return false;
            case "Transpose": case "Reshape": case "Flatten": case "Relu": case "BatchNormalization": case "Squeeze":
            case "Unsqueeze": case "Erf": case "Sqrt": case "Tanh": case "Sigmoid": case "GlobalAveragePool":
            case "ReduceMean": case "Slice": case "Concat": case "Gather": case "Softmax":
                return isFloat(g, p.input(0), depth + 1);
            case "Cast":
                return p.attributes().getInt("to", 0) == DType.FLOAT.onnxCode();
            default:
                return false;
        }
    }

    /** One element of a shape tensor: a constant, or dimension {@code index} of {@code of}, or unknown. */
    static final class Entry {
        final Long value;
        final String of;
        final int index;

        Entry(Long value, String of, int index) {
            this.value = value;
            this.of = of;
            this.index = index;
        }
    }

    /**
     * The elements of a 1-D shape tensor: a constant, or a Concat of constants, {@code Shape(x)} slices
     * and {@code Unsqueeze(Gather(Shape(x), i))} (what PyTorch exports for {@code view(B, ..., C)}); null
     * when its length is not known.
     */
    static List<Entry> shapeEntries(GraphEdit g, String shape) {
        Tensor c = g.constant(shape);
        if (c != null) {
            long[] v = longs(c);
            if (v == null || c.rank() != 1) return null;
            List<Entry> out = new ArrayList<>();
            for (long x : v) out.add(new Entry(x, null, -1));
            return out;
        }
        Node p = g.producer(shape);
        if (is(p, "Concat")) {
            List<Entry> out = new ArrayList<>();
            for (String in : p.inputs()) {
                List<Entry> part = piece(g, in);
                if (part == null) return null;
                out.addAll(part);
            }
            return out;
        }
        return piece(g, shape);
    }

    private static List<Entry> piece(GraphEdit g, String v) {
        Tensor c = g.constant(v);
        if (c != null) {
            long[] x = longs(c);
            if (x == null || c.rank() > 1) return null;
            List<Entry> out = new ArrayList<>();
            for (long e : x) out.add(new Entry(e, null, -1));
            return out;
        }
        Node p = g.producer(v);
        if (p == null) return null;
        if (is(p, "Unsqueeze")) {
            Node gather = g.producer(p.input(0));
            if (is(gather, "Gather") && gather.attributes().getInt("axis", 0) == 0) {
                Node shapeOf = g.producer(gather.input(0));
                Tensor idx = g.constant(gather.input(1));
                long[] i = longs(idx);
                if (is(shapeOf, "Shape") && i != null && i.length == 1 && idx.rank() == 0 && plainShape(shapeOf)) {
                    return List.of(dimOf(g, shapeOf.input(0), i[0]));
                }
            }
            return List.of(new Entry(null, null, -1));
        }
        if (is(p, "Slice")) {
            Node shapeOf = g.producer(p.input(0));
            if (!is(shapeOf, "Shape") || !plainShape(shapeOf)) return null;
            long[] st = longs(g.constant(p.input(1)));
            long[] en = longs(g.constant(p.input(2)));
            if (st == null || en == null || st.length != 1 || en.length != 1 || st[0] < 0) return null;
            if (p.inputs().size() > 3 && !p.input(3).isEmpty()) {
                long[] ax = longs(g.constant(p.input(3)));
                if (ax == null || ax.length != 1 || ax[0] != 0) return null;
            }
            if (p.inputs().size() > 4 && !p.input(4).isEmpty()) {
                long[] step = longs(g.constant(p.input(4)));
                if (step == null || step.length != 1 || step[0] != 1) return null;
            }
            long end = en[0];
            if (end < 0 || end > 64) {
                int r = rank(g, shapeOf.input(0));
                if (r < 0) return null;
                end = end < 0 ? end + r : Math.min(end, r);
            }
            List<Entry> out = new ArrayList<>();
            for (long i = st[0]; i < end; i++) out.add(new Entry(null, shapeOf.input(0), (int) i));
            return out;
        }
        if (is(p, "Shape") && plainShape(p)) {
            int r = rank(g, p.input(0));
            if (r < 0) return null;
            List<Entry> out = new ArrayList<>();
            for (int i = 0; i < r; i++) out.add(new Entry(null, p.input(0), i));
            return out;
        }
        return null;
    }

    private static boolean plainShape(Node shape) {
        return !shape.attributes().has("start") && !shape.attributes().has("end");
    }

    private static Entry dimOf(GraphEdit g, String of, long index) {
        if (index >= 0) return new Entry(null, of, (int) index);
        int r = rank(g, of);
        return r < 0 ? new Entry(null, null, -1) : new Entry(null, of, (int) (index + r));
    }

    /** The Reshape keeps dimensions 0..k of its input (copied by a 0 or by a Shape read of that input). */
    private static boolean keepsPrefix(GraphEdit g, Node reshape, int k) {
        if (reshape.attributes().getInt("allowzero", 0) != 0) return false;
        List<Entry> e = shapeEntries(g, reshape.input(1));
        if (e == null || e.size() <= k) return false;
        String x = reshape.input(0);
        for (int i = 0; i <= k; i++) {
            Entry en = e.get(i);
            boolean copy = en.value != null && en.value == 0;
            boolean read = en.of != null && en.of.equals(x) && en.index == i;
            if (!copy && !read) return false;
        }
        return true;
    }

    /** The shape entry is provably the map's channel count. */
    private static boolean isChannels(Context ctx, Entry e, int depth) {
        if (e.value != null) return e.value == ctx.a.channels();
        return e.of != null && hasChannels(ctx, e.of, e.index, depth);
    }

    /** Dimension {@code axis} of {@code v} is provably the map's channel count. */
    private static boolean hasChannels(Context ctx, String v, int axis, int depth) {
        if (depth > 12 || axis < 0) return false;
        GraphEdit g = ctx.g;
        Site s = ctx.region.get(v);
        if (s != null) return s.axis == axis;
        if (v.equals(ctx.a.in)) return axis == ctx.a.axis;
        Node p = g.producer(v);
        if (p == null || !p.domain().isEmpty()) return false;
        switch (p.opType()) {
            case "Transpose": {
                long[] perm = p.attributes().getInts("perm");
                return perm != null && axis < perm.length && hasChannels(ctx, p.input(0), (int) perm[axis], depth + 1);
            }
            case "MatMul": {
                Tensor w = g.constant(p.input(1));
                int r = rank(g, v);
                return w != null && w.rank() == 2 && r >= 2 && axis == r - 1 && w.dim(1) == ctx.a.channels();
            }
            case "Add": case "Sub": case "Mul": case "Div": {
                // Broadcasting: an output dimension equals every input's aligned dimension that is not 1.
                int r = rank(g, v);
                if (r < 0 || ctx.a.channels() < 2) return false;
                for (String in : p.inputs()) {
                    int ri = rank(g, in);
                    int ai = axis - (r - ri);
                    if (ri >= 0 && ai >= 0 && hasChannels(ctx, in, ai, depth + 1)) return true;
                }
                return false;
            }
            case "Relu": case "Erf":
                return hasChannels(ctx, p.input(0), axis, depth + 1);
            default:
                return false;
        }
    }
}
