package dev.petrel.quantize;

import dev.petrel.Model;
import dev.petrel.Session;
import dev.petrel.Tensor;
import dev.petrel.cli.SentenceEmbedder;
import dev.petrel.tokenizer.WordPieceTokenizer;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How far a quantized model is from its fp32 original, measured on outputs users see: sentence
 * embeddings (cosine per sentence) for encoders, next-token distributions (top-1 agreement and KL) for
 * causal LMs.
 */
public final class QualityProbe {
    private QualityProbe() {}

    /**
     * Embedding agreement over a set of sentences.
     *
     * @param meanCosine  mean over sentences of cos(fp32 embedding, quantized embedding)
     * @param worstCosine the smallest of those cosines
     * @param worstIndex  the sentence it belongs to
     */
    public record EmbeddingQuality(String label, int sentences, double meanCosine, double worstCosine, int worstIndex) {
        public static String header() {
            return String.format(Locale.ROOT, "%-24s %9s %11s %11s %6s", "model", "sentences", "mean cos", "worst cos", "worst");
        }

        public String row() {
            return String.format(Locale.ROOT, "%-24s %9d %11.6f %11.6f %6d", label, sentences, meanCosine, worstCosine, worstIndex);
        }
    }

    /**
     * Next-token agreement over every position of the probe sequences.
     *
     * @param top1Agreement share of positions where both models' most likely next token is the same
     * @param meanKl        mean over positions of KL(p_fp32 || p_quantized), in nats
     * @param maxKl         the largest of those
     */
    public record LmQuality(String label, int positions, double top1Agreement, double meanKl, double maxKl) {
        public static String header() {
            return String.format(Locale.ROOT, "%-24s %9s %8s %11s %11s", "model", "positions", "top-1", "mean KL", "max KL");
        }

        public String row() {
            return String.format(Locale.ROOT, "%-24s %9d %8.4f %11.3e %11.3e", label, positions, top1Agreement, meanKl, maxKl);
        }
    }

    /**
     * Mean-pooled, L2-normalized sentence embeddings (as {@link SentenceEmbedder}, one sentence per run) of
     * both models, compared sentence by sentence.
     */
    public static EmbeddingQuality embeddings(String label, Model reference, Model candidate, WordPieceTokenizer tokenizer,
                                              List<String> sentences) {
        if (sentences.isEmpty()) throw new IllegalArgumentException("no sentences to probe");
        float[][] a = embed(reference, tokenizer, sentences), b = embed(candidate, tokenizer, sentences);
        double sum = 0, worst = Double.POSITIVE_INFINITY;
        int worstIndex = -1;
        for (int i = 0; i < a.length; i++) {
            double dot = 0, na = 0, nb = 0;
            for (int k = 0; k < a[i].length; k++) {
                dot += (double) a[i][k] * b[i][k];
                na += (double) a[i][k] * a[i][k];
                nb += (double) b[i][k] * b[i][k];
            }
            double cos = dot / Math.max(Math.sqrt(na * nb), 1e-30);
            sum += cos;
            if (cos < worst) {
                worst = cos;
                worstIndex = i;
            }
        }
        return new EmbeddingQuality(label, a.length, sum / a.length, worst, worstIndex);
    }

    private static float[][] embed(Model model, WordPieceTokenizer tokenizer, List<String> sentences) {
        List<Map<String, Tensor>> samples = Calibration.sentences(tokenizer, sentences, model.graph());
        float[][] out = new float[samples.size()][];
        try (Session s = model.newSession()) {
            for (int i = 0; i < samples.size(); i++) {
                Map<String, Tensor> in = samples.get(i);
                Tensor hidden = null;
                for (Tensor t : s.run(in).values()) {
                    if (t.rank() == 3) {
                        hidden = t;
                        break;
                    }
                }
                if (hidden == null) throw new IllegalArgumentException("the encoder has no [batch, seq, dim] output");
                Tensor mask = in.get("attention_mask");
                if (mask == null) mask = ones(hidden.dim(1));
                out[i] = SentenceEmbedder.meanPoolNormalize(hidden, mask)[0];
            }
        }
        return out;
    }

    private static Tensor ones(int n) {
        long[] v = new long[n];
        java.util.Arrays.fill(v, 1);
        return Tensor.of(v, 1, n);
    }

    /**
     * Runs every sequence through both causal LMs (inputs as {@link Calibration#causalLmInputs}) and compares
     * the next-token distributions of the {@code logits} output at every position.
     */
    public static LmQuality causalLm(String label, Model reference, Model candidate, List<long[]> sequences) {
        List<Map<String, Tensor>> samples = Calibration.causalLmInputs(reference.graph(), sequences);
        int positions = 0, agree = 0;
        double klSum = 0, klMax = 0;
        try (Session ra = reference.newSession(); Session rb = candidate.newSession()) {
            for (Map<String, Tensor> in : samples) {
                Tensor la = logits(ra.run(in)), lb = logits(rb.run(in));
                if (la.size() != lb.size()) throw new IllegalArgumentException("logits differ in shape: " + la.describe() + " vs " + lb.describe());
                int v = la.dim(la.rank() - 1), n = la.size() / v;
                double[] pa = new double[v], pb = new double[v];
                for (int t = 0; t < n; t++) {
                    int ta = logSoftmax(la, t * v, pa), tb = logSoftmax(lb, t * v, pb);
                    if (ta == tb) agree++;
                    double kl = 0;
                    for (int k = 0; k < v; k++) kl += Math.exp(pa[k]) * (pa[k] - pb[k]);
                    kl = Math.max(kl, 0);
                    klSum += kl;
                    klMax = Math.max(klMax, kl);
                    positions++;
                }
            }
        }
        if (positions == 0) throw new IllegalArgumentException("no positions to probe");
        return new LmQuality(label, positions, (double) agree / positions, klSum / positions, klMax);
    }

    private static Tensor logits(Map<String, Tensor> out) {
        Tensor l = out.get("logits");
        if (l == null) throw new IllegalArgumentException("the causal LM has no 'logits' output: " + out.keySet());
        return l;
    }

    /** Writes the log-softmax of one row into {@code out}; returns the row's argmax. */
    private static int logSoftmax(Tensor logits, int offset, double[] out) {
        int v = out.length, arg = 0;
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < v; k++) {
            out[k] = logits.floats().get(offset + k);
            if (out[k] > max) {
                max = out[k];
                arg = k;
            }
        }
        double sum = 0;
        for (int k = 0; k < v; k++) sum += Math.exp(out[k] - max);
        double lse = max + Math.log(sum);
        for (int k = 0; k < v; k++) out[k] -= lse;
        return arg;
    }
}
