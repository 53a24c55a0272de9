package dev.petrel.llm;

import dev.petrel.ModelFormatException;
import dev.petrel.UnsupportedFeatureException;
import dev.petrel.json.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The hyper-parameters of a GPT-2 checkpoint, read from Hugging Face's {@code config.json}. Missing
 * fields take the defaults of {@code transformers.GPT2Config}; fields that would change the computation
 * in a way this runtime does not implement are rejected with {@link UnsupportedFeatureException}.
 */
public final class Gpt2Config {
    /** Epsilon from which a LayerNorm is read as the frozen centering-plus-affine map of an LN-free model. */
    public static final double LN_FREE_EPSILON = 1e6;

    public final int embeddingSize;
    public final int layers;
    public final int heads;
    public final int positions;
    public final int vocabSize;
    public final int innerSize;
    public final double layerNormEpsilon;
    public final Activation activation;
    public final boolean tieWordEmbeddings;
    public final int bosTokenId;
    public final int eosTokenId;
    public final boolean scaleAttentionWeights;
    public final boolean scaleAttentionByInverseLayerIndex;

    Gpt2Config(int embeddingSize, int layers, int heads, int positions, int vocabSize, int innerSize,
               double layerNormEpsilon, Activation activation, boolean tieWordEmbeddings, int bosTokenId,
               int eosTokenId, boolean scaleAttentionWeights, boolean scaleAttentionByInverseLayerIndex) {
        this.embeddingSize = embeddingSize;
        this.layers = layers;
        this.heads = heads;
        this.positions = positions;
        this.vocabSize = vocabSize;
        this.innerSize = innerSize;
        this.layerNormEpsilon = layerNormEpsilon;
        this.activation = activation;
        this.tieWordEmbeddings = tieWordEmbeddings;
        this.bosTokenId = bosTokenId;
        this.eosTokenId = eosTokenId;
        this.scaleAttentionWeights = scaleAttentionWeights;
        this.scaleAttentionByInverseLayerIndex = scaleAttentionByInverseLayerIndex;
    }

    /** Per-head size: {@code n_embd / n_head}. */
    public int headSize() {
        return embeddingSize / heads;
    }

    /** Whether the stored LayerNorms are the LN-free model's scaled FakeLNs (eps ≥ {@value #LN_FREE_EPSILON}). */
    public boolean isLayerNormFree() {
        return layerNormEpsilon >= LN_FREE_EPSILON;
    }

    /** Reads {@code config.json} of a model folder, or the given JSON file. */
    public static Gpt2Config load(Path folderOrFile) throws IOException {
        Path file = java.nio.file.Files.isDirectory(folderOrFile) ? folderOrFile.resolve("config.json") : folderOrFile;
        if (!java.nio.file.Files.isRegularFile(file)) throw new ModelFormatException(file + ": missing config.json");
        return parse(Json.readUtf8(file), file.toString());
    }

    /** Parses the text of a {@code config.json}; {@code where} names it in error messages. */
    public static Gpt2Config parse(String json, String where) {
        Object root;
        try {
            root = Json.parse(json);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(where + " is not valid JSON: " + e.getMessage());
        }
        if (!(root instanceof Map)) throw new ModelFormatException(where + ": expected a JSON object");
        Fields f = new Fields((Map<?, ?>) root, where);
        Object type = f.map.get("model_type");
        if (type != null && !"gpt2".equals(type)) {
            throw new UnsupportedFeatureException(where + ": model_type '" + type + "' is not supported (expected 'gpt2')");
        }
        int d = f.positiveInt("n_embd", 768);
        int layers = f.positiveInt("n_layer", 12);
        int heads = f.positiveInt("n_head", 12);
        int positions = f.positiveInt("n_positions", 1024);
        int vocab = f.positiveInt("vocab_size", 50257);
        if (d % heads != 0) throw new ModelFormatException(where + ": n_embd " + d + " is not a multiple of n_head " + heads);
        Object inner = f.map.get("n_inner");
        int innerSize = inner == null ? 4 * d : f.positiveInt("n_inner", 4 * d);
        double eps = f.number("layer_norm_epsilon", 1e-5);
        if (!(eps > 0) || Double.isInfinite(eps)) throw new ModelFormatException(where + ": layer_norm_epsilon must be a positive finite number, got " + eps);
        Object act = f.map.get("activation_function");
        if (act != null && !(act instanceof String)) throw new ModelFormatException(where + ": activation_function must be a string, got " + act);
        Activation activation = Activation.of(act == null ? "gelu_new" : (String) act, where);
        if (f.bool("reorder_and_upcast_attn", false)) {
            throw new UnsupportedFeatureException(where + ": reorder_and_upcast_attn = true is not supported"
                    + " (this runtime computes attention in fp32 in the standard order)");
        }
        Object addCross = f.map.get("add_cross_attention");
        if (Boolean.TRUE.equals(addCross)) throw new UnsupportedFeatureException(where + ": add_cross_attention = true is not supported");
        return new Gpt2Config(d, layers, heads, positions, vocab, innerSize, eps, activation,
                f.bool("tie_word_embeddings", true), f.tokenId("bos_token_id", 50256, vocab),
                f.tokenId("eos_token_id", 50256, vocab), f.bool("scale_attn_weights", true),
                f.bool("scale_attn_by_inverse_layer_idx", false));
    }

    @Override
    public String toString() {
        return "GPT-2 config: n_embd " + embeddingSize + ", n_layer " + layers + ", n_head " + heads + ", n_positions "
                + positions + ", vocab " + vocabSize + ", n_inner " + innerSize + ", eps " + layerNormEpsilon + ", "
                + activation.configName + (isLayerNormFree() ? " (LN-free)" : "");
    }

    private static final class Fields {
        final Map<?, ?> map;
        final String where;

        Fields(Map<?, ?> map, String where) {
            this.map = map;
            this.where = where;
        }

        int positiveInt(String key, int fallback) {
            Object v = map.get(key);
            if (v == null) return fallback;
            if (!(v instanceof Long) || (Long) v < 1 || (Long) v > Integer.MAX_VALUE) {
                throw new ModelFormatException(where + ": " + key + " must be a positive integer, got " + v);
            }
            return (int) (long) (Long) v;
        }

        double number(String key, double fallback) {
            Object v = map.get(key);
            if (v == null) return fallback;
            if (!(v instanceof Number)) throw new ModelFormatException(where + ": " + key + " must be a number, got " + v);
            return ((Number) v).doubleValue();
        }

        boolean bool(String key, boolean fallback) {
            Object v = map.get(key);
            if (v == null) return fallback;
            if (!(v instanceof Boolean)) throw new ModelFormatException(where + ": " + key + " must be true or false, got " + v);
            return (Boolean) v;
        }

        /** -1 when absent or null; HF writes a list for several EOS ids, of which the first is taken. */
        int tokenId(String key, int fallback, int vocab) {
            if (!map.containsKey(key)) return fallback < vocab ? fallback : -1;
            Object v = map.get(key);
            if (v instanceof java.util.List && !((java.util.List<?>) v).isEmpty()) v = ((java.util.List<?>) v).get(0);
            if (v == null) return -1;
            if (!(v instanceof Long) || (Long) v < 0 || (Long) v >= vocab) {
                throw new ModelFormatException(where + ": " + key + " must be a token id in [0, " + vocab + "), got " + v);
            }
            return (int) (long) (Long) v;
        }
    }
}
