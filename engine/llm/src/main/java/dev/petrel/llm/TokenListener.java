package dev.petrel.llm;

/**
 * Receives a generation as it happens. The pieces given to {@link #onText} concatenate to
 * {@link GenerationResult#text()}: text is held back while it might be the start of a stop string, and
 * while a character's UTF-8 bytes are spread over tokens not yet generated.
 *
 * <pre>{@code
 * generator.generate("Once upon a time", GenerationOptions.greedy(), System.out::print);
 * }</pre>
 */
@FunctionalInterface
public interface TokenListener {
    /** Text released by the last token(s); never empty. */
    void onText(String text);

    /** Called with every generated token id before its text; return false to stop generating. */
    default boolean onToken(int id) {
        return true;
    }

    /** A listener that ignores everything. */
    TokenListener NONE = text -> { };
}
