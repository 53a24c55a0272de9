package dev.petrel.llm;

/** What {@link Generator#generate} produced, why it stopped, and how fast it went. */
public final class GenerationResult {
    /** Why generation ended. */
    public enum StopReason {
        /** The end-of-text token was generated (it is the last of {@link #tokens()}, not in the text). */
        EOS,
        /** The text reached a stop string; the text ends just before it. */
        STOP_STRING,
        /** {@link GenerationOptions#maxNewTokens()} tokens were generated. */
        MAX_TOKENS,
        /** The model's context ({@code n_positions}) is full. */
        CONTEXT_FULL,
        /** {@link TokenListener#onToken} returned false. */
        LISTENER
    }

    private final int[] promptTokens;
    private final int[] tokens;
    private final String text;
    private final StopReason stopReason;
    private final long prefillNanos;
    private final long decodeNanos;
    private final int decodeSteps;

    GenerationResult(int[] promptTokens, int[] tokens, String text, StopReason stopReason, long prefillNanos,
                     long decodeNanos, int decodeSteps) {
        this.promptTokens = promptTokens;
        this.tokens = tokens;
        this.text = text;
        this.stopReason = stopReason;
        this.prefillNanos = prefillNanos;
        this.decodeNanos = decodeNanos;
        this.decodeSteps = decodeSteps;
    }

    /** The prompt's token ids. */
    public int[] promptTokens() {
        return promptTokens.clone();
    }

    /** The generated token ids, in order. */
    public int[] tokens() {
        return tokens.clone();
    }

    /** The generated text (without the prompt, the end-of-text token, or a stop string and what follows it). */
    public String text() {
        return text;
    }

    public StopReason stopReason() {
        return stopReason;
    }

    /** Wall time of the prompt's prefill. */
    public long prefillNanos() {
        return prefillNanos;
    }

    /** Wall time from the end of the prefill to the end (decode steps plus sampling). */
    public long decodeNanos() {
        return decodeNanos;
    }

    /** Prompt tokens per second of prefill. */
    public double promptTokensPerSecond() {
        return prefillNanos == 0 ? 0 : promptTokens.length * 1e9 / prefillNanos;
    }

    /** Single-token decode steps per second (the first generated token comes from the prefill). */
    public double decodeTokensPerSecond() {
        return decodeNanos == 0 ? 0 : decodeSteps * 1e9 / decodeNanos;
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "%d prompt tokens (%.1f tok/s), %d generated (%.1f tok/s decode), stop: %s",
                promptTokens.length, promptTokensPerSecond(), tokens.length, decodeTokensPerSecond(), stopReason);
    }
}
