package dev.petrel.llm;

import dev.petrel.InvalidInputException;
import dev.petrel.spi.Parallel;
import java.nio.FloatBuffer;

/**
 * Runs a GPT-2 model token by token over a {@link KvCache}: {@link #prefill} feeds the prompt in batched
 * passes (one matmul over all its rows per projection), {@link #decode} one token (one GEMV per
 * projection, attention over the cache). Every buffer is allocated by the constructor; decoding
 * allocates nothing. Not thread-safe: one decoder per conversation; close it to stop its worker threads.
 *
 * <pre>{@code
 * try (Gpt2Decoder decoder = model.newDecoder()) {
 *     FloatBuffer logits = decoder.prefill(promptIds);   // logits of the last prompt token
 *     int next = argmax(logits);
 *     logits = decoder.decode(next);                      // logits after next
 * }
 * }</pre>
 */
public final class Gpt2Decoder implements AutoCloseable {
    private final Gpt2Weights w;
    private final Gpt2Config c;
    private final Parallel.Pool pool;
    private final DecoderMath math;
    private final KvCache cache;
    private final int chunk;

    private final float[] x, normed, qkv, attended, projected, hidden, logits, scores;
    private final FloatBuffer logitsView;
    private final int[] single = new int[1];
    private int position;

    /** Component outputs at one position, for {@link LogitAttribution}: embed, attn.0, mlp.0, …, final residual. */
    private int tracePosition = -1;
    private float[][] trace;

    Gpt2Decoder(Gpt2Weights weights, DecoderOptions options) {
        this.w = weights;
        this.c = weights.config;
        DecoderMath.Provider provider = options.math() != null ? options.math() : DecoderMath.bestProvider();
        this.pool = Parallel.pool(options.threads());
        this.math = provider.create(pool);
        this.cache = new KvCache(c.layers, c.positions, c.embeddingSize);
        this.chunk = Math.min(options.prefillChunk(), c.positions);
        int d = c.embeddingSize;
        x = new float[chunk * d];
        normed = new float[chunk * d];
        qkv = new float[chunk * 3 * d];
        attended = new float[chunk * d];
        projected = new float[chunk * d];
        hidden = new float[chunk * c.innerSize];
        logits = new float[c.vocabSize];
        scores = new float[c.heads * c.positions];
        logitsView = FloatBuffer.wrap(logits).asReadOnlyBuffer();
    }

    public Gpt2Config config() {
        return c;
    }

    /** Tokens in the cache: the position the next token will take. */
    public int position() {
        return position;
    }

    /** Context length: the most tokens the cache holds ({@code n_positions}). */
    public int capacity() {
        return c.positions;
    }

    public KvCache cache() {
        return cache;
    }

    /** Empties the cache: the next token goes to position 0. */
    public void reset() {
        position = 0;
    }

    /**
     * The logits of the last token fed, {@code [vocab]}: a read-only view of the decoder's own array,
     * overwritten by the next call. Read it with absolute gets.
     */
    public FloatBuffer logits() {
        return logitsView;
    }

    /** The decoder's logits array itself (for the sampler); see {@link #logits()}. */
    float[] logitsArray() {
        return logits;
    }

    /** Feeds tokens after those already in the cache; returns the logits after the last one. */
    public FloatBuffer prefill(int... ids) {
        prefill(ids, null);
        return logitsView;
    }

    /**
     * {@link #prefill(int...)}, also writing the logits after every token into {@code allLogits}
     * ({@code [ids.length, vocab]}, row r after {@code ids[r]}) when it is not null.
     */
    public void prefill(int[] ids, float[] allLogits) {
        if (ids.length == 0) throw new InvalidInputException("prefill needs at least one token");
        checkRoom(ids.length);
        for (int i = 0; i < ids.length; i++) checkId(ids[i], i);
        if (allLogits != null && allLogits.length < (long) ids.length * c.vocabSize) {
            throw new InvalidInputException("allLogits holds " + allLogits.length + " floats, " + ids.length + " x "
                    + c.vocabSize + " needed");
        }
        for (int start = 0; start < ids.length; start += chunk) {
            forward(ids, start, Math.min(chunk, ids.length - start), allLogits);
        }
    }

    /** Feeds one token; returns the logits after it. Allocates nothing. */
    public FloatBuffer decode(int id) {
        checkRoom(1);
        checkId(id, 0);
        single[0] = id;
        forward(single, 0, 1, null);
        return logitsView;
    }

    private void checkRoom(int tokens) {
        if (position + tokens > c.positions) {
            throw new InvalidInputException("context is full: " + position + " tokens in the cache, " + tokens
                    + " more do not fit the model's " + c.positions + " positions (reset() the decoder or shorten the input)");
        }
    }

    private void checkId(int id, int index) {
        if (id < 0 || id >= c.vocabSize) {
            throw new InvalidInputException("token id " + id + " (input " + index + ") is outside the vocabulary [0, " + c.vocabSize + ")");
        }
    }

