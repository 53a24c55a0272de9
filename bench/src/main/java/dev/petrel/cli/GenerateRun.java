package dev.petrel.cli;

/**
 * The measurements of one generation, in arrays allocated before it runs, so that recording them costs
 * the timed loop nothing. Token 0 comes from the prefill; token k ≥ 1 from decode step k − 1.
 */
final class GenerateRun {
    /** The greedy tokens, in order. */
    final int[] tokens;
    /** Nanoseconds of each decode step: feeding token k − 1 and picking token k, for k = 1 .. n − 1. */
    final long[] stepNanos;
    /** Nanoseconds of the prefill: the prompt in, the logits of its last token out. */
    long prefillNanos;
    /** Time to first token: the prefill plus picking the first new token. */
    long firstTokenNanos;

    GenerateRun(int newTokens) {
        if (newTokens < 1) throw new IllegalArgumentException("at least one new token, got " + newTokens);
        tokens = new int[newTokens];
        stepNanos = new long[newTokens - 1];
    }

    long decodeNanos() {
        long sum = 0;
        for (long s : stepNanos) sum += s;
        return sum;
    }

    /** Decode steps per second over this generation; NaN without decode steps. */
    double decodeTokensPerSecond() {
        return stepNanos.length == 0 ? Double.NaN : stepNanos.length * 1e9 / decodeNanos();
    }

    double prefillTokensPerSecond(int promptTokens) {
        return promptTokens * 1e9 / prefillNanos;
    }
}
