package dev.petrel.cli;

/**
 * An engine under the generation benchmark: greedy decoding of a GPT-2 model, timed step by step. One
 * {@link #generate} is one whole generation: a prefill of the prompt that yields the first new token,
 * then one decode step per further token.
 */
interface GenerateEngine extends AutoCloseable {
    String name();

    /** What ran: runtime version, kernels, model file, what its prefill computes. Valid after {@link #load}. */
    String details();

    /** Reads the model and makes it ready to generate with {@code threads} threads; returns the time taken. */
    long load(int threads) throws Exception;

    /**
     * Generates {@code run.tokens.length} tokens after {@code prompt}, greedily (argmax, lowest id on
     * ties), filling {@code run}'s times and tokens. When {@code promptLogits} is not null the logits after
     * the last prompt token are copied into it, outside the timed sections.
     */
    void generate(int[] prompt, GenerateRun run, float[] promptLogits) throws Exception;

    /** The index of the largest of {@code n} values from {@code offset}; the lowest index among equals. */
    static int argmax(java.nio.FloatBuffer values, int offset, int n) {
        int best = 0;
        float max = values.get(offset);
        for (int i = 1; i < n; i++) {
            float v = values.get(offset + i);
            if (v > max) {
                max = v;
                best = i;
            }
        }
        return best;
    }
}
