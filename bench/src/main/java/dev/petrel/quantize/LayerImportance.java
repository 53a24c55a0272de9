package dev.petrel.quantize;

import dev.petrel.DType;
import dev.petrel.Model;
import dev.petrel.ModelFormatException;
import dev.petrel.Session;
import dev.petrel.Tensor;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.graph.ValueInfo;
import dev.petrel.optimize.GraphOptimizer;
import dev.petrel.optimize.Pass;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Finds the transformer blocks of an fp32 ONNX graph and scores them with LIM (layer input
 * modification, Dumitru et al. 2024, papers.md §4.6): {@code LIM_i = 1 − cos(h_in, h_out)} between the
 * residual-stream hidden state entering block i and the one leaving it, per token, averaged over the
 * tokens of all calibration samples. Higher = the block changes the stream more = more important.
 *
 * <h2>Detection rule</h2>
 * <ol>
 *   <li>Elementary layer normalizations (opset ≤ 16 exports) are fused first with the engine's
 *       {@code layernorm-fusion} pass, so a normalization is one node.</li>
 *   <li>A <em>residual Add</em> is an {@code Add} of two run-time values {@code x} and {@code y} where
 *       {@code x} is an ancestor of {@code y} and some node on a path from {@code x} to {@code y} is a
 *       MatMul/Gemm with a constant weight: {@code y = x + f(x)} with a learned {@code f}. (GELU's
 *       {@code x + 0.044715·x³} and attention-mask adds fail this test.)</li>
 *   <li>Residual Adds are chained: Add B follows Add A when B's skip input {@code x} is A's output
 *       (pre-LN, GPT-2) or the output of a normalization node reading A's output (post-LN, BERT). The
 *       longest chain is the residual stream; its states are the first Add's skip input, each following
 *       Add's skip input and, at the end, the last Add's output (post-LN: that output's normalization).</li>
 *   <li>Each Add closes a sub-layer (the nodes on paths from the state before to the Add). A sub-layer
 *       holding a {@code Softmax} (or a fused attention operator) opens a new block; the sub-layers after
 *       it (MLP) join that block. A model without attention gets one block per sub-layer.</li>
 *   <li>Each MatMul/Gemm whose weight is an initializer (directly or through Transpose, Reshape, Cast,
 *       Identity, Squeeze, Unsqueeze of one) belongs to the block whose sub-layer holds it; weights that
 *       run before the first state form the {@code embedding} group, after the last state the
 *       {@code head} group, elsewhere {@code other}. A weight read by several nodes counts once.</li>
 * </ol>
 * Detection fails with a {@link ModelFormatException} when no chain of at least two residual Adds exists.
 */
public final class LayerImportance {
    private static final Set<String> NORMS = Set.of("LayerNormalization", "SimplifiedLayerNormalization",
            "RMSNormalization", "SkipLayerNormalization", "SkipSimplifiedLayerNormalization");
    private static final Set<String> ATTENTION = Set.of("Softmax", "Attention", "MultiHeadAttention",
            "GroupQueryAttention", "SimplifiedLinearAttention");
    private static final Set<String> WEIGHT_PASSTHROUGH = Set.of("Transpose", "Reshape", "Cast", "Identity",
            "Squeeze", "Unsqueeze");

    private LayerImportance() {}

    /**
     * The residual stream and weight groups of a graph.
     *
     * @param graph     the graph the structure refers to (the input with normalizations fused)
     * @param postNorm  true when a normalization sits between consecutive residual Adds (BERT)
     * @param states    residual states in order (value names); block i runs from one of them to a later one
     * @param groups    blocks first (input side first), then embedding, head and other groups that have weights;
     *                  lim/cosine are NaN until {@link #score} fills them in
     */
    public record Structure(Graph graph, boolean postNorm, List<String> states, List<LayerScore> groups) {
        public List<LayerScore> blocks() {
            List<LayerScore> b = new ArrayList<>();
            for (LayerScore g : groups) if (g.kind() == LayerScore.Kind.BLOCK) b.add(g);
            return b;
        }

        /** One line per group: name, states, weights, parameters. */
        public String describe() {
            StringBuilder sb = new StringBuilder();
            sb.append(postNorm ? "post-norm" : "pre-norm").append(" residual stream, ").append(blocks().size())
                    .append(" blocks, ").append(states.size()).append(" residual states\n");
            for (LayerScore g : groups) {
                sb.append(String.format(Locale.ROOT, "  %-10s %10d params  %s%n", g.name(), g.params(),
                        g.kind() == LayerScore.Kind.BLOCK ? g.inState() + " -> " + g.outState() : ""));
                for (LayerScore.Weight w : g.weights()) {
                    sb.append(String.format(Locale.ROOT, "      %-60s %9d (K=%d)%n", w.name(), w.params(), w.k()));
                }
            }
            return sb.toString();
        }
    }

    /** Finds the residual stream, the blocks and their weights (no model run). */
    public static Structure detect(Graph fp32) {
        Graph g = fuseNorms(fp32);
        Index ix = new Index(g);
        List<Node> nodes = g.nodes();

        // Residual Adds: y = x + f(x) with a learned f.
        List<int[]> candidates = new ArrayList<>(); // {node index, skip input position}
        Map<String, BitSet> descendants = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            if (!n.opType().equals("Add") || !n.domain().isEmpty() || n.inputs().size() != 2) continue;
            String a = n.input(0), b = n.input(1);
            if (ix.isConstant(a) || ix.isConstant(b) || a.equals(b)) continue;
            for (int skip = 0; skip < 2; skip++) {
                String x = n.input(skip), y = n.input(1 - skip);
                BitSet region = (BitSet) descendants.computeIfAbsent(x, ix::descendants).clone();
                region.and(ix.ancestors(y));
                if (ix.hasWeightedMatMul(region)) {
                    candidates.add(new int[] {i, skip});
                    break;
                }
            }
        }

        // The longest chain of residual Adds, linked directly (pre-norm) or through one normalization (post-norm).
        int c = candidates.size();
        int[] best = new int[c], prev = new int[c];
        boolean[] viaNorm = new boolean[c];
        int end = -1;
        for (int j = 0; j < c; j++) {
            best[j] = 1;
            prev[j] = -1;
            Node add = nodes.get(candidates.get(j)[0]);
            String skip = add.input(candidates.get(j)[1]);
            for (int p = 0; p < j; p++) {
                String out = nodes.get(candidates.get(p)[0]).outputs().get(0);
                boolean direct = skip.equals(out);
                boolean normed = !direct && out.equals(ix.normInputOf(skip));
                if ((direct || normed) && best[p] + 1 > best[j]) {
                    best[j] = best[p] + 1;
                    prev[j] = p;
                    viaNorm[j] = normed;
                }
            }
            if (end < 0 || best[j] > best[end]) end = j;
        }
        if (end < 0 || best[end] < 2) {
            throw new ModelFormatException("no transformer layer structure found in graph '" + g.name() + "': "
                    + (candidates.isEmpty() ? "no residual Add (x + f(x) with a MatMul weight in f)"
                    : "no chain of two residual Adds (longest: " + (end < 0 ? 0 : best[end]) + ")")
                    + "; LayerImportance needs a residual stream (see its detection rule)");
        }
        List<Integer> chain = new ArrayList<>();
        for (int j = end; j >= 0; j = prev[j]) chain.add(0, j);
        int normLinks = 0;
        for (int k = 1; k < chain.size(); k++) if (viaNorm[chain.get(k)]) normLinks++;
        boolean postNorm = normLinks * 2 > chain.size() - 1;

        // Residual states: before each Add (its skip input), and after the last one.
        List<String> states = new ArrayList<>();
        List<Node> adds = new ArrayList<>();
        for (int j : chain) {
            Node add = nodes.get(candidates.get(j)[0]);
            adds.add(add);
            states.add(add.input(candidates.get(j)[1]));
        }
        String lastOut = adds.get(adds.size() - 1).outputs().get(0);
        String finalState = lastOut;
        if (postNorm) {
            List<Node> cs = ix.consumers(lastOut);
            if (cs.size() == 1 && NORMS.contains(cs.get(0).opType()) && cs.get(0).input(0).equals(lastOut)) {
                finalState = cs.get(0).outputs().get(0);
            }
        }
        states.add(finalState);

        // Sub-layers and blocks.
        int subs = adds.size();
        BitSet[] regions = new BitSet[subs];
        boolean[] attention = new boolean[subs];
        boolean anyAttention = false;
        for (int k = 0; k < subs; k++) {
            BitSet r = (BitSet) descendants.computeIfAbsent(states.get(k), ix::descendants).clone();
            r.and(ix.ancestors(adds.get(k).outputs().get(0)));
            regions[k] = r;
            for (int i = r.nextSetBit(0); i >= 0; i = r.nextSetBit(i + 1)) {
                if (ATTENTION.contains(nodes.get(i).opType())) attention[k] = true;
            }
            anyAttention |= attention[k];
        }
        List<int[]> blockSubs = new ArrayList<>(); // {first sub-layer, last sub-layer}
        for (int k = 0; k < subs; k++) {
            if (blockSubs.isEmpty() || !anyAttention || attention[k]) blockSubs.add(new int[] {k, k});
            else blockSubs.get(blockSubs.size() - 1)[1] = k;
        }

        // Weights per group.
        int blocks = blockSubs.size();
        List<Map<String, LayerScore.Weight>> blockWeights = new ArrayList<>();
        for (int b = 0; b < blocks; b++) blockWeights.add(new LinkedHashMap<>());
        Map<String, LayerScore.Weight> embedding = new LinkedHashMap<>(), head = new LinkedHashMap<>(), other = new LinkedHashMap<>();
        BitSet beforeFirst = ix.ancestors(states.get(0));
        BitSet afterLast = descendants.computeIfAbsent(finalState, ix::descendants);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < nodes.size(); i++) {
            LayerScore.Weight w = ix.weightOf(i);
            if (w == null || !seen.add(w.name())) continue;
            Map<String, LayerScore.Weight> target = null;
            for (int b = 0; b < blocks && target == null; b++) {
                for (int k = blockSubs.get(b)[0]; k <= blockSubs.get(b)[1]; k++) {
                    if (regions[k].get(i)) target = blockWeights.get(b);
                }
            }
            if (target == null) target = beforeFirst.get(i) ? embedding : afterLast.get(i) ? head : other;
            target.put(w.name(), w);
        }
        List<LayerScore> groups = new ArrayList<>();
        for (int b = 0; b < blocks; b++) {
            String in = states.get(blockSubs.get(b)[0]), out = states.get(blockSubs.get(b)[1] + 1);
            groups.add(new LayerScore("block " + b, LayerScore.Kind.BLOCK, b, Double.NaN, Double.NaN, in, out,
                    new ArrayList<>(blockWeights.get(b).values())));
        }
        if (!embedding.isEmpty()) groups.add(unscored("embedding", LayerScore.Kind.EMBEDDING, embedding));
        if (!head.isEmpty()) groups.add(unscored("head", LayerScore.Kind.HEAD, head));
        if (!other.isEmpty()) groups.add(unscored("other", LayerScore.Kind.OTHER, other));
        return new Structure(g, postNorm, states, groups);
    }

    private static LayerScore unscored(String name, LayerScore.Kind kind, Map<String, LayerScore.Weight> weights) {
        return new LayerScore(name, kind, -1, Double.NaN, Double.NaN, null, null, new ArrayList<>(weights.values()));
    }

    /** Detects the structure, runs the calibration samples and scores every block with LIM. */
    public static List<LayerScore> score(Graph fp32, List<Map<String, Tensor>> calibration) {
        return score(detect(fp32), calibration);
    }

    /**
     * Runs the calibration samples (each a map of graph inputs; an {@code attention_mask} input of one
     * entry per token excludes the tokens where it is 0) through a copy of the graph that also outputs the
     * residual states, and scores every block.
     */
    public static List<LayerScore> score(Structure structure, List<Map<String, Tensor>> calibration) {
        if (calibration.isEmpty()) throw new IllegalArgumentException("LIM needs at least one calibration sample");
        List<LayerScore> blocks = structure.blocks();
        List<String> wanted = new ArrayList<>();
        for (LayerScore b : blocks) {
            if (!wanted.contains(b.inState())) wanted.add(b.inState());
            if (!wanted.contains(b.outState())) wanted.add(b.outState());
        }
        Graph probe = GraphVariants.withOutputs(structure.graph(), wanted);
        Model model = Model.of(GraphOptimizer.optimize(probe, Model.registry()));
        double[] cosSum = new double[blocks.size()];
        long[] tokens = new long[blocks.size()];
        try (Session session = model.newSession()) {
            for (Map<String, Tensor> sample : calibration) {
                Map<String, Tensor> out = session.run(sample);
                Tensor mask = sample.get("attention_mask");
                for (int b = 0; b < blocks.size(); b++) {
                    Tensor in = out.get(blocks.get(b).inState()), o = out.get(blocks.get(b).outState());
                    double[] r = tokenCosines(in, o, mask);
                    cosSum[b] += r[0];
                    tokens[b] += (long) r[1];
                }
            }
        }
        List<LayerScore> scored = new ArrayList<>();
        int b = 0;
        for (LayerScore g : structure.groups()) {
            if (g.kind() == LayerScore.Kind.BLOCK) {
                if (tokens[b] == 0) throw new IllegalArgumentException("the calibration samples have no unmasked token");
                scored.add(g.withScore(cosSum[b] / tokens[b]));
                b++;
            } else {
                scored.add(g);
            }
        }
        return scored;
    }

    /** {sum of per-token cosines over the last axis, token count}, skipping tokens whose mask entry is 0. */
    static double[] tokenCosines(Tensor a, Tensor b, Tensor mask) {
        if (a.size() != b.size() || a.rank() == 0) {
            throw new IllegalArgumentException("residual states differ in shape: " + a.describe() + " vs " + b.describe());
        }
        int d = a.dim(a.rank() - 1);
        int n = a.size() / d;
        boolean useMask = mask != null && mask.size() == n;
        double sum = 0;
        long count = 0;
        for (int t = 0; t < n; t++) {
            if (useMask && mask.longs().get(t) == 0) continue;
            double dot = 0, na = 0, nb = 0;
            for (int k = 0; k < d; k++) {
                double x = a.floats().get(t * d + k), y = b.floats().get(t * d + k);
                dot += x * y;
                na += x * x;
                nb += y * y;
            }
            sum += dot / Math.max(Math.sqrt(na * nb), 1e-30);
            count++;
        }
        return new double[] {sum, count};
    }

    /** The per-layer table: group, parameters, mean cosine, LIM and the rank by LIM (0 = least important). */
    public static String table(List<LayerScore> scores) {
        List<LayerScore> blocks = new ArrayList<>();
        for (LayerScore s : scores) if (s.scored()) blocks.add(s);
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-10s %10s %10s %9s %5s%n", "layer", "params", "cos", "LIM", "rank"));
        for (LayerScore s : scores) {
            if (s.scored()) {
                int rank = 0;
                for (LayerScore o : blocks) if (o.lim() < s.lim() || (o.lim() == s.lim() && o.block() < s.block())) rank++;
                sb.append(String.format(Locale.ROOT, "%-10s %10d %10.6f %9.6f %5d%n", s.name(), s.params(), s.cosine(), s.lim(), rank));
            } else {
                sb.append(String.format(Locale.ROOT, "%-10s %10d %10s %9s %5s%n", s.name(), s.params(), "-", "-", "-"));
            }
        }
        return sb.toString();
    }

    /** Fuses elementary layer normalizations so that the residual chain sees one node per normalization. */
    static Graph fuseNorms(Graph g) {
        List<Pass> passes = new ArrayList<>();
        for (Pass p : GraphOptimizer.standard().passes()) if (p.name().equals("layernorm-fusion")) passes.add(p);
        return new GraphOptimizer(passes).run(g, Model.registry()).graph();
    }

    /** Producers, consumers, constants and reachability over one graph. */
    private static final class Index {
        private final Graph g;
        private final List<Node> nodes;
        private final Map<String, Integer> producer = new HashMap<>();
        private final Map<String, List<Integer>> consumers = new HashMap<>();
        private final Set<String> inputs = new HashSet<>();

        Index(Graph g) {
            this.g = g;
            this.nodes = g.nodes();
            for (ValueInfo v : g.inputs()) inputs.add(v.name());
            for (int i = 0; i < nodes.size(); i++) {
                for (String o : nodes.get(i).outputs()) if (!o.isEmpty()) producer.put(o, i);
                for (String in : nodes.get(i).inputs()) {
                    if (!in.isEmpty()) consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(i);
                }
            }
        }

        boolean isConstant(String v) {
            return !inputs.contains(v) && g.initializers().containsKey(v);
        }

        List<Node> consumers(String v) {
            List<Node> r = new ArrayList<>();
            for (int i : consumers.getOrDefault(v, List.of())) r.add(nodes.get(i));
            return r;
        }

        /** The input of the normalization node producing {@code v}, or null when v comes from no normalization. */
        String normInputOf(String v) {
            Integer p = producer.get(v);
            if (p == null) return null;
            Node n = nodes.get(p);
            return NORMS.contains(n.opType()) ? n.input(0) : null;
        }

        /** Nodes reading {@code v}, directly or through other nodes. */
        BitSet descendants(String v) {
            BitSet seen = new BitSet(nodes.size());
            ArrayDeque<String> work = new ArrayDeque<>();
            work.add(v);
            while (!work.isEmpty()) {
                for (int i : consumers.getOrDefault(work.poll(), List.of())) {
                    if (seen.get(i)) continue;
                    seen.set(i);
                    for (String o : nodes.get(i).outputs()) if (!o.isEmpty()) work.add(o);
                }
            }
            return seen;
        }

        /** Nodes {@code v} depends on, its producer included. */
        BitSet ancestors(String v) {
            BitSet seen = new BitSet(nodes.size());
            ArrayDeque<String> work = new ArrayDeque<>();
            work.add(v);
            while (!work.isEmpty()) {
                Integer p = producer.get(work.poll());
                if (p == null || seen.get(p)) continue;
                seen.set(p);
                for (String in : nodes.get(p).inputs()) if (!in.isEmpty()) work.add(in);
            }
            return seen;
        }

        boolean hasWeightedMatMul(BitSet region) {
            for (int i = region.nextSetBit(0); i >= 0; i = region.nextSetBit(i + 1)) {
                if (weightOf(i) != null) return true;
            }
            return false;
        }

        /** The constant weight of a MatMul/Gemm node, or null when the node is none or multiplies run-time values. */
        LayerScore.Weight weightOf(int i) {
            Node n = nodes.get(i);
            boolean gemm = n.opType().equals("Gemm");
            if (!n.domain().isEmpty() || !(gemm || n.opType().equals("MatMul"))) return null;
            for (int pos = 1; pos >= 0; pos--) {
                String v = n.input(pos);
                boolean transposed = false;
                while (!isConstant(v)) {
                    Integer p = producer.get(v);
                    if (p == null) break;
                    Node src = nodes.get(p);
                    if (!WEIGHT_PASSTHROUGH.contains(src.opType())) break;
                    for (int j = 1; j < src.inputs().size(); j++) {
                        if (!src.input(j).isEmpty() && !isConstant(src.input(j))) return null;
                    }
                    if (src.opType().equals("Transpose")) transposed = !transposed;
                    v = src.input(0);
                }
                if (!isConstant(v)) continue;
                Tensor t = g.initializers().get(v);
                if (t.rank() < 2 || t.dtype() != DType.FLOAT) return null;
                int rows = t.dim(t.rank() - 2), cols = t.dim(t.rank() - 1);
                // As the node sees it: MatMul B is [K, N]; A (pos 0) is [M, K]; Gemm flips with transA/transB.
                boolean flip = transposed;
                if (gemm) flip ^= n.attributes().getInt(pos == 1 ? "transB" : "transA", 0) != 0;
                int k = pos == 1 ? (flip ? cols : rows) : (flip ? rows : cols);
                return new LayerScore.Weight(v, t.size(), k);
            }
            return null;
        }
    }
}
