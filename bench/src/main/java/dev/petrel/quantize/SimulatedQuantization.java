package dev.petrel.quantize;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Graph;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Quantize-dequantize of weights in fp32 ("fake quantization"): the graph keeps its operators and
 * gets weights rounded to what a quantized model would compute with. It lets quality probes and plans be
 * measured without the real quantizer, and gives tests a degraded model of known kind.
 *
 * <ul>
 *   <li>8 bits and more: symmetric per output channel, {@code s = max|w|/(2^(b−1)−1)},
 *       {@code q = round(w/s)} (as int8 QDQ with a per-channel scale);</li>
 *   <li>fewer bits: blocks of {@link PrecisionPlanner#LOW_BLOCK} consecutive weights along K per output
 *       channel, asymmetric over {@code [min(0, min), max(0, max)]} with {@code 2^b − 1} steps and a rounded
 *       zero point (as MatMulNBits with zero points).</li>
 * </ul>
 * The reduction axis comes from {@link LayerScore.Weight#k()}: the axis of that length (rows of a
 * MatMul B [K, N]) is K, the other one is the output channel.
 */
public final class SimulatedQuantization {
    private SimulatedQuantization() {}

    /**
     * The graph with each weight of {@code bits} (weight name to bits; null, missing or 32 = keep fp32)
     * replaced by its quantize-dequantize image. {@code layers} give the weights' K.
     */
    public static Graph apply(Graph graph, List<LayerScore> layers, Map<String, Integer> bits) {
        Map<String, Integer> ks = new LinkedHashMap<>();
        for (LayerScore l : layers) for (LayerScore.Weight w : l.weights()) ks.put(w.name(), w.k());
        Map<String, Tensor> replaced = new LinkedHashMap<>();
        for (Map.Entry<String, Integer> e : bits.entrySet()) {
            Integer b = e.getValue();
            if (b == null || b >= 32) continue;
            Tensor w = graph.initializers().get(e.getKey());
            if (w == null) throw new IllegalArgumentException("no initializer '" + e.getKey() + "' in the graph");
            Integer k = ks.get(e.getKey());
            if (k == null) throw new IllegalArgumentException("weight '" + e.getKey() + "' is in no layer");
            replaced.put(e.getKey(), roundTrip(w, k, b));
        }
        return GraphVariants.withInitializers(graph, replaced);
    }

    /** The quantize-dequantize image of a 2-D (or stacked) FLOAT weight whose reduction length is {@code k}. */
    static Tensor roundTrip(Tensor w, int k, int bits) {
        if (w.dtype() != DType.FLOAT || w.rank() < 2) {
            throw new IllegalArgumentException("can only quantize FLOAT weights of rank >= 2, got " + w.describe());
        }
        if (bits < 2 || bits > 16) throw new IllegalArgumentException("bits must be 2..16, got " + bits);
        int rows = w.dim(w.rank() - 2), cols = w.dim(w.rank() - 1);
        int mats = w.size() / (rows * cols);
        // K along rows (MatMul B [K, N]): a channel is a column, its elements rows apart.
        boolean kRows = rows == k;
        if (!kRows && cols != k) throw new IllegalArgumentException("weight " + w.describe() + " has no axis of length K=" + k);
        int channels = kRows ? cols : rows, stride = kRows ? cols : 1, step = kRows ? 1 : cols;
        float[] v = w.toFloatArray();
        float[] out = new float[v.length];
        float[] group = new float[k];
        for (int m = 0; m < mats; m++) {
            int base = m * rows * cols;
            for (int c = 0; c < channels; c++) {
                int start = base + c * step;
                for (int i = 0; i < k; i++) group[i] = v[start + i * stride];
                if (bits >= 8) symmetric(group, 0, k, bits);
                else for (int b0 = 0; b0 < k; b0 += PrecisionPlanner.LOW_BLOCK) asymmetric(group, b0, Math.min(k, b0 + PrecisionPlanner.LOW_BLOCK), bits);
                for (int i = 0; i < k; i++) out[start + i * stride] = group[i];
            }
        }
        long[] shape = w.shape();
        return Tensor.of(out, shape);
    }

    private static void symmetric(float[] g, int from, int to, int bits) {
        double max = 0;
        for (int i = from; i < to; i++) max = Math.max(max, Math.abs(g[i]));
        if (max == 0) return;
        int qmax = (1 << (bits - 1)) - 1;
        double s = max / qmax;
        for (int i = from; i < to; i++) g[i] = (float) (Math.max(-qmax, Math.min(qmax, Math.rint(g[i] / s))) * s);
    }

    private static void asymmetric(float[] g, int from, int to, int bits) {
        double lo = 0, hi = 0;
        for (int i = from; i < to; i++) {
            lo = Math.min(lo, g[i]);
            hi = Math.max(hi, g[i]);
        }
        if (hi == lo) return;
        int levels = (1 << bits) - 1;
        double s = (hi - lo) / levels;
        double zp = Math.max(0, Math.min(levels, Math.rint(-lo / s)));
        for (int i = from; i < to; i++) {
            double q = Math.max(0, Math.min(levels, Math.rint(g[i] / s + zp)));
            g[i] = (float) ((q - zp) * s);
        }
    }
}
