package dev.petrel.cli;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Dim;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.graph.ValueInfo;
import dev.petrel.spi.Float16;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Valid inputs for a model from its declared inputs alone, so any model can be benchmarked without
 * data: token ids for text models, all-ones attention masks, zero token types, normal noise for floats.
 *
 * <p>Symbolic dimensions are resolved by position, not by name: exporters name them carelessly (the
 * fp32 all-MiniLM-L6-v2 calls both dimensions of its token inputs {@code batch}). Dimension 0 is the
 * batch, every other symbolic dimension is the sequence length.
 */
public final class InputSynthesizer {
    /** Token ids are drawn from here: clear of the special tokens at the start of BERT-like vocabularies. */
    static final int ID_LOW = 1000;
    static final int ID_HIGH = 20000;

    /** What a synthesized input holds, for the benchmark's header. */
    public enum Kind { TOKEN_IDS, MASK, TYPE_IDS, POSITION_IDS, ZEROS, NORMAL }

    /** One synthesized input with a line describing it. */
    public record Input(String name, Tensor tensor, Kind kind, String description) {}

    private final int batch;
    private final int seq;
    private final long seed;

    public InputSynthesizer(int batch, int seq, long seed) {
        if (batch < 1) throw new IllegalArgumentException("--batch must be at least 1, got " + batch);
        if (seq < 1) throw new IllegalArgumentException("--seq must be at least 1, got " + seq);
        this.batch = batch;
        this.seq = seq;
        this.seed = seed;
    }

    /** One input per graph input the caller must feed (initializers listed as inputs are left out). */
    public List<Input> synthesize(Graph graph) {
        Random random = new Random(seed);
        List<Input> result = new ArrayList<>();
        for (ValueInfo v : graph.inputs()) {
            if (graph.initializers().containsKey(v.name())) continue;
            result.add(synthesize(graph, v, random));
        }
        return result;
    }

    /** The inputs as the map {@code Session.run} takes, in the model's input order. */
    public static Map<String, Tensor> asMap(List<Input> inputs) {
        Map<String, Tensor> map = new LinkedHashMap<>();
        for (Input in : inputs) map.put(in.name(), in.tensor());
        return map;
    }

    /** Tokens one run processes: batch x sequence of the token-id input, 0 when the model takes no tokens. */
    public static long tokensPerRun(List<Input> inputs) {
        for (Input in : inputs) {
            if (in.kind() == Kind.TOKEN_IDS) return in.tensor().size();
        }
        return 0;
    }

    /** The shape an input gets: fixed dimensions as declared, dimension 0 the batch, the others the sequence. */
    public int[] shapeOf(ValueInfo v) {
        List<Dim> shape = v.shape();
        if (shape == null) {
            throw new IllegalArgumentException("input '" + v.name() + "' declares no shape; cannot synthesize it");
        }
        int[] dims = new int[shape.size()];
        for (int d = 0; d < dims.length; d++) {
            Dim dim = shape.get(d);
            if (dim.isFixed()) {
                if (dim.value() > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException("input '" + v.name() + "' dimension " + d + " is too large: " + dim.value());
                }
                dims[d] = (int) dim.value();
            } else {
                dims[d] = d == 0 ? batch : seq;
            }
        }
        return dims;
    }