    /** Rows {@code [from, from + rows)} of {@code ids} at positions {@code position + r}. */
    private void forward(int[] ids, int from, int rows, float[] allLogits) {
        int d = c.embeddingSize, inner = c.innerSize, p0 = position;
        embed(ids, from, rows, p0);
        record(0, x, rows, p0);
        for (int l = 0; l < c.layers; l++) {
            Gpt2Weights.Layer layer = w.layers[l];
            float[] in = norm(w.blockNorm, layer.ln1Gamma, layer.ln1Beta, rows);
            project(in, rows, d, layer.attnW, layer.attnQ, layer.attnB, 3 * d, qkv);
            cache.store(l, p0, qkv, rows);
            math.attention(qkv, rows, p0, cache.keys(l), cache.values(l), c.heads, c.headSize(), attentionScale(l), scores, attended);
            project(attended, rows, d, layer.attnProjW, layer.attnProjQ, layer.attnProjB, d, projected);
            record(1 + 2 * l, projected, rows, p0);
            math.add(x, projected, rows * d);

            in = norm(w.blockNorm, layer.ln2Gamma, layer.ln2Beta, rows);
            project(in, rows, d, layer.fcW, layer.fcQ, layer.fcB, inner, hidden);
            math.activate(c.activation, hidden, rows * inner);
            project(hidden, rows, inner, layer.mlpProjW, layer.mlpProjQ, layer.mlpProjB, d, projected);
            record(2 + 2 * l, projected, rows, p0);
            math.add(x, projected, rows * d);
        }
        record(1 + 2 * c.layers, x, rows, p0);
        position = p0 + rows;

        Gpt2Weights.Norm f = w.finalNorm;
        if (allLogits != null) {
            math.normalize(x, rows, d, f.center, f.divide, w.eps, w.lnFGamma, w.lnFBeta, normed);
            if (w.lmHeadQ != null) math.multiply(normed, rows, w.lmHeadQ, null, allLogits, from * c.vocabSize);
            else math.matmulTransposed(normed, rows, d, w.lmHead, c.vocabSize, allLogits, from * c.vocabSize);
            System.arraycopy(allLogits, (from + rows - 1) * c.vocabSize, logits, 0, c.vocabSize);
        } else {
            System.arraycopy(x, (rows - 1) * d, normed, 0, d);
            math.normalize(normed, 1, d, f.center, f.divide, w.eps, w.lnFGamma, w.lnFBeta, normed);
            if (w.lmHeadQ != null) math.multiply(normed, 1, w.lmHeadQ, null, logits, 0);
            else math.matmulTransposed(normed, 1, d, w.lmHead, c.vocabSize, logits, 0);
        }
    }

    /** {@code x[r] = wte[id] + wpe[position]}, recentered when the model runs as Pre-RMSNorm. */
    private void embed(int[] ids, int from, int rows, int p0) {
        int d = c.embeddingSize;
        for (int r = 0; r < rows; r++) {
            int id = ids[from + r];
            int e = id * d, p = (p0 + r) * d, o = r * d;
            double sum = 0;
            for (int i = 0; i < d; i++) {
                float v = w.wte.get(e + i) + w.wpe.get(p + i);
                x[o + i] = v;
                sum += v;
            }
            if (w.centerEmbedding) {
                float mean = (float) (sum / d);
                for (int i = 0; i < d; i++) x[o + i] -= mean;
            }
        }
    }

    /** The normalized residual stream, or the stream itself when the norm is folded into the next projection. */
    private float[] norm(Gpt2Weights.Norm norm, FloatBuffer gamma, FloatBuffer beta, int rows) {
        if (norm == Gpt2Weights.Norm.FOLDED) return x;
        math.normalize(x, rows, c.embeddingSize, norm.center, norm.divide, w.eps, gamma, beta, normed);
        return normed;
    }

    private void project(float[] in, int rows, int inSize, FloatBuffer weight, QuantizedMatrix q, FloatBuffer bias, int outSize,
                         float[] out) {
        if (q != null) {
            math.multiply(in, rows, q, bias, out, 0);
        } else if (rows == 1) {
            math.gemv(in, inSize, weight, bias, outSize, out);
        } else {
            math.matmul(in, rows, inSize, weight, bias, outSize, out);
        }
    }

    private float attentionScale(int layer) {
        double s = c.scaleAttentionWeights ? 1 / Math.sqrt(c.headSize()) : 1;
        if (c.scaleAttentionByInverseLayerIndex) s /= layer + 1;
        return (float) s;
    }

    /** From the next forward pass on, copies each component's output at {@code position} into {@code into}. */
    void trace(int position, float[][] into) {
        if (into.length != 2 + 2 * c.layers) throw new IllegalArgumentException("trace needs " + (2 + 2 * c.layers) + " rows");
        this.tracePosition = position;
        this.trace = into;
    }

    void stopTrace() {
        tracePosition = -1;
        trace = null;
    }

    private void record(int component, float[] rowsOf, int rows, int p0) {
        if (tracePosition < p0 || tracePosition >= p0 + rows) return;
        int d = c.embeddingSize;
        System.arraycopy(rowsOf, (tracePosition - p0) * d, trace[component], 0, d);
    }

    @Override
    public void close() {
        pool.close();
    }
}
