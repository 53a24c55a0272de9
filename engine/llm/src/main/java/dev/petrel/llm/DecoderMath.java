package dev.petrel.llm;

import dev.petrel.spi.Parallel;
import java.nio.FloatBuffer;
import java.util.Iterator;
import java.util.ServiceLoader;

/**
 * The few kernels a decoder-only transformer spends its time in. One instance serves one decoder (it may
 * keep reusable scratch and task objects) and is called from one thread at a time; it may spread a call
 * over the {@link Parallel} it was created with.
 *
 * <p><b>Layout contracts.</b> Activations are row-major {@code float[]} starting at index 0 unless an
 * offset is given: a matrix of {@code rows × n} has element (r, j) at {@code r·n + j}. Weights are
 * {@link FloatBuffer}s read with absolute gets from index 0 (never their position), row-major:
 * <ul>
 *   <li>{@code w} of {@link #matmul}/{@link #gemv} is {@code [in, out]} (Hugging Face Conv1D: {@code y = x·W + b});
 *   <li>{@code e} of {@link #matmulTransposed} is {@code [out, in]} (an embedding table or nn.Linear weight);
 *   <li>the KV cache of one layer is {@code [positions, heads·headSize]} for keys and the same for values,
 *       head h in columns {@code [h·headSize, (h+1)·headSize)}.
 * </ul>
 * <p><b>Determinism.</b> Results must not depend on the number of threads: split work over output
 * elements, never over a reduction. {@link #gemv} must give bit for bit what {@link #matmul} gives for
 * one row, so that a token decoded with the KV cache equals the same token recomputed in a prefill.
 *
 * <p>The portable implementation is found by default; others register a {@link Provider} with
 * {@link ServiceLoader} ({@code META-INF/services/dev.petrel.llm.DecoderMath$Provider}), and the
 * available provider of highest {@link Provider#priority()} wins.
 */
public interface DecoderMath {

    /** {@code y[r, j] = bias[j] + Σ_i x[r, i]·w[i, j]} for {@code r < rows}, {@code j < out}; {@code w} is {@code [in, out]}. */
    void matmul(float[] x, int rows, int in, FloatBuffer w, FloatBuffer bias, int out, float[] y);

    /**
     * {@link #matmul} for one row, reading {@code w} once from start to end: decoding one token is bound
     * by the speed at which the weights stream from memory.
     */
    void gemv(float[] x, int in, FloatBuffer w, FloatBuffer bias, int out, float[] y);

    /** {@code y[yOffset + r·out + v] = Σ_i x[r, i]·e[v, i]} for {@code r < rows}, {@code v < out}; {@code e} is {@code [out, in]}. */
    void matmulTransposed(float[] x, int rows, int in, FloatBuffer e, int out, float[] y, int yOffset);

    /**
     * {@code y[yOffset + r·w.out() + n] = bias[n] + Σ_k x[r·w.in() + k]·W[k, n]} for {@code r < rows} over a
     * quantized W (bias may be null), in {@link QuantizedMatrix}'s order of operations per output or one
     * equal to it up to fp32 rounding. Unlike {@link #gemv} and {@link #matmul}, a prefill (many rows) may
     * round differently from a decode step (one row): the vector provider runs the fp32 GEMM on W
     * dequantized from 8 rows on. The portable provider gives every row the same bits whatever {@code rows} is.
     */
    default void multiply(float[] x, int rows, QuantizedMatrix w, FloatBuffer bias, float[] y, int yOffset) {
        w.multiply(x, rows, bias, y, yOffset, 0, w.panels());
    }

    /**
     * Causal multi-head attention of {@code rows} queries at positions {@code firstPosition + r} over the
     * cached keys and values of positions {@code [0, firstPosition + r]}, which the caller has written.
     * {@code qkv} is {@code [rows, 3·d]} (query in columns {@code [0, d)}, as c_attn writes it); {@code out}
     * is {@code [rows, d]}; {@code d = heads·headSize}. Scores are {@code scale·q·k}, softmax takes the
     * maximum off first. {@code scores} is scratch of at least {@code heads·(firstPosition + rows)} floats;
     * head h uses the slice starting at {@code h·(scores.length / heads)}.
     */
    void attention(float[] qkv, int rows, int firstPosition, FloatBuffer keys, FloatBuffer values, int heads,
                   int headSize, float scale, float[] scores, float[] out);

    /**
     * Per row of {@code x} ({@code [rows, d]}): subtract the mean if {@code center}; divide by
     * {@code sqrt(mean(x²) + eps)} of the (centered) row if {@code divide}; then {@code ·gamma + beta}.
     * (center, divide) = (true, true) is LayerNorm, (false, true) RMSNorm, (true, false) the LN-free
     * model's centering-plus-affine map. The statistics are summed in double, the division done in
     * fp32 as PyTorch does, so that an eps of 1e12 behaves as in an fp32 LayerNorm. {@code out} may be {@code x}.
     */
    void normalize(float[] x, int rows, int d, boolean center, boolean divide, float eps, FloatBuffer gamma,
                   FloatBuffer beta, float[] out);

    /**
     * The statistics of {@link #normalize} for the row {@code x[o, o + d)}, as every provider computes them
     * (so that all give the same bits): {@code stats[0]} the mean (0 unless {@code center}), summed in
     * double; {@code stats[1]} {@code 1 / sqrt(mean((x − mean)²) + eps)} (1 unless {@code divide}), the
     * square root and division in fp32 as PyTorch does.
     */
    static void rowStatistics(float[] x, int o, int d, boolean center, boolean divide, float eps, float[] stats) {
        double sum = 0;
        for (int i = 0; i < d; i++) sum += x[o + i];
        float mean = center ? (float) (sum / d) : 0f;
        float inv = 1f;
        if (divide) {
            double sq = 0;
            for (int i = 0; i < d; i++) {
                double c = x[o + i] - mean;
                sq += c * c;
            }
            inv = 1f / (float) Math.sqrt((float) (sq / d) + eps);
        }
        stats[0] = mean;
        stats[1] = inv;
    }

    /** {@code x[i] = activation(x[i])} for {@code i < n}. */
    void activate(Activation activation, float[] x, int n);

    /** {@code x[i] += y[i]} for {@code i < n}. */
    void add(float[] x, float[] y, int n);

    /** Makes {@link DecoderMath} instances; registered with {@link ServiceLoader}. */
    interface Provider {
        /** Higher wins; the portable provider has 0. */
        int priority();

        /** Whether this provider can run here (e.g. the Vector API module is present and enabled). */
        default boolean available() {
            return true;
        }

        String name();

        DecoderMath create(Parallel parallel);
    }

    /** The available provider of highest priority; the portable one when no other is registered. */
    static Provider bestProvider() {
        Provider best = PortableDecoderMath.PROVIDER;
        try {
            Iterator<Provider> it = ServiceLoader.load(Provider.class, DecoderMath.class.getClassLoader()).iterator();
            while (it.hasNext()) {
                Provider p = it.next();
                if (p.available() && p.priority() > best.priority()) best = p;
            }
        } catch (java.util.ServiceConfigurationError e) {
            // A broken provider must not stop a model from running: the portable kernels remain correct.
            return best;
        }
        return best;
    }
}
