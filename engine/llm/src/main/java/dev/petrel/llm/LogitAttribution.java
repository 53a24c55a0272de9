package dev.petrel.llm;

import dev.petrel.InvalidInputException;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Direct logit attribution: how much each writer of the residual stream (the embedding, each attention
 * layer and each MLP, output projection bias included) and ln_f's bias add to one token's logit at one
 * position, through ln_f and the unembedding.
 *
 * <p>With ln_f an affine map of the stream, as in an LN-free model, the logit is
 * {@code Σ_c (o_c − mean(o_c))·g·U[token] + β·U[token]} exactly, and the contributions sum to the logit
 * up to rounding ({@link #isExact()}). With a real LayerNorm (or RMSNorm) the usual approximation freezes
 * its scale {@code s = sqrt(var(x) + eps)} at that position and uses {@code g = γ/s}; {@link #residual()}
 * reports what the sum misses of the model's logit.
 */
public final class LogitAttribution {
    private final List<String> names;
    private final double[] contributions;
    private final double logit;
    private final boolean exact;
    private final double frozenScale;

    private LogitAttribution(List<String> names, double[] contributions, double logit, boolean exact, double frozenScale) {
        this.names = names;
        this.contributions = contributions;
        this.logit = logit;
        this.exact = exact;
        this.frozenScale = frozenScale;
    }

    static LogitAttribution compute(Gpt2Model model, int[] ids, int position, int token) {
        Gpt2Config c = model.config();
        Gpt2Weights w = model.weights();
        if (position < 0 || position >= ids.length) {
            throw new InvalidInputException("position " + position + " is outside the " + ids.length + " input tokens");
        }
        if (token < 0 || token >= c.vocabSize) throw new InvalidInputException("token " + token + " is outside the vocabulary");
        int d = c.embeddingSize, components = 1 + 2 * c.layers;
        float[][] trace = new float[components + 1][d];
        float logit;
        try (Gpt2Decoder decoder = model.newDecoder()) {
            decoder.trace(position, trace);
            int[] prefix = new int[position + 1];
            System.arraycopy(ids, 0, prefix, 0, position + 1);
            logit = decoder.prefill(prefix).get(token);
        }
        FloatBuffer u = w.lmHead, gamma = w.lnFGamma, beta = w.lnFBeta;
        Gpt2Weights.Norm norm = w.finalNorm;
        boolean exact = !norm.divide;
        double scale = 1;
        if (norm.divide) {
            float[] x = trace[components];
            double mean = 0;
            if (norm.center) {
                for (float v : x) mean += v;
                mean /= d;
            }
            double sq = 0;
            for (float v : x) sq += (v - mean) * (v - mean);
            scale = Math.sqrt(sq / d + w.eps);
        }
        List<String> names = new ArrayList<>();
        double[] values = new double[components + 1];
        for (int k = 0; k < components; k++) {
            names.add(k == 0 ? "embed" : ((k % 2 == 1 ? "attn." : "mlp.") + (k - 1) / 2));
            float[] o = trace[k];
            double mean = 0;
            if (norm.center) {
                for (float v : o) mean += v;
                mean /= d;
            }
            double sum = 0;
            for (int i = 0; i < d; i++) sum += (o[i] - mean) * gamma.get(i) / scale * u.get(token * d + i);
            values[k] = sum;
        }
        names.add("ln_f.bias");
        double bias = 0;
        for (int i = 0; i < d; i++) bias += (double) beta.get(i) * u.get(token * d + i);
        values[components] = bias;
        return new LogitAttribution(Collections.unmodifiableList(names), values, logit, exact, scale);
    }

    /** "embed", "attn.0", "mlp.0", …, "attn.{L−1}", "mlp.{L−1}", "ln_f.bias". */
    public List<String> names() {
        return names;
    }

    public double[] contributions() {
        return contributions.clone();
    }

    public double contribution(String name) {
        int i = names.indexOf(name);
        if (i < 0) throw new IllegalArgumentException("no component '" + name + "'; components: " + names);
        return contributions[i];
    }

    /** The model's logit (as the decoder computed it, fp32). */
    public double logit() {
        return logit;
    }

    public double sum() {
        double s = 0;
        for (double v : contributions) s += v;
        return s;
    }

    /** {@code logit − sum}: rounding when exact, otherwise also the error of the frozen-scale approximation. */
    public double residual() {
        return logit - sum();
    }

    /** Whether ln_f is affine (an LN-free model), so the decomposition is exact. */
    public boolean isExact() {
        return exact;
    }

    /** The frozen normalization scale s (1 when exact). */
    public double frozenScale() {
        return frozenScale;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < names.size(); i++) {
            sb.append(String.format(java.util.Locale.ROOT, "%-10s %+.6f%n", names.get(i), contributions[i]));
        }
        sb.append(String.format(java.util.Locale.ROOT, "sum %.6f, logit %.6f, residual %.3g (%s)", sum(), logit, residual(),
                exact ? "exact" : "ln_f scale frozen at " + frozenScale));
        return sb.toString();
    }
}
