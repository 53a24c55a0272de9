package dev.petrel.cli;

import dev.petrel.llm.DecoderMath;
import dev.petrel.llm.DecoderOptions;
import dev.petrel.llm.Gpt2Config;
import dev.petrel.llm.Gpt2Decoder;
import dev.petrel.llm.Gpt2Model;
import dev.petrel.llm.WeightFormat;
import java.nio.FloatBuffer;
import java.nio.file.Path;

/**
 * Petrel's GPT-2 decoder under the generation benchmark: the Hugging Face folder loaded by
 * {@link Gpt2Model} (F32 weights used in place from the mapped safetensors), one {@link Gpt2Decoder}
 * whose KV cache is reset before each generation. The prefill computes the logits of the last prompt
 * token only.
 */
final class PetrelGenerateEngine implements GenerateEngine {
    private final Path folder;
    private final WeightFormat weights;
    private Gpt2Model model;
    private Gpt2Decoder decoder;
    private String provider = "?";

    PetrelGenerateEngine(Path folder) {
        this(folder, WeightFormat.FP32);
    }

    PetrelGenerateEngine(Path folder, WeightFormat weights) {
        this.folder = folder;
        this.weights = weights;
    }

    @Override
    public String name() {
        return "petrel";
    }

    @Override
    public long load(int threads) throws Exception {
        long t0 = System.nanoTime();
        DecoderOptions options = DecoderOptions.defaults().threads(threads).weights(weights);
        model = Gpt2Model.load(folder, options);
        decoder = model.newDecoder();
        long t1 = System.nanoTime();
        // The decoder takes the same choice when its options name no provider.
        provider = options.math() != null ? options.math().name() : DecoderMath.bestProvider().name();
        return t1 - t0;
    }

    Gpt2Config config() {
        return model.config();
    }

    /** The name of the DecoderMath provider whose kernels run (e.g. portable). */
    String provider() {
        return provider;
    }

    @Override
    public String details() {
        return "Petrel GPT-2 decoder, DecoderMath provider '" + provider + "', " + model.options() + "; "
                + model.weights().weightBytes() / (1 << 20) + " MiB of weights, " + model.weights().copiedBytes() / (1 << 20)
                + " MiB copied at load" + (model.weights().quantizedBytes() > 0 ? ", " + model.weights().quantizedBytes() / (1 << 20)
                + " MiB quantized at load" : "") + "; prefill computes the last position's logits";
    }

    @Override
    public void generate(int[] prompt, GenerateRun run, float[] promptLogits) {
        int vocab = model.config().vocabSize;
        int[] tokens = run.tokens;
        long[] steps = run.stepNanos;
        decoder.reset();
        long t0 = System.nanoTime();
        FloatBuffer logits = decoder.prefill(prompt);
        long t1 = System.nanoTime();
        int token = GenerateEngine.argmax(logits, 0, vocab);
        long t2 = System.nanoTime();
        run.prefillNanos = t1 - t0;
        run.firstTokenNanos = t2 - t0;
        tokens[0] = token;
        if (promptLogits != null) for (int i = 0; i < vocab; i++) promptLogits[i] = logits.get(i);
        for (int k = 1; k < tokens.length; k++) {
            long s = System.nanoTime();
            logits = decoder.decode(token);
            token = GenerateEngine.argmax(logits, 0, vocab);
            steps[k - 1] = System.nanoTime() - s;
            tokens[k] = token;
        }
    }

    @Override
    public void close() {
        if (decoder != null) decoder.close();
    }
}
