package dev.petrel.llm;

import java.util.Random;

/**
 * Picks the next token from logits as {@link GenerationOptions} say: repetition penalty, then argmax
 * (greedy) or temperature, top-k, top-p and a seeded draw. Works in arrays sized for the vocabulary once:
 * nothing is allocated per token. Not thread-safe.
 */
public final class Sampler {
    private final int vocab;
    private final float[] work;
    private final int[] order;
    private final double[] probs;
    private final int[] seen;
    private int stamp;
    private final Random random = new Random(0);
    private GenerationOptions options = GenerationOptions.greedy();

    public Sampler(int vocabSize) {
        this.vocab = vocabSize;
        work = new float[vocabSize];
        order = new int[vocabSize];
        probs = new double[vocabSize];
        seen = new int[vocabSize];
    }

    /** Uses {@code options} from now on and restarts the random sequence from its seed. */
    public void reset(GenerationOptions options) {
        this.options = options;
        random.setSeed(options.seed());
    }

    /**
     * The next token for {@code logits} ({@code [vocab]}, left unchanged), penalizing the tokens of
     * {@code context[0, contextLength)} if the options ask for a repetition penalty.
     */
    public int sample(float[] logits, int[] context, int contextLength) {
        System.arraycopy(logits, 0, work, 0, vocab);
        GenerationOptions o = options;
        if (o.repetitionPenalty() != 1f) penalizeRepetitions(context, contextLength, o.repetitionPenalty());
        if (o.isGreedy()) return argmax(work, vocab);

        float invT = 1f / o.temperature();
        for (int i = 0; i < vocab; i++) work[i] *= invT;
        int k = o.topK() > 0 ? Math.min(o.topK(), vocab) : vocab;
        if (k == vocab && o.topP() >= 1f) return drawFromAll();

        selectTop(k);
        double max = work[order[0]], total = 0;
        for (int i = 0; i < k; i++) {
            probs[i] = Math.exp(work[order[i]] - max);
            total += probs[i];
        }
        int kept = k;
        if (o.topP() < 1f) {
            double before = 0, limit = o.topP() * total;
            kept = 0;
            while (kept < k && (kept == 0 || before < limit)) before += probs[kept++];
        }
        double mass = 0;
        for (int i = 0; i < kept; i++) mass += probs[i];
        double r = random.nextDouble() * mass;
        for (int i = 0; i < kept - 1; i++) {
            r -= probs[i];
            if (r < 0) return order[i];
        }
        return order[kept - 1];
    }

    /** Hugging Face's rule: each distinct context token once, positive logits divided, negative multiplied. */
    private void penalizeRepetitions(int[] context, int length, float theta) {
        if (++stamp == 0) {
            java.util.Arrays.fill(seen, 0);
            stamp = 1;
        }
        for (int i = 0; i < length; i++) {
            int t = context[i];
            if (t < 0 || t >= vocab || seen[t] == stamp) continue;
            seen[t] = stamp;
            float v = work[t];
            work[t] = v < 0 ? v * theta : v / theta;
        }
    }

    /** The first index of the largest value, as torch.argmax. */
    static int argmax(float[] v, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    private int drawFromAll() {
        float max = work[argmax(work, vocab)];
        double total = 0;
        for (int i = 0; i < vocab; i++) {
            probs[i] = Math.exp(work[i] - max);
            total += probs[i];
        }
        double r = random.nextDouble() * total;
        for (int i = 0; i < vocab - 1; i++) {
            r -= probs[i];
            if (r < 0) return i;
        }
        return vocab - 1;
    }

    /**
     * Puts the k best ids in {@code order[0, k)}, best first: a min-heap of the k best seen so far (its
     * root the weakest), then popped from the back. Ties rank the lower id first.
     */
    private void selectTop(int k) {
        int size = 0;
        for (int id = 0; id < vocab; id++) {
            if (size < k) {
                order[size] = id;
                siftUp(size++);
            } else if (better(id, order[0])) {
                order[0] = id;
                siftDown(0, size);
            }
        }
        for (int end = size - 1; end > 0; end--) {
            int weakest = order[0];
            order[0] = order[end];
            order[end] = weakest;
            siftDown(0, end);
        }
    }

    private boolean better(int a, int b) {
        return work[a] > work[b] || (work[a] == work[b] && a < b);
    }

    private void siftUp(int i) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!better(order[parent], order[i])) break;
            swap(i, parent);
            i = parent;
        }
    }

    private void siftDown(int i, int size) {
        while (true) {
            int l = 2 * i + 1, r = l + 1, weakest = i;
            if (l < size && better(order[weakest], order[l])) weakest = l;
            if (r < size && better(order[weakest], order[r])) weakest = r;
            if (weakest == i) return;
            swap(i, weakest);
            i = weakest;
        }
    }

    private void swap(int a, int b) {
        int t = order[a];
        order[a] = order[b];
        order[b] = t;
    }
}
