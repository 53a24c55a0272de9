package dev.petrel.llm;

/**
 * How a model is prepared at load and run: threads, LayerNorm handling, prefill chunk. Immutable;
 * each setter returns a copy.
 *
 * <pre>{@code
 * DecoderOptions o = DecoderOptions.defaults().threads(4).preRmsNorm(true);
 * }</pre>
 */
public final class DecoderOptions {
    private final int threads;
    private final boolean literalLayerNorm;
    private final boolean preRmsNorm;
    private final int prefillChunk;
    private final DecoderMath.Provider math;
    private final WeightFormat weights;

    private DecoderOptions(int threads, boolean literalLayerNorm, boolean preRmsNorm, int prefillChunk, DecoderMath.Provider math,
                           WeightFormat weights) {
        this.threads = threads;
        this.literalLayerNorm = literalLayerNorm;
        this.preRmsNorm = preRmsNorm;
        this.prefillChunk = prefillChunk;
        this.math = math;
        this.weights = weights;
    }

    /** One thread, LN-free models folded, LayerNorm kept, prefill in chunks of up to 128 tokens, best kernels. */
    public static DecoderOptions defaults() {
        return new DecoderOptions(1, false, false, 128, null, WeightFormat.FP32);
    }

    public int threads() {
        return threads;
    }

    /** Threads of each decoder: the caller plus {@code threads − 1} workers; 1 runs without a pool. */
    public DecoderOptions threads(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        return new DecoderOptions(threads, literalLayerNorm, preRmsNorm, prefillChunk, math, weights);
    }

    public boolean literalLayerNorm() {
        return literalLayerNorm;
    }

    /**
     * Runs every LayerNorm as stored, in fp32 with the config's eps, even for an LN-free model (eps ≥ 1e6)
     * whose LayerNorms are otherwise folded. For checking the fold; slower.
     */
    public DecoderOptions literalLayerNorm(boolean literal) {
        if (literal && preRmsNorm) throw new IllegalArgumentException("literalLayerNorm and preRmsNorm exclude each other");
        return new DecoderOptions(threads, literal, preRmsNorm, prefillChunk, math, weights);
    }

    public boolean preRmsNorm() {
        return preRmsNorm;
    }

    /**
     * Converts the Pre-LN model to Pre-RMSNorm at load (Jiang et al., NeurIPS 2023): recenters every writer
     * of the residual stream so its mean is 0, then runs each LayerNorm as an RMSNorm with the same eps
     * and affine. Equal to the original in exact arithmetic; in fp32 within rounding. Copies the c_proj
     * matrices.
     */
    public DecoderOptions preRmsNorm(boolean convert) {
        if (convert && literalLayerNorm) throw new IllegalArgumentException("literalLayerNorm and preRmsNorm exclude each other");
        return new DecoderOptions(threads, literalLayerNorm, convert, prefillChunk, math, weights);
    }

    public int prefillChunk() {
        return prefillChunk;
    }

    /** Most prompt tokens one batched prefill pass takes; bounds the decoder's activation memory. */
    public DecoderOptions prefillChunk(int tokens) {
        if (tokens < 1) throw new IllegalArgumentException("prefillChunk must be at least 1, got " + tokens);
        return new DecoderOptions(threads, literalLayerNorm, preRmsNorm, tokens, math, weights);
    }

    /** The kernel provider: null (default) takes {@link DecoderMath#bestProvider()}. */
    public DecoderMath.Provider math() {
        return math;
    }

    public DecoderOptions math(DecoderMath.Provider provider) {
        return new DecoderOptions(threads, literalLayerNorm, preRmsNorm, prefillChunk, provider, weights);
    }

    public WeightFormat weights() {
        return weights;
    }

    /**
     * How the projections and the logits table are kept: {@link WeightFormat#FP32} (default) or quantized
     * at load ({@link WeightFormat#Q8}, {@link WeightFormat#Q4}; the embedding lookup keeps reading fp32 rows).
     */
    public DecoderOptions weights(WeightFormat format) {
        if (format == null) throw new IllegalArgumentException("weight format must not be null");
        return new DecoderOptions(threads, literalLayerNorm, preRmsNorm, prefillChunk, math, format);
    }

    @Override
    public String toString() {
        return "threads " + threads + (literalLayerNorm ? ", literal LayerNorm" : "") + (preRmsNorm ? ", Pre-RMSNorm" : "")
                + ", prefill chunk " + prefillChunk + (weights != WeightFormat.FP32 ? ", " + weights + " weights" : "");
    }
}
