package dev.petrel.llm;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What {@link Generator#generate} produces and how it picks tokens. Immutable; each setter returns a
 * copy. The default is greedy decoding of up to 64 tokens, stopping at the model's end-of-text token.
 *
 * <p>Sampling follows Hugging Face's order: repetition penalty, temperature, top-k, top-p, then a draw
 * from the remaining distribution with a {@link java.util.Random} seeded by {@link #seed}: the same
 * seed, options and model give the same tokens.
 */
public final class GenerationOptions {
    private final int maxNewTokens;
    private final float temperature;
    private final int topK;
    private final float topP;
    private final float repetitionPenalty;
    private final long seed;
    private final List<String> stopStrings;
    private final boolean stopAtEos;

    private GenerationOptions(int maxNewTokens, float temperature, int topK, float topP, float repetitionPenalty,
                              long seed, List<String> stopStrings, boolean stopAtEos) {
        this.maxNewTokens = maxNewTokens;
        this.temperature = temperature;
        this.topK = topK;
        this.topP = topP;
        this.repetitionPenalty = repetitionPenalty;
        this.seed = seed;
        this.stopStrings = stopStrings;
        this.stopAtEos = stopAtEos;
    }

    /** Greedy, 64 new tokens, stop at end-of-text, seed 0. */
    public static GenerationOptions greedy() {
        return new GenerationOptions(64, 0f, 0, 1f, 1f, 0L, Collections.<String>emptyList(), true);
    }

    /** Sampling at {@code temperature} from the whole distribution (no top-k, no top-p). */
    public static GenerationOptions sampling(float temperature, long seed) {
        return greedy().temperature(temperature).seed(seed);
    }

    public int maxNewTokens() { return maxNewTokens; }
    public float temperature() { return temperature; }
    public int topK() { return topK; }
    public float topP() { return topP; }
    public float repetitionPenalty() { return repetitionPenalty; }
    public long seed() { return seed; }
    public List<String> stopStrings() { return stopStrings; }
    public boolean stopAtEos() { return stopAtEos; }

    /** Whether tokens are picked by argmax (temperature 0). */
    public boolean isGreedy() {
        return temperature == 0f;
    }

    public GenerationOptions maxNewTokens(int n) {
        if (n < 1) throw new IllegalArgumentException("maxNewTokens must be at least 1, got " + n);
        return new GenerationOptions(n, temperature, topK, topP, repetitionPenalty, seed, stopStrings, stopAtEos);
    }

    /** 0 is greedy; otherwise logits are divided by it before sampling. */
    public GenerationOptions temperature(float t) {
        if (!(t >= 0) || Float.isInfinite(t)) throw new IllegalArgumentException("temperature must be finite and >= 0, got " + t);
        return new GenerationOptions(maxNewTokens, t, topK, topP, repetitionPenalty, seed, stopStrings, stopAtEos);
    }

    /** Keep the k most likely tokens (ties broken towards the lower id); 0 keeps all. */
    public GenerationOptions topK(int k) {
        if (k < 0) throw new IllegalArgumentException("topK must be >= 0, got " + k);
        return new GenerationOptions(maxNewTokens, temperature, k, topP, repetitionPenalty, seed, stopStrings, stopAtEos);
    }

    /**
     * Nucleus sampling: keep the most likely tokens while the probability of those before them is below
     * {@code p} (at least one token); 1 keeps all.
     */
    public GenerationOptions topP(float p) {
        if (!(p > 0 && p <= 1)) throw new IllegalArgumentException("topP must be in (0, 1], got " + p);
        return new GenerationOptions(maxNewTokens, temperature, topK, p, repetitionPenalty, seed, stopStrings, stopAtEos);
    }

    /**
     * Penalty {@code θ} on every token already in the prompt or the output, as in Hugging Face (Keskar et
     * al.): a positive logit is divided by θ, a negative one multiplied. 1 is off.
     */
    public GenerationOptions repetitionPenalty(float theta) {
        if (!(theta > 0) || Float.isInfinite(theta)) throw new IllegalArgumentException("repetitionPenalty must be finite and > 0, got " + theta);
        return new GenerationOptions(maxNewTokens, temperature, topK, topP, theta, seed, stopStrings, stopAtEos);
    }

    public GenerationOptions seed(long s) {
        return new GenerationOptions(maxNewTokens, temperature, topK, topP, repetitionPenalty, s, stopStrings, stopAtEos);
    }

    /** Generation ends when the text contains one of these; the text returned ends just before it. */
    public GenerationOptions stopStrings(String... stops) {
        List<String> list = new ArrayList<>();
        for (String s : stops) {
            if (s == null || s.isEmpty()) throw new IllegalArgumentException("stop strings must be non-empty");
            list.add(s);
        }
        return new GenerationOptions(maxNewTokens, temperature, topK, topP, repetitionPenalty, seed,
                Collections.unmodifiableList(list), stopAtEos);
    }

    /** Whether the model's end-of-text token ends generation (default true). */
    public GenerationOptions stopAtEos(boolean stop) {
        return new GenerationOptions(maxNewTokens, temperature, topK, topP, repetitionPenalty, seed, stopStrings, stop);
    }

    @Override
    public String toString() {
        return (isGreedy() ? "greedy" : "temperature " + temperature + (topK > 0 ? ", top-k " + topK : "")
                + (topP < 1 ? ", top-p " + topP : "") + ", seed " + seed)
                + (repetitionPenalty != 1 ? ", repetition penalty " + repetitionPenalty : "")
                + ", max " + maxNewTokens + " tokens" + (stopStrings.isEmpty() ? "" : ", stop " + stopStrings);
    }
}
