package dev.petrel.quantize;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.graph.ValueInfo;
import dev.petrel.ops.quant.Bnb4Format;
import dev.petrel.ops.quant.Q4Block;
import dev.petrel.ops.quant.Q8Block;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Rewrites the constant fp32 weights of MatMul and Gemm nodes into formats that both Petrel and ONNX
 * Runtime run, as standard ONNX plus ONNX Runtime's {@code com.microsoft} contrib operators:
 *
 * <ul>
 *   <li>INT8: the weight becomes an int8 initializer read through {@code DequantizeLinear} (QDQ), whose
 *       output keeps the weight's name, so every consumer is unchanged.
 *   <li>Q4: each MatMul {@code A·B} (B a constant [K, N]) and each Gemm {@code A·B (+C)} (transA=0,
 *       alpha=beta=1) becomes {@code MatMulNBits} over the [N, K] weight, a Gemm's 1-D bias as its
 *       {@code bias} input and any other bias as an Add.
 *   <li>Q8: the same with bits=8.
 *   <li>NF4/FP4: the same products become {@code MatMulBnb4} (no bias input: a Gemm's C is an Add).
 * </ul>
 *
 * <p>A weight is quantized only when every reader is such a product, it has at least {@link #minSize}
 * elements, and the format function returns a format for its name; a weight also read by anything else
 * (an Add, a graph output, a Gather unless {@link #embeddings} is on) stays fp32. One exception: a
 * MatMul that reads the weight through a {@code Transpose} (GPT-2's lm_head over the tied embedding
 * table) gets a quantized copy of its own, the fp32 table staying for its other readers. A weight shared
 * by several products is quantized once and its initializers are shared. MatMul and Gemm nodes inside
 * If/Loop/Scan bodies are handled too; the quantized initializers go to the graph that owned the fp32
 * weight.
 *
 * <p>Petrel runs the int8 form by dequantizing each weight at every run (a DequantizeLinear over a
 * constant is not folded at load: it would quadruple the memory), the 4-bit forms with its
 * MatMulNBits/MatMulBnb4 kernels, which decode blocks on the fly.
 *
 * <pre>{@code
 * Graph g = Model.readGraph(path);
 * WeightQuantizer.Result r = new WeightQuantizer().quantize(g, name -> QuantFormat.of(QuantFormat.Kind.Q4));
 * new OnnxModelWriter().write(r.graph(), out);
 * }</pre>
 */
public final class WeightQuantizer {
    /** Weights smaller than this stay fp32 unless {@link #minSize(int)} says otherwise. */
    public static final int DEFAULT_MIN_SIZE = 4096;
    private static final String MS = "com.microsoft";

    /** Told after each weight is processed. */
    public interface Progress {
        void update(int done, int total, String weight);
    }

    private int minSize = DEFAULT_MIN_SIZE;
    private boolean embeddings;
    private Progress progress = (done, total, weight) -> { };

    /**
     * Also quantize embedding tables (a Gather over a constant fp32 [V, D] table, axis 0) to int8 with
     * one scale per row, as {@code Mul(Cast(Gather(table_q, ids), FLOAT), Gather(scales[V, 1], ids))}:
     * only the gathered rows are dequantized, at run time, so no engine folds the table back to fp32.
     * A table tied to an lm_head MatMul then leaves no fp32 copy behind.
     */
    public WeightQuantizer embeddings(boolean on) {
        this.embeddings = on;
        return this;
    }

    public WeightQuantizer minSize(int elements) {
        this.minSize = elements;
        return this;
    }

    public WeightQuantizer progress(Progress p) {
        this.progress = p == null ? (done, total, weight) -> { } : p;
        return this;
    }

    /** What happened to one weight (a MatMul/Gemm B, or an embedding table). */
    /**
     * @param bytesAfter the weight's bytes in the written model: its quantized initializers, plus the fp32
     *                   original when other readers keep it
     * @param quantizedBytes the quantized initializers alone (codes, scales, zero points)
     */
    public record WeightReport(String name, int[] dims, long elements, QuantFormat format, String keptBecause,
                               long bytesBefore, long bytesAfter, long quantizedBytes, String note) {
        public boolean quantized() {
            return format != null;
        }

        /** The format's label, "int8/row" for an embedding table read only by Gathers, "fp32" when kept. */
        public String formatLabel() {
            if (format == null) return "fp32";
            if (note != null && note.startsWith("embedding table") && !note.contains("MatMul")) return "int8/row";
            return format.label();
        }
    }

    /** The rewritten graph and one report per MatMul/Gemm weight. */
    public record Result(Graph graph, List<WeightReport> weights) {
        /** Number of weights per format label, "fp32" for those kept. */
        public Map<String, Integer> countsByFormat() {
            Map<String, Integer> m = new LinkedHashMap<>();
            for (WeightReport w : weights) m.merge(w.formatLabel(), 1, Integer::sum);
            return m;
        }

        /** Bits per weight of the quantized weights, codes plus scales and zero points. */
        public double quantizedBitsPerWeight() {
            long bytes = 0;
            long n = 0;
            for (WeightReport w : weights) {
                if (!w.quantized()) continue;
                bytes += w.quantizedBytes();
                n += w.elements();
            }
            return n == 0 ? 0 : 8.0 * bytes / n;
        }

        /** Bits per weight over all MatMul/Gemm weights (the kept ones count 32). */
        public double allBitsPerWeight() {
            long bytes = 0;
            long n = 0;
            for (WeightReport w : weights) {
                bytes += w.bytesAfter();
                n += w.elements();
            }
            return n == 0 ? 0 : 8.0 * bytes / n;
        }
    }

    /** A MatMul/Gemm weight of the graph, before any format is chosen (for precision planners). */
    public record Candidate(String name, int[] dims, long elements, String notQuantizableBecause) {}

    /** Every initializer read as B by a MatMul or Gemm (or as an embedding table when that is on), in the whole graph tree, with why it cannot be quantized (or null). */
    public List<Candidate> candidates(Graph graph) {
        Scan scan = new Scan(embeddings);
        scan.graph(graph, Map.of());
        List<Candidate> out = new ArrayList<>();
        for (Site s : scan.sites) {
            if (!s.relevant()) continue;
            out.add(new Candidate(s.name, s.tensor.dims(), s.tensor.size(), s.blocker(null, minSize)));
        }
        return out;
    }

    /** Quantizes every eligible weight to {@code format}. */
    public Result quantize(Graph graph, QuantFormat format) {
        return quantize(graph, name -> format);
    }

    /**
     * Quantizes each eligible weight to {@code formatOf.apply(initializerName)}; null keeps it fp32.
     * The function is asked only about weights that are structurally quantizable and large enough.
     */
    public Result quantize(Graph graph, Function<String, QuantFormat> formatOf) {
        Scan scan = new Scan(embeddings);
        scan.graph(graph, Map.of());
        Rewrite rw = new Rewrite(scan.names);
        List<WeightReport> reports = new ArrayList<>();
        List<Site> product = new ArrayList<>();
        for (Site s : scan.sites) if (s.relevant()) product.add(s);
        int done = 0;
        for (Site s : product) {
            String blocker = s.blocker(null, minSize);
            QuantFormat f = null;
            if (blocker == null) {
                f = formatOf.apply(s.name);
                if (f == null) blocker = "kept fp32 by the format plan";
                else blocker = s.blocker(f, minSize);
            }
            long before = 4L * s.tensor.size();
            if (blocker != null) {
                reports.add(new WeightReport(s.name, s.tensor.dims(), s.tensor.size(), null, blocker, before, before, 0, null));
            } else {
                if (f.kind() == QuantFormat.Kind.INT8 && f.perChannel() && s.graph.opsets().getOrDefault("", 1) < 13) {
                    f = QuantFormat.int8(false);
                }
                long quantizedBytes = rw.apply(s, f);
                long after = quantizedBytes;
                String note = null;
                if (s.hasEmbeddingUse() && s.otherReader == null) {
                    note = "embedding table: int8 per row, dequantized after the Gather"
                            + (s.isProductWeight() ? "; " + f.label() + " for its MatMul readers" : "");
                    if (!s.isProductWeight()) f = QuantFormat.int8(true);
                }
                if (s.otherReader != null) {
                    after += before;
                    note = "quantized copy for the MatMul reading it through a Transpose; fp32 kept for " + s.otherReader;
                }
                reports.add(new WeightReport(s.name, s.tensor.dims(), s.tensor.size(), f, null, before, after, quantizedBytes, note));
            }
            progress.update(++done, product.size(), s.name);
        }
        return new Result(rw.rebuild(graph), reports);
    }

    // ------------------------------------------------------------------ scanning

    /** One reader of a weight. */
    private static final class Use {
        final Node node;
        final int input;
        /** The Gemm's C when it is a 1-D fp32 constant, else null. */
        final Tensor gemmBias;
        /** The Transpose between the weight and this MatMul (a tied embedding's lm_head), or null. */
        final Node via;

        Use(Node node, int input, Tensor gemmBias, Node via) {
            this.node = node;
            this.input = input;
            this.gemmBias = gemmBias;
            this.via = via;
        }

        boolean isMatMulB() {
            return input == 1 && node.domain().isEmpty() && node.opType().equals("MatMul");
        }

        /** input 0 (the table) of a Gather along axis 0. */
        boolean isEmbeddingGather() {
            return input == 0 && node.domain().isEmpty() && node.opType().equals("Gather") && node.attributes().getInt("axis", 0) == 0;
        }

        boolean isGemmB() {
            return input == 1 && node.domain().isEmpty() && node.opType().equals("Gemm");
        }

        /** True when the stored weight is [N, K] for this reader (Gemm transB=1, or a MatMul after a Transpose). */
        boolean transposed() {
            return via != null || isGemmB() && node.attributes().getInt("transB", 0) != 0;
        }

        /** Why a 4-bit product cannot replace this reader, or null. */
        String fourBitBlocker() {
            if (isMatMulB()) return null;
            Attributes a = node.attributes();
            if (a.getInt("transA", 0) != 0) return "Gemm '" + node.name() + "' has transA=1";
            if (a.getFloat("alpha", 1f) != 1f) return "Gemm '" + node.name() + "' has alpha != 1";
            if (!node.input(2).isEmpty() && a.getFloat("beta", 1f) != 1f) return "Gemm '" + node.name() + "' has beta != 1";
            return null;
        }
    }

    /** An initializer and its readers. */
    private static final class Site {
        final Graph graph;
        final String name;
        final Tensor tensor;
        final List<Use> uses = new ArrayList<>();
        /** A reader that is not a product (or a Transpose whose output has one): the fp32 weight must stay. */
        String otherReader;
        /** Transposes of this weight whose output something other than a MatMul B reads: they stay. */
        final Set<Node> taintedVias = java.util.Collections.newSetFromMap(new IdentityHashMap<>());

        Site(Graph graph, String name, Tensor tensor) {
            this.graph = graph;
            this.name = name;
            this.tensor = tensor;
        }

        boolean isProductWeight() {
            for (Use u : uses) if (u.isMatMulB() || u.isGemmB()) return true;
            return false;
        }

        /** Read by Gathers that are quantized as embeddings (only recorded as uses when that is on). */
        boolean hasEmbeddingUse() {
            for (Use u : uses) if (u.isEmbeddingGather()) return true;
            return false;
        }

        boolean relevant() {
            return isProductWeight() || hasEmbeddingUse() && otherReader == null;
        }

        /** The product readers that get quantized: all of them, or only those through a Transpose when the fp32 weight stays. */
        List<Use> quantizedUses() {
            if (otherReader == null) return uses;
            List<Use> r = new ArrayList<>();
            for (Use u : uses) if (u.via != null && !taintedVias.contains(u.via)) r.add(u);
            return r;
        }

        String blocker(QuantFormat f, int minSize) {
            if (otherReader != null && quantizedUses().isEmpty()) return "also read by " + otherReader;
            if (tensor.dtype() != DType.FLOAT) return "type " + tensor.dtype() + ", not FLOAT";
            if (tensor.rank() != 2) return "rank " + tensor.rank() + ", not 2";
            if (tensor.size() < minSize) return "fewer than " + minSize + " elements";
            if (f != null && f.kind() == QuantFormat.Kind.INT8 && graph.opsets().getOrDefault("", 1) < 10) {
                for (Use u : quantizedUses()) {
                    if (!u.isEmbeddingGather()) return "int8 needs DequantizeLinear (opset 10), the model imports opset " + graph.opsets().getOrDefault("", 1);
                }
            }
            if (f != null && f.kind() != QuantFormat.Kind.INT8) {
                for (Use u : quantizedUses()) {
                    if (u.isEmbeddingGather()) continue;
                    String b = u.fourBitBlocker();
                    if (b != null) return b;
                }
            }
            return null;
        }
    }

    /** The output of {@code Transpose(weight)} (2-D, perm absent or [1, 0]). */
    private static final class Via {
        final Site site;
        final Node transpose;

        Via(Site site, Node transpose) {
            this.site = site;
            this.transpose = transpose;
        }
    }

    private static final class Scan {
        final List<Site> sites = new ArrayList<>();
        final Set<String> names = new HashSet<>();
        final boolean embeddings;

        Scan(boolean embeddings) {
            this.embeddings = embeddings;
        }

        /** scope values: a Site (an initializer), a Via (its transpose), or null (any other value). */
        void graph(Graph g, Map<String, Object> outer) {
            Map<String, Object> scope = new HashMap<>(outer);
            Set<String> inputNames = new HashSet<>();
            for (ValueInfo v : g.inputs()) {
                inputNames.add(v.name());
                scope.put(v.name(), null);
                names.add(v.name());
            }
            for (Map.Entry<String, Tensor> e : g.initializers().entrySet()) {
                names.add(e.getKey());
                // An initializer that is also a graph input is a default the caller may override: not a constant.
                if (inputNames.contains(e.getKey())) continue;
                Site s = new Site(g, e.getKey(), e.getValue());
                sites.add(s);
                scope.put(e.getKey(), s);
            }
            for (Node n : g.nodes()) {
                for (String out : n.outputs()) {
                    if (out.isEmpty()) continue;
                    scope.put(out, null);
                    names.add(out);
                }
            }
            for (Node n : g.nodes()) {
                if (isPlainTranspose(n) && scope.get(n.input(0)) instanceof Site) {
                    Site s = (Site) scope.get(n.input(0));
                    if (s.tensor.rank() == 2) {
                        scope.put(n.outputs().get(0), new Via(s, n));
                        continue;
                    }
                }
                for (int i = 0; i < n.inputs().size(); i++) {
                    Object o = scope.get(n.input(i));
                    if (o instanceof Via) {
                        Via v = (Via) o;
                        Use u = new Use(n, i, null, v.transpose);
                        if (u.isMatMulB()) {
                            v.site.uses.add(u);
                        } else {
                            v.site.taintedVias.add(v.transpose);
                            if (v.site.otherReader == null) {
                                v.site.otherReader = n.opType() + " '" + n.name() + "' (through Transpose '" + v.transpose.name() + "')";
                            }
                        }
                        continue;
                    }
                    if (!(o instanceof Site)) continue;
                    Site s = (Site) o;
                    Tensor bias = null;
                    if (i == 1 && n.opType().equals("Gemm") && n.domain().isEmpty() && !n.input(2).isEmpty()) {
                        Object c = scope.get(n.input(2));
                        if (c instanceof Site && ((Site) c).tensor.dtype() == DType.FLOAT && ((Site) c).tensor.rank() == 1) {
                            bias = ((Site) c).tensor;
                        }
                    }
                    Use u = new Use(n, i, bias, null);
                    boolean embedding = embeddings && u.isEmbeddingGather() && s.tensor.rank() == 2;
                    if (embedding || u.isMatMulB() || u.isGemmB()) s.uses.add(u);
                    if (!u.isMatMulB() && !u.isGemmB() && !embedding && s.otherReader == null) {
                        s.otherReader = n.opType() + " '" + n.name() + "' (input " + i + ")";
                    }
                }
                for (Attribute a : n.attributes().all()) {
                    if (a.kind() == Attribute.Kind.GRAPH) graph((Graph) a.value(), scope);
                    if (a.kind() == Attribute.Kind.GRAPHS) for (Object sub : (List<?>) a.value()) graph((Graph) sub, scope);
                }
            }
            for (ValueInfo o : g.outputs()) {
                Object x = scope.get(o.name());
                Site s = x instanceof Site ? (Site) x : x instanceof Via ? ((Via) x).site : null;
                if (x instanceof Via) s.taintedVias.add(((Via) x).transpose);
                if (s != null && s.otherReader == null) s.otherReader = "the graph output '" + o.name() + "'";
            }
        }

        private static boolean isPlainTranspose(Node n) {
            if (!n.domain().isEmpty() || !n.opType().equals("Transpose") || n.outputs().size() != 1) return false;
            long[] perm = n.attributes().getInts("perm");
            return perm == null || (perm.length == 2 && perm[0] == 1 && perm[1] == 0);
        }
    }

    // ------------------------------------------------------------------ rewriting

    private static final class Rewrite {
        final Set<String> names;
        final Map<Graph, Map<String, Tensor>> added = new IdentityHashMap<>();
        final Map<Graph, Set<String>> removed = new IdentityHashMap<>();
        final Map<Graph, List<Node>> extraNodes = new IdentityHashMap<>();
        final Map<Node, List<Node>> replaced = new IdentityHashMap<>();
        /** Transposes of weights that no longer have readers. */
        final Set<Node> dropped = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        boolean contrib;

        Rewrite(Set<String> names) {
            this.names = names;
        }

        String fresh(String base) {
            String n = base;
            for (int i = 1; names.contains(n); i++) n = base + "_" + i;
            names.add(n);
            return n;
        }

        void addInitializer(Graph g, String name, Tensor t) {
            added.computeIfAbsent(g, k -> new LinkedHashMap<>()).put(name, t);
        }

        /** Rewrites one weight; returns the bytes of its new initializers. */
        long apply(Site s, QuantFormat f) {
            List<Use> uses = s.quantizedUses();
            if (s.otherReader == null) removed.computeIfAbsent(s.graph, k -> new HashSet<>()).add(s.name);
            for (Use u : uses) if (u.via != null) dropped.add(u.via);
            long bytes = 0;
            List<Use> products = new ArrayList<>();
            List<Use> gathers = new ArrayList<>();
            for (Use u : uses) (u.isEmbeddingGather() ? gathers : products).add(u);
            if (!gathers.isEmpty()) bytes += embedding(s, gathers);
            if (products.isEmpty()) return bytes;
            uses = products;
            if (f.kind() == QuantFormat.Kind.INT8) return bytes + int8(s, f, uses);
            contrib = true;
            Map<Boolean, String[]> byOrientation = new HashMap<>();
            for (Use u : uses) {
                boolean nk = u.transposed();
                String[] q = byOrientation.get(nk);
                if (q == null) {
                    q = new String[3];
                    bytes += fourBit(s, f, nk, q);
                    byOrientation.put(nk, q);
                }
                replaced.put(u.node, product(s, u, f, q));
            }
            return bytes;
        }

        /**
         * Readers of the weight itself keep reading its name, now the output of a DequantizeLinear; MatMuls
         * that read it through a Transpose read a DequantizeLinear of an int8 copy of the transposed weight.
         */
        private long int8(Site s, QuantFormat f, List<Use> uses) {
            float[] w = s.tensor.toFloatArray();
            int rows = s.tensor.dim(0);
            int cols = s.tensor.dim(1);
            long bytes = 0;
            Use direct = null;
            List<Use> viaUses = new ArrayList<>();
            for (Use u : uses) {
                if (u.via != null) viaUses.add(u);
                else if (direct == null) direct = u;
            }
            if (direct != null) {
                // Output channels: the columns of a MatMul/Gemm B [K, N], the rows of a Gemm transB=1 B [N, K].
                bytes += int8Copy(s, w, rows, cols, direct.transposed() ? 0 : 1, f.perChannel(), s.name, s.name);
            }
            if (!viaUses.isEmpty()) {
                float[] t = new float[w.length];
                for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) t[c * rows + r] = w[r * cols + c];
                String out = fresh(s.name + "_transposed_dequantized");
                bytes += int8Copy(s, t, cols, rows, 1, f.perChannel(), out, s.name + "_transposed");
                for (Use u : viaUses) {
                    Node n = u.node;
                    List<String> ins = new ArrayList<>(n.inputs());
                    ins.set(u.input, out);
                    replaced.put(n, List.of(new Node(n.name(), n.opType(), n.domain(), n.opsetVersion(), ins, n.outputs(), n.attributes())));
                }
            }
            return bytes;
        }

        /** The table as int8 rows with a scale each; every Gather becomes Gather, Cast, Gather of the scales, Mul. */
        private long embedding(Site s, List<Use> gathers) {
            float[] w = s.tensor.toFloatArray();
            int rows = s.tensor.dim(0);
            int cols = s.tensor.dim(1);
            float[] scale = new float[rows];
            byte[] q = new byte[w.length];
            for (int r = 0; r < rows; r++) {
                float amax = 0f;
                for (int c = 0; c < cols; c++) amax = Math.max(amax, Math.abs(w[r * cols + c]));
                float sc = amax / 127f;
                scale[r] = sc;
                for (int c = 0; c < cols; c++) {
                    double v = sc == 0f ? 0 : Math.rint(w[r * cols + c] / sc);
                    q[r * cols + c] = (byte) Math.max(-127, Math.min(127, v));
                }
            }
            String qName = fresh(s.name + "_rows_quantized");
            String sName = fresh(s.name + "_row_scales");
            addInitializer(s.graph, qName, Tensor.of(DType.INT8, q, rows, cols));
            addInitializer(s.graph, sName, Tensor.of(scale, rows, 1));
            for (Use u : gathers) {
                Node g = u.node;
                String ids = g.input(1);
                String out = g.outputs().get(0);
                int opset = g.opsetVersion();
                String gq = fresh(out + "_quantized");
                String gf = fresh(out + "_unscaled");
                String gs = fresh(out + "_scale");
                replaced.put(g, List.of(
                        new Node(fresh(g.name() + "_quantized"), "Gather", "", opset, List.of(qName, ids), List.of(gq), Attributes.empty()),
                        new Node(fresh(g.name() + "_cast"), "Cast", "", opset, List.of(gq), List.of(gf),
                                new Attributes(List.of(Attribute.ofInt("to", DType.FLOAT.onnxCode())))),
                        new Node(fresh(g.name() + "_scale"), "Gather", "", opset, List.of(sName, ids), List.of(gs), Attributes.empty()),
                        new Node(fresh(g.name() + "_dequantize"), "Mul", "", opset, List.of(gf, gs), List.of(out), Attributes.empty())));
            }
            return q.length + 4L * rows;
        }

        private long int8Copy(Site s, float[] w, int rows, int cols, int axis, boolean perChannel, String outName, String base) {
            int channels = perChannel ? (axis == 0 ? rows : cols) : 1;
            float[] amax = new float[channels];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    int ch = !perChannel ? 0 : axis == 0 ? r : c;
                    amax[ch] = Math.max(amax[ch], Math.abs(w[r * cols + c]));
                }
            }
            float[] scale = new float[channels];
            for (int i = 0; i < channels; i++) scale[i] = amax[i] / 127f;
            byte[] q = new byte[w.length];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    int ch = !perChannel ? 0 : axis == 0 ? r : c;
                    float sc = scale[ch];
                    double v = sc == 0f ? 0 : Math.rint(w[r * cols + c] / sc);
                    q[r * cols + c] = (byte) Math.max(-127, Math.min(127, v));
                }
            }
            String qName = fresh(base + "_quantized");
            String sName = fresh(base + "_scale");
            String zName = fresh(base + "_zero_point");
            addInitializer(s.graph, qName, Tensor.of(DType.INT8, q, rows, cols));
            Tensor st = perChannel ? Tensor.of(scale, channels) : Tensor.scalar(scale[0]);
            Tensor zt = perChannel ? Tensor.of(DType.INT8, new byte[channels], channels) : Tensor.of(DType.INT8, new byte[1]);
            addInitializer(s.graph, sName, st);
            addInitializer(s.graph, zName, zt);
            List<Attribute> attrs = new ArrayList<>();
            if (perChannel) attrs.add(Attribute.ofInt("axis", axis));
            int opset = s.graph.opsets().getOrDefault("", 13);
            Node dq = new Node(fresh(base + "_DequantizeLinear"), "DequantizeLinear", "", opset,
                    List.of(qName, sName, zName), List.of(outName), new Attributes(attrs));
            extraNodes.computeIfAbsent(s.graph, k -> new ArrayList<>()).add(dq);
            return q.length + 4L * channels + channels;
        }

        /** Quantizes the [N, K] form of the weight; q receives the names of data, scales/absmax, zero points. */
        private long fourBit(Site s, QuantFormat f, boolean storedNk, String[] q) {
            float[] w = s.tensor.toFloatArray();
            int n;
            int k;
            if (storedNk) {
                n = s.tensor.dim(0);
                k = s.tensor.dim(1);
            } else {
                k = s.tensor.dim(0);
                n = s.tensor.dim(1);
                float[] t = new float[w.length];
                for (int r = 0; r < k; r++) for (int c = 0; c < n; c++) t[c * k + r] = w[r * n + c];
                w = t;
            }
            String base = s.name + "_" + f.kind().name().toLowerCase(java.util.Locale.ROOT) + (storedNk ? "" : "_nk");
            if (f.kind() == QuantFormat.Kind.Q8) {
                int bs = f.blockSize();
                int blocks = (k + bs - 1) / bs;
                byte[] data = new byte[n * blocks * bs];
                float[] scales = new float[n * blocks];
                byte[] zps = f.symmetric() ? null : new byte[n * blocks];
                int[] one = f.symmetric() ? null : new int[1];
                for (int r = 0; r < n; r++) {
                    for (int kb = 0; kb < blocks; kb++) {
                        int start = kb * bs;
                        int i = r * blocks + kb;
                        scales[i] = Q8Block.quantize(w, r * k + start, Math.min(bs, k - start), bs, one, data, i * bs);
                        if (zps != null) zps[i] = (byte) one[0];
                    }
                }
                q[0] = fresh(base);
                q[1] = fresh(base + "_scales");
                addInitializer(s.graph, q[0], Tensor.of(DType.UINT8, data, n, blocks, bs));
                addInitializer(s.graph, q[1], Tensor.of(scales, n, blocks));
                if (zps != null) {
                    q[2] = fresh(base + "_zero_points");
                    addInitializer(s.graph, q[2], Tensor.of(DType.UINT8, zps, n, blocks));
                }
                return data.length + 4L * scales.length + (zps == null ? 0 : zps.length);
            }
            if (f.kind() == QuantFormat.Kind.Q4) {
                Q4Block.Quantized r = Q4Block.quantize(w, n, k, f.blockSize(), !f.symmetric());
                q[0] = fresh(base);
                q[1] = fresh(base + "_scales");
                addInitializer(s.graph, q[0], Tensor.of(DType.UINT8, r.data, n, r.blocks, Q4Block.blobSize(f.blockSize())));
                addInitializer(s.graph, q[1], Tensor.of(r.scales, n, r.blocks));
                long bytes = r.data.length + 4L * r.scales.length;
                if (r.zeroPoints != null) {
                    q[2] = fresh(base + "_zero_points");
                    addInitializer(s.graph, q[2], Tensor.of(DType.UINT8, r.zeroPoints, n, Q4Block.zeroPointRowBytes(r.blocks)));
                    bytes += r.zeroPoints.length;
                }
                return bytes;
            }
            Bnb4Format fmt = f.kind() == QuantFormat.Kind.NF4 ? Bnb4Format.NF4 : Bnb4Format.FP4;
            Bnb4Format.Quantized r = fmt.quantize(w, f.blockSize());
            q[0] = fresh(base);
            q[1] = fresh(base + "_absmax");
            addInitializer(s.graph, q[0], Tensor.of(DType.UINT8, r.data, r.data.length));
            addInitializer(s.graph, q[1], Tensor.of(r.absmax, r.absmax.length));
            return r.data.length + 4L * r.absmax.length;
        }

        private List<Node> product(Site s, Use u, QuantFormat f, String[] q) {
            Node old = u.node;
            int k = u.transposed() ? s.tensor.dim(1) : s.tensor.dim(0);
            int n = u.transposed() ? s.tensor.dim(0) : s.tensor.dim(1);
            String out = old.outputs().get(0);
            String c = u.isGemmB() ? old.input(2) : "";
            boolean biasInput = f.kind().isNBits() && !c.isEmpty() && u.gemmBias != null && u.gemmBias.size() == n;
            boolean addNode = !c.isEmpty() && !biasInput;
            String productOut = addNode ? fresh(out + "_product") : out;
            List<Attribute> attrs = new ArrayList<>();
            attrs.add(Attribute.ofInt("K", k));
            attrs.add(Attribute.ofInt("N", n));
            List<String> inputs = new ArrayList<>(List.of(old.input(0), q[0], q[1]));
            String op;
            if (f.kind().isNBits()) {
                op = "MatMulNBits";
                attrs.add(Attribute.ofInt("bits", f.kind().bits()));
                attrs.add(Attribute.ofInt("block_size", f.blockSize()));
                attrs.add(Attribute.ofInt("accuracy_level", 0));
                if (q[2] != null || biasInput) inputs.add(q[2] == null ? "" : q[2]);
                if (biasInput) {
                    inputs.add("");
                    inputs.add(c);
                }
            } else {
                op = "MatMulBnb4";
                attrs.add(Attribute.ofInt("block_size", f.blockSize()));
                attrs.add(Attribute.ofInt("quant_type", f.kind() == QuantFormat.Kind.NF4 ? 1 : 0));
            }
            List<Node> nodes = new ArrayList<>();
            int msOpset = s.graph.opsets().getOrDefault(MS, 1);
            nodes.add(new Node(fresh(old.name() + "_" + op), op, MS, msOpset, inputs, List.of(productOut), new Attributes(attrs)));
            if (addNode) {
                nodes.add(new Node(fresh(old.name() + "_bias"), "Add", "", old.opsetVersion(),
                        List.of(productOut, c), List.of(out), Attributes.empty()));
            }
            return nodes;
        }

        Graph rebuild(Graph g) {
            return rebuild(g, contrib);
        }

        private Graph rebuild(Graph g, boolean addContrib) {
            Graph.Builder b = new Graph.Builder().name(g.name());
            for (Map.Entry<String, Integer> e : g.opsets().entrySet()) b.opset(e.getKey(), e.getValue());
            if (addContrib && !g.opsets().containsKey(MS)) b.opset(MS, 1);
            for (ValueInfo v : g.inputs()) b.input(v);
            for (ValueInfo v : g.outputs()) b.output(v);
            Set<String> gone = removed.getOrDefault(g, Set.of());
            for (Map.Entry<String, Tensor> e : g.initializers().entrySet()) {
                if (!gone.contains(e.getKey())) b.initializer(e.getKey(), e.getValue());
            }
            for (Map.Entry<String, Tensor> e : added.getOrDefault(g, Map.of()).entrySet()) b.initializer(e.getKey(), e.getValue());
            for (Node n : extraNodes.getOrDefault(g, List.of())) b.node(n);
            for (Node n : g.nodes()) {
                if (dropped.contains(n)) continue;
                List<Node> r = replaced.get(n);
                if (r != null) {
                    for (Node x : r) b.node(x);
                } else {
                    b.node(withRebuiltSubgraphs(n, addContrib));
                }
            }
            return b.build(names);
        }

        private Node withRebuiltSubgraphs(Node n, boolean addContrib) {
            boolean has = false;
            for (Attribute a : n.attributes().all()) {
                if (a.kind() == Attribute.Kind.GRAPH || a.kind() == Attribute.Kind.GRAPHS) has = true;
            }
            if (!has) return n;
            List<Attribute> attrs = new ArrayList<>();
            for (Attribute a : n.attributes().all()) {
                if (a.kind() == Attribute.Kind.GRAPH) {
                    attrs.add(Attribute.ofGraph(a.name(), rebuild((Graph) a.value(), addContrib)));
                } else if (a.kind() == Attribute.Kind.GRAPHS) {
                    List<Graph> gs = new ArrayList<>();
                    for (Object sub : (List<?>) a.value()) gs.add(rebuild((Graph) sub, addContrib));
                    attrs.add(Attribute.ofGraphs(a.name(), gs));
                } else {
                    attrs.add(a);
                }
            }
            return new Node(n.name(), n.opType(), n.domain(), n.opsetVersion(), n.inputs(), n.outputs(), new Attributes(attrs));
        }
    }
}
