package dev.petrel.llm;

import dev.petrel.InvalidInputException;
import dev.petrel.tokenizer.ByteLevelBpeTokenizer;
import java.util.Arrays;
import java.util.List;

/**
 * Generates text: prefills the prompt, then samples and decodes one token at a time, streaming the text
 * to a {@link TokenListener}. Owns a decoder (a {@link Gpt2Decoder} with its KV cache and threads, or an
 * {@link OnnxCausalLm.Decoder} over ONNX sessions) and a {@link Sampler}; each {@link #generate} starts
 * from an empty cache. Not thread-safe; close it.
 *
 * <pre>{@code
 * Gpt2Model model = Gpt2Model.load(Paths.get("gpt2"));
 * try (Generator generator = model.newGenerator()) {
 *     GenerationResult r = generator.generate("The old harbor",
 *             GenerationOptions.sampling(0.8f, 42).topP(0.95f).maxNewTokens(50).stopStrings("\n\n"),
 *             System.out::print);
 *     System.out.println("\n" + r);
 * }
 * }</pre>
 */
public final class Generator implements AutoCloseable {
    /**
     * What a generator drives: a model that feeds tokens after those in its cache and keeps the logits
     * after the last one in an array of the vocabulary's size.
     */
    interface Steps extends AutoCloseable {
        int vocabSize();

        /** The most tokens the cache holds. */
        int capacity();

        /** Tokens in the cache. */
        int position();

        void reset();

        /** Feeds tokens after those in the cache. */
        void feed(int[] ids);

        /** Feeds one token. */
        void step(int id);

        /** The logits after the last token fed, {@code [vocabSize]}, overwritten by the next call. */
        float[] logitsArray();

        @Override
        void close();
    }

    private final Steps decoder;
    private final Gpt2Decoder gpt2;
    private final Sampler sampler;
    private final ByteLevelBpeTokenizer tokenizer;
    private final int eosId;
    private final int[] context;

    Generator(Gpt2Decoder decoder, ByteLevelBpeTokenizer tokenizer, int eosId) {
        this(new Gpt2Steps(decoder), decoder, tokenizer, eosId);
    }

    Generator(Steps steps, ByteLevelBpeTokenizer tokenizer, int eosId) {
        this(steps, null, tokenizer, eosId);
    }

    private Generator(Steps steps, Gpt2Decoder gpt2, ByteLevelBpeTokenizer tokenizer, int eosId) {
        this.decoder = steps;
        this.gpt2 = gpt2;
        this.tokenizer = tokenizer;
        this.eosId = eosId;
        this.sampler = new Sampler(steps.vocabSize());
        this.context = new int[steps.capacity() + 1];
    }

    /** The decoder this generator drives (e.g. to read the last logits); null when it runs an {@link OnnxCausalLm}. */
    public Gpt2Decoder decoder() {
        return gpt2;
    }

    /** The Java GPT-2 decoder seen as generation steps. */
    private static final class Gpt2Steps implements Steps {
        private final Gpt2Decoder d;

        Gpt2Steps(Gpt2Decoder d) {
            this.d = d;
        }

        @Override public int vocabSize() { return d.config().vocabSize; }
        @Override public int capacity() { return d.capacity(); }
        @Override public int position() { return d.position(); }
        @Override public void reset() { d.reset(); }
        @Override public void feed(int[] ids) { d.prefill(ids, null); }
        @Override public void step(int id) { d.decode(id); }
        @Override public float[] logitsArray() { return d.logitsArray(); }
        @Override public void close() { d.close(); }
    }

    /** Encodes {@code prompt} with the model's tokenizer and generates after it. */
    public GenerationResult generate(String prompt, GenerationOptions options, TokenListener listener) {
        if (tokenizer == null) throw new IllegalStateException("the model folder has no tokenizer: generate from token ids instead");
        return generate(tokenizer.encode(prompt), options, listener);
    }