    private Input synthesize(Graph graph, ValueInfo v, Random random) {
        DType type = v.dtype();
        if (type == null) throw new IllegalArgumentException("input '" + v.name() + "' declares no element type; cannot synthesize it");
        int[] dims = shapeOf(v);
        Tensor t = Tensor.allocate(type, dims);
        String shape = type + java.util.Arrays.toString(dims);
        if (type.isFloatingPoint()) {
            fill(t, i -> random.nextGaussian());
            return new Input(v.name(), t, Kind.NORMAL, shape + " normal(0, 1)");
        }
        Kind kind = kindOf(v.name(), type);
        switch (kind) {
            case MASK -> {
                fill(t, i -> 1);
                return new Input(v.name(), t, kind, shape + " all ones");
            }
            case TOKEN_IDS -> {
                int high = ID_HIGH, low = ID_LOW;
                long vocab = vocabularySize(graph, v.name());
                if (vocab > 0 && vocab < high) {
                    high = (int) vocab;
                    low = Math.min(low, high / 2);
                }
                int lo = low, span = high - low;
                fill(t, i -> lo + random.nextInt(span));
                return new Input(v.name(), t, kind, shape + " token ids in [" + low + ", " + high + ")"
                        + (vocab > 0 ? " (vocabulary " + vocab + ")" : ""));
            }
            case POSITION_IDS -> {
                int last = dims.length == 0 ? 1 : dims[dims.length - 1];
                fill(t, i -> i % last);
                return new Input(v.name(), t, kind, shape + " positions 0.." + (last - 1));
            }
            case TYPE_IDS -> {
                fill(t, i -> 0);
                return new Input(v.name(), t, kind, shape + " zeros (token types)");
            }
            default -> {
                fill(t, i -> 0);
                return new Input(v.name(), t, kind, shape + " zeros");
            }
        }
    }

    /** Classifies an integer input by its name; "token_type_ids" is a type, not ids, so types are tested first. */
    static Kind kindOf(String name, DType type) {
        if (type.isFloatingPoint()) return Kind.NORMAL;
        String n = name.toLowerCase(Locale.ROOT);
        if (n.contains("mask")) return Kind.MASK;
        if (n.contains("type") || n.contains("segment")) return Kind.TYPE_IDS;
        if (n.contains("position")) return Kind.POSITION_IDS;
        if (type == DType.BOOL) return Kind.MASK;
        if (n.contains("ids") || n.contains("token") || n.equals("input")) return Kind.TOKEN_IDS;
        return Kind.ZEROS;
    }

    /**
     * The vocabulary size when the ids feed a Gather straight from a weight (the embedding table), else -1.
     * Quantized models dequantize the table first; then the table is one node further up.
     */
    static long vocabularySize(Graph graph, String idsName) {
        for (Node n : graph.nodes()) {
            if (!n.opType().equals("Gather") || n.inputs().size() < 2 || !idsName.equals(n.input(1))) continue;
            String table = n.input(0);
            Tensor w = graph.initializers().get(table);
            if (w != null && w.rank() >= 1) return w.dim(0);
            for (Node p : graph.nodes()) {
                if (p.outputs().contains(table) && p.opType().equals("DequantizeLinear")) {
                    Tensor q = graph.initializers().get(p.input(0));
                    if (q != null && q.rank() >= 1) return q.dim(0);
                }
            }
        }
        return -1;
    }

    private interface Values {
        double at(int index);
    }

    private static void fill(Tensor t, Values values) {
        int n = t.size();
        switch (t.dtype()) {
            case FLOAT -> {
                FloatBuffer b = t.floats();
                for (int i = 0; i < n; i++) b.put(i, (float) values.at(i));
            }
            case DOUBLE -> {
                var b = t.doubles();
                for (int i = 0; i < n; i++) b.put(i, values.at(i));
            }
            case FLOAT16 -> {
                ShortBuffer b = t.shorts();
                for (int i = 0; i < n; i++) b.put(i, Float16.fromFloat((float) values.at(i)));
            }
            case BFLOAT16 -> {
                ShortBuffer b = t.shorts();
                for (int i = 0; i < n; i++) b.put(i, Float16.floatToBfloat16((float) values.at(i)));
            }
            case INT64, UINT64 -> {
                LongBuffer b = t.longs();
                for (int i = 0; i < n; i++) b.put(i, (long) values.at(i));
            }
            case INT32, UINT32 -> {
                IntBuffer b = t.ints();
                for (int i = 0; i < n; i++) b.put(i, (int) values.at(i));
            }
            case INT16, UINT16 -> {
                ShortBuffer b = t.shorts();
                for (int i = 0; i < n; i++) b.put(i, (short) values.at(i));
            }
            case INT8, UINT8, BOOL -> {
                ByteBuffer b = t.bytes();
                for (int i = 0; i < n; i++) b.put(i, (byte) values.at(i));
            }
            default -> throw new IllegalArgumentException("cannot synthesize inputs of type " + t.dtype());
        }
    }
}
