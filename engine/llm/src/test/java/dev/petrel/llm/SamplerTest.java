package dev.petrel.llm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.FloatRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class SamplerTest {
    private static final int[] NO_CONTEXT = new int[0];

    @Test
    void greedyTakesTheFirstLargestLogit() {
        Sampler s = new Sampler(5);
        s.reset(GenerationOptions.greedy());
        assertThat(s.sample(new float[] {1, 3, 3, -2, 0}, NO_CONTEXT, 0)).isEqualTo(1);
    }

    /** Hugging Face: positive logits divided by θ, negative ones multiplied, each token once. */
    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogits() {
        Sampler s = new Sampler(3);
        s.reset(GenerationOptions.greedy().repetitionPenalty(2f));
        // token 0: 4 -> 2 < 3: token 1 wins.
        assertThat(s.sample(new float[] {4, 3, -1}, new int[] {0, 0, 0}, 3)).isEqualTo(1);
        // token 0 negative: -1 -> -2, token 2 (-1.5 unpenalized) wins.
        assertThat(s.sample(new float[] {-1, -3, -1.5f}, new int[] {0, 1}, 2)).isEqualTo(2);
        // Penalty applied once per distinct token, not per occurrence: 4 / 2 = 2 > 1.9.
        assertThat(s.sample(new float[] {4, 1.9f, 0}, new int[] {0, 0, 0, 0}, 4)).isEqualTo(0);
        // Logits passed in are not changed.
        float[] logits = {4, 3, -1};
        s.sample(logits, new int[] {0, 2}, 2);
        assertThat(logits).containsExactly(4, 3, -1);
    }

    @Test
    void topKOnlyEverDrawsTheKBestAndRoughlyInProportion() {
        float[] logits = {0, 2, 1, 3, -1, 2.5f};
        Sampler s = new Sampler(logits.length);
        s.reset(GenerationOptions.sampling(1f, 7).topK(2));
        int[] counts = new int[logits.length];
        int n = 20000;
        for (int i = 0; i < n; i++) counts[s.sample(logits, NO_CONTEXT, 0)]++;
        assertThat(counts[3] + counts[5]).isEqualTo(n);
        double p3 = Math.exp(3) / (Math.exp(3) + Math.exp(2.5));
        assertThat(counts[3] / (double) n).isCloseTo(p3, org.assertj.core.api.Assertions.within(0.015));
    }

    /** p = 0.5: the best token holds 0.63 of the mass, so the nucleus is that token alone. */
    @Test
    void topPKeepsTheSmallestPrefixReachingP() {
        float[] logits = {1, 0, 0, 0};   // probabilities 0.475, 0.175 x 3
        Sampler s = new Sampler(4);
        s.reset(GenerationOptions.sampling(1f, 1).topP(0.4f));
        for (int i = 0; i < 200; i++) assertThat(s.sample(logits, NO_CONTEXT, 0)).isZero();
        // 0.475 < 0.6: one more token (the lowest id among the tied ones) joins.
        s.reset(GenerationOptions.sampling(1f, 1).topP(0.6f));
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 500; i++) seen.add(s.sample(logits, NO_CONTEXT, 0));
        assertThat(seen).containsExactlyInAnyOrder(0, 1);
    }

    @Property(tries = 200)
    void sameSeedSameTokens(@ForAll @Size(min = 2, max = 60) float[] raw, @ForAll long seed,
                            @ForAll @IntRange(min = 0, max = 10) int k, @ForAll @FloatRange(min = 0.05f, max = 1f) float p) {
        float[] logits = finite(raw);
        GenerationOptions o = GenerationOptions.sampling(0.9f, seed).topK(k).topP(p);
        Sampler a = new Sampler(logits.length), b = new Sampler(logits.length);
        a.reset(o);
        b.reset(o);
        for (int i = 0; i < 20; i++) assertThat(a.sample(logits, NO_CONTEXT, 0)).isEqualTo(b.sample(logits, NO_CONTEXT, 0));
    }

    /** Whatever is drawn is among the k best, and within the top-p nucleus computed independently. */
    @Property(tries = 300)
    void drawsStayInsideTopKAndTopP(@ForAll @Size(min = 1, max = 40) float[] raw, @ForAll long seed,
                                    @ForAll @IntRange(min = 1, max = 8) int k, @ForAll @FloatRange(min = 0.05f, max = 1f) float p) {
        float[] logits = finite(raw);
        Sampler s = new Sampler(logits.length);
        s.reset(GenerationOptions.sampling(1f, seed).topK(k).topP(p));
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        java.util.Arrays.sort(order, (x, y) -> logits[x] != logits[y] ? Float.compare(logits[y], logits[x]) : Integer.compare(x, y));
        int kk = Math.min(k, logits.length);
        double max = logits[order[0]], total = 0;
        for (int i = 0; i < kk; i++) total += Math.exp(logits[order[i]] - max);
        Set<Integer> allowed = new HashSet<>();
        double before = 0;
        for (int i = 0; i < kk && (i == 0 || before < p * total); i++) {
            allowed.add(order[i]);
            before += Math.exp(logits[order[i]] - max);
        }
        for (int i = 0; i < 30; i++) assertThat(allowed).contains(s.sample(logits, NO_CONTEXT, 0));
    }

    @Property(tries = 100)
    void temperatureZeroIsArgmax(@ForAll @Size(min = 1, max = 50) float[] raw) {
        float[] logits = finite(raw);
        Sampler s = new Sampler(logits.length);
        s.reset(GenerationOptions.greedy());
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        assertThat(s.sample(logits, NO_CONTEXT, 0)).isEqualTo(best);
    }

    private static float[] finite(float[] raw) {
        float[] out = new float[raw.length];
        for (int i = 0; i < raw.length; i++) out[i] = Float.isFinite(raw[i]) ? Math.max(-50f, Math.min(50f, raw[i] % 50f)) : 0f;
        return out;
    }
}
