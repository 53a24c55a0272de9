package dev.petrel.llm;

import dev.petrel.ModelFormatException;
import dev.petrel.safetensors.SafetensorsCheckpoint;
import dev.petrel.tokenizer.ByteLevelBpeTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A GPT-2 causal language model loaded from a Hugging Face folder: {@code config.json},
 * {@code model.safetensors} (or shards with {@code model.safetensors.index.json}), and the tokenizer
 * ({@code tokenizer.json}, or {@code vocab.json} + {@code merges.txt}; optional). F32 weights are used in
 * place from the mapped files; F16/BF16 are converted to fp32 once. LN-free checkpoints
 * ({@code layer_norm_epsilon ≥ 1e6}, Baroni et al. 2025) are recognized and their LayerNorms folded; see
 * {@link Gpt2Weights}. Immutable and shareable: each {@link Generator} or {@link Gpt2Decoder} has its own
 * cache and threads.
 *
 * <pre>{@code
 * Gpt2Model model = Gpt2Model.load(Paths.get("models/gpt2"), DecoderOptions.defaults().threads(4));
 * try (Generator generator = model.newGenerator()) {
 *     GenerationResult r = generator.generate("The old harbor",
 *             GenerationOptions.greedy().maxNewTokens(24), System.out::print);
 *     System.out.printf("%n%.1f tokens/s%n", r.decodeTokensPerSecond());
 * }
 * LogitAttribution a = model.attribute(model.tokenizer().encode("The old harbor"), 2, 375);
 * System.out.println(a);   // embed, attn.0, mlp.0, ..., ln_f.bias, and how exactly they sum to the logit
 * }</pre>
 */
public final class Gpt2Model {
    private final Gpt2Config config;
    private final Gpt2Weights weights;
    private final ByteLevelBpeTokenizer tokenizer;
    private final DecoderOptions options;

    private Gpt2Model(Gpt2Config config, Gpt2Weights weights, ByteLevelBpeTokenizer tokenizer, DecoderOptions options) {
        this.config = config;
        this.weights = weights;
        this.tokenizer = tokenizer;
        this.options = options;
    }

    /** Loads with {@link DecoderOptions#defaults()}. */
    public static Gpt2Model load(Path folder) throws IOException {
        return load(folder, DecoderOptions.defaults());
    }

    /**
     * Loads a model folder. A folder written by {@link QuantizedCheckpoint#write} (its safetensors
     * {@code __metadata__} says so) loads as stored: its Q8/Q4 panels are views of the mapped file, nothing
     * is quantized or folded again. For such a folder {@link DecoderOptions#weights()} may be
     * {@link WeightFormat#FP32} (the default, meaning "as stored") or the stored format, and
     * {@link DecoderOptions#literalLayerNorm()}/{@link DecoderOptions#preRmsNorm()} must prepare the weights
     * as they were written; anything else is an {@link IllegalArgumentException} saying what differs.
     *
     * @throws ModelFormatException when config.json or a tensor is missing or malformed (the message names
     *     the tensor, its expected and its found shape)
     * @throws dev.petrel.UnsupportedFeatureException for a configuration this runtime does not implement
     * @throws IllegalArgumentException when the options disagree with a quantized checkpoint's preparation
     */
    public static Gpt2Model load(Path folder, DecoderOptions options) throws IOException {
        if (!Files.isDirectory(folder)) throw new java.nio.file.NoSuchFileException(folder.toString(), null, "not a model folder");
        Gpt2Config config = Gpt2Config.load(folder);
        Gpt2Weights weights;
        try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(folder)) {
            weights = Gpt2Weights.load(checkpoint, config, options);
        }
        ByteLevelBpeTokenizer tokenizer = null;
        if (Files.isRegularFile(folder.resolve("tokenizer.json"))
                || (Files.isRegularFile(folder.resolve("vocab.json")) && Files.isRegularFile(folder.resolve("merges.txt")))) {
            tokenizer = ByteLevelBpeTokenizer.fromFolder(folder);
            if (tokenizer.vocabSize() > config.vocabSize) {
                throw new ModelFormatException(folder + ": the tokenizer has " + tokenizer.vocabSize()
                        + " tokens, more than the model's vocab_size " + config.vocabSize);
            }
        }
        return new Gpt2Model(config, weights, tokenizer, options);
    }

    public Gpt2Config config() {
        return config;
    }

    public Gpt2Weights weights() {
        return weights;
    }

    /** The folder's tokenizer, or null when it has none. */
    public ByteLevelBpeTokenizer tokenizer() {
        return tokenizer;
    }

    public DecoderOptions options() {
        return options;
    }

    /** The end-of-text id: config.json's eos_token_id, else the tokenizer's, else -1. */
    public int eosId() {
        if (config.eosTokenId >= 0) return config.eosTokenId;
        return tokenizer == null ? -1 : tokenizer.eosId();
    }

    /** A decoder with its own KV cache ({@link KvCache#bytes()} off-heap) and {@link DecoderOptions#threads()} threads. */
    public Gpt2Decoder newDecoder() {
        return new Gpt2Decoder(weights, options);
    }

    /** A generator over a new decoder. */
    public Generator newGenerator() {
        return new Generator(newDecoder(), tokenizer, eosId());
    }

    /** Direct logit attribution of {@code token}'s logit after {@code ids[position]}; see {@link LogitAttribution}. */
    public LogitAttribution attribute(int[] ids, int position, int token) {
        return LogitAttribution.compute(this, ids, position, token);
    }

    @Override
    public String toString() {
        return config + "; blocks " + weights.blockNorm() + ", ln_f " + weights.finalNorm() + "; "
                + weights.weightBytes() / (1 << 20) + " MiB of " + (weights.format() == WeightFormat.FP32 ? "" : weights.format() + " ")
                + "weights, " + weights.copiedBytes() / (1 << 20) + " MiB copied";
    }
}