    /**
     * Generates after the token ids {@code prompt}. Text is streamed only when the model has a tokenizer;
     * without one, {@link GenerationResult#text()} is empty and stop strings are not checked.
     */
    public GenerationResult generate(int[] prompt, GenerationOptions options, TokenListener listener) {
        if (prompt.length == 0) throw new InvalidInputException("the prompt has no tokens (GPT-2 needs at least one, e.g. its BOS id)");
        if (prompt.length > decoder.capacity()) {
            throw new InvalidInputException("the prompt has " + prompt.length + " tokens, more than the model's "
                    + decoder.capacity() + " positions");
        }
        if (listener == null) listener = TokenListener.NONE;
        sampler.reset(options);
        TextStream text = new TextStream(options.stopStrings(), listener);
        System.arraycopy(prompt, 0, context, 0, prompt.length);
        int length = prompt.length;

        long t0 = System.nanoTime();
        decoder.reset();
        decoder.feed(prompt);
        long t1 = System.nanoTime();

        int generated = 0, steps = 0;
        GenerationResult.StopReason reason;
        while (true) {
            int id = sampler.sample(decoder.logitsArray(), context, length);
            context[length++] = id;
            generated++;
            if (!listener.onToken(id)) {
                reason = GenerationResult.StopReason.LISTENER;
                if (id != eosId || !options.stopAtEos()) text.append(id);
                break;
            }
            if (id == eosId && options.stopAtEos()) {
                reason = GenerationResult.StopReason.EOS;
                break;
            }
            if (text.append(id)) {
                reason = GenerationResult.StopReason.STOP_STRING;
                break;
            }
            if (generated == options.maxNewTokens()) {
                reason = GenerationResult.StopReason.MAX_TOKENS;
                break;
            }
            if (decoder.position() == decoder.capacity()) {
                reason = GenerationResult.StopReason.CONTEXT_FULL;
                break;
            }
            decoder.step(id);
            steps++;
        }
        if (reason != GenerationResult.StopReason.STOP_STRING) text.finish();
        long t2 = System.nanoTime();
        return new GenerationResult(prompt.clone(), Arrays.copyOfRange(context, prompt.length, length), text.result(),
                reason, t1 - t0, t2 - t1, steps);
    }

    /**
     * The text so far, and what of it the listener has seen: everything except a tail that could still
     * grow into a stop string. A stop string may span tokens, so matches are looked for across the
     * whole text, starting where a match not seen before could begin.
     */
    private final class TextStream {
        final List<String> stops;
        final TokenListener listener;
        final ByteLevelBpeTokenizer.Decoder utf8 = tokenizer == null ? null : tokenizer.decoder();
        final StringBuilder text = new StringBuilder();
        int released;
        int end = -1;

        TextStream(List<String> stops, TokenListener listener) {
            this.stops = stops;
            this.listener = listener;
        }

        /** Adds a token's text; true when the text now holds a stop string. */
        boolean append(int id) {
            if (utf8 == null) return false;
            return add(utf8.append(id), false);
        }

        void finish() {
            if (utf8 != null && end < 0) add(utf8.flush(), true);
        }

        private boolean add(String piece, boolean last) {
            int before = text.length();
            text.append(piece);
            int stop = -1;
            for (String s : stops) {
                int at = text.indexOf(s, Math.max(0, before - s.length() + 1));
                if (at >= 0 && (stop < 0 || at < stop)) stop = at;
            }
            if (stop >= 0) {
                end = stop;
                release(stop);
                return true;
            }
            release(last ? text.length() : text.length() - heldBack());
            return false;
        }

        /** Length of the longest tail of the text that is a proper prefix of a stop string. */
        private int heldBack() {
            int held = 0;
            for (String s : stops) {
                for (int n = Math.min(s.length() - 1, text.length()); n > held; n--) {
                    if (endsWith(s, n)) {
                        held = n;
                        break;
                    }
                }
            }
            return held;
        }

        private boolean endsWith(String s, int n) {
            int from = text.length() - n;
            for (int i = 0; i < n; i++) if (text.charAt(from + i) != s.charAt(i)) return false;
            return true;
        }

        private void release(int upTo) {
            if (upTo > released) {
                listener.onText(text.substring(released, upTo));
                released = upTo;
            }
        }

        String result() {
            return end >= 0 ? text.substring(0, end) : text.substring(0, released);
        }
    }

    @Override
    public void close() {
        decoder.close();
    }
}
