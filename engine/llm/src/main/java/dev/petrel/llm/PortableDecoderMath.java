package dev.petrel.llm;

import dev.petrel.spi.Parallel;
import java.nio.FloatBuffer;

/**
 * Scalar Java kernels for {@link DecoderMath}. Each parallel kernel is a reusable task object whose
 * fields are set before the call: a lambda capturing the arguments would allocate on every token.
 */
final class PortableDecoderMath implements DecoderMath {
    static final Provider PROVIDER = new Provider() {
        @Override public int priority() { return 0; }
        @Override public String name() { return "portable"; }
        @Override public DecoderMath create(Parallel parallel) { return new PortableDecoderMath(parallel); }
    };

    /** Output columns per work item of a GEMV: one 64-byte cache line of a weight row. */
    static final int COLUMN_BLOCK = 16;
    /**
     * Output columns per work item of a matmul: a 512-byte strip of a weight row, reused for every row of
     * the input from L1, and a long enough inner loop for the JIT to vectorize.
     */
    static final int MATMUL_BLOCK = 128;
    /** Rows of an [out, in] table per work item. */
    static final int ROW_BLOCK = 32;

    private final Parallel parallel;
    private final Matmul matmul = new Matmul();
    private final Gemv gemv = new Gemv();
    private final MatmulTransposed matmulTransposed = new MatmulTransposed();
    private final Attention attention = new Attention();
    private final Quantized quantized = new Quantized();

    PortableDecoderMath(Parallel parallel) {
        this.parallel = parallel;
    }

    @Override
    public void matmul(float[] x, int rows, int in, FloatBuffer w, FloatBuffer bias, int out, float[] y) {
        Matmul t = matmul;
        t.x = x; t.rows = rows; t.in = in; t.w = w; t.bias = bias; t.out = out; t.y = y;
        parallel.forRange(blocks(out, MATMUL_BLOCK), t);
        t.x = null; t.w = null; t.bias = null; t.y = null;
    }

    @Override
    public void gemv(float[] x, int in, FloatBuffer w, FloatBuffer bias, int out, float[] y) {
        Gemv t = gemv;
        t.x = x; t.in = in; t.w = w; t.bias = bias; t.out = out; t.y = y;
        parallel.forRange(blocks(out, COLUMN_BLOCK), t);
        t.x = null; t.w = null; t.bias = null; t.y = null;
    }

    @Override
    public void matmulTransposed(float[] x, int rows, int in, FloatBuffer e, int out, float[] y, int yOffset) {
        MatmulTransposed t = matmulTransposed;
        t.x = x; t.rows = rows; t.in = in; t.e = e; t.out = out; t.y = y; t.yOffset = yOffset;
        parallel.forRange(blocks(out, ROW_BLOCK), t);
        t.x = null; t.e = null; t.y = null;
    }

    @Override
    public void multiply(float[] x, int rows, QuantizedMatrix w, FloatBuffer bias, float[] y, int yOffset) {
        Quantized t = quantized;
        t.x = x; t.rows = rows; t.w = w; t.bias = bias; t.y = y; t.yOffset = yOffset;
        parallel.forRange(w.panels(), t);
        t.x = null; t.w = null; t.bias = null; t.y = null;
    }

    /** Panels of 16 output columns per work item, each by the reference product. */
    static final class Quantized implements Parallel.RangeBody {
        float[] x, y;
        QuantizedMatrix w;
        FloatBuffer bias;
        int rows, yOffset;

        @Override
        public void run(int from, int to) {
            w.multiply(x, rows, bias, y, yOffset, from, to);
        }
    }

    @Override
    public void attention(float[] qkv, int rows, int firstPosition, FloatBuffer keys, FloatBuffer values, int heads,
                          int headSize, float scale, float[] scores, float[] out) {
        if (scores.length / heads < firstPosition + rows) {
            throw new IllegalArgumentException("attention scratch of " + scores.length + " floats is too small for "
                    + heads + " heads over " + (firstPosition + rows) + " positions");
        }
        Attention t = attention;
        t.qkv = qkv; t.rows = rows; t.first = firstPosition; t.keys = keys; t.values = values; t.headSize = headSize;
        t.d = heads * headSize; t.scale = scale; t.scores = scores; t.stride = scores.length / heads; t.out = out;
        parallel.forRange(heads, t);
        t.qkv = null; t.keys = null; t.values = null; t.scores = null; t.out = null;
    }

    /** Scratch of {@link #normalize}: a row's mean and inverse deviation. */
    private final float[] stats = new float[2];

    @Override
    public void normalize(float[] x, int rows, int d, boolean center, boolean divide, float eps, FloatBuffer gamma,
                          FloatBuffer beta, float[] out) {
        for (int r = 0; r < rows; r++) {
            int o = r * d;
            DecoderMath.rowStatistics(x, o, d, center, divide, eps, stats);
            float mean = stats[0], inv = stats[1];
            for (int i = 0; i < d; i++) out[o + i] = (x[o + i] - mean) * inv * gamma.get(i) + beta.get(i);
        }
    }

    @Override
    public void activate(Activation activation, float[] x, int n) {
        if (activation == Activation.RELU) {
            for (int i = 0; i < n; i++) if (!(x[i] > 0)) x[i] = 0f;
            return;
        }
        for (int i = 0; i < n; i++) x[i] = activation.apply(x[i]);
    }

    @Override
    public void add(float[] x, float[] y, int n) {
        for (int i = 0; i < n; i++) x[i] += y[i];
    }

    static int blocks(int n, int block) {
        return (n + block - 1) / block;
    }

    /**
     * Column block by column block; inside a block the loop over the input runs outside the loop over
     * rows, so each 128-float strip of a weight row is read from memory once and reused for every row.
     */
    static final class Matmul implements Parallel.RangeBody {
        float[] x, y;
        FloatBuffer w, bias;
        int rows, in, out;

        @Override
        public void run(int from, int to) {
            for (int b = from; b < to; b++) {
                int j0 = b * MATMUL_BLOCK, j1 = Math.min(out, j0 + MATMUL_BLOCK);
                for (int r = 0; r < rows; r++) {
                    for (int j = j0; j < j1; j++) y[r * out + j] = bias.get(j);
                }
                for (int i = 0; i < in; i++) {
                    int wRow = i * out;
                    for (int r = 0; r < rows; r++) {
                        float xv = x[r * in + i];
                        int yRow = r * out;
                        for (int j = j0; j < j1; j++) y[yRow + j] += xv * w.get(wRow + j);
                    }
                }
            }
        }
    }

    /**
     * A thread takes a run of columns and walks every weight row over them: the weight matrix streams
     * once in address order (with one thread, exactly start to end). Same additions in the same order
     * as {@link Matmul}.
     */
    static final class Gemv implements Parallel.RangeBody {
        float[] x, y;
        FloatBuffer w, bias;
        int in, out;

        @Override
        public void run(int from, int to) {
            int j0 = from * COLUMN_BLOCK, j1 = Math.min(out, to * COLUMN_BLOCK);
            for (int j = j0; j < j1; j++) y[j] = bias.get(j);
            for (int i = 0; i < in; i++) {
                float xv = x[i];
                int wRow = i * out;
                for (int j = j0; j < j1; j++) y[j] += xv * w.get(wRow + j);
            }
        }
    }

    /** Dot products with rows of an [out, in] table, each table row reused for every input row. */
    static final class MatmulTransposed implements Parallel.RangeBody {
        float[] x, y;
        FloatBuffer e;
        int rows, in, out, yOffset;

        @Override
        public void run(int from, int to) {
            int v1 = Math.min(out, to * ROW_BLOCK);
            for (int v = from * ROW_BLOCK; v < v1; v++) {
                int eRow = v * in;
                for (int r = 0; r < rows; r++) y[yOffset + r * out + v] = dot(x, r * in, e, eRow, in);
            }
        }
    }

    /** Four partial sums break the chain of dependent additions; their order is fixed, so is the result. */
    static float dot(float[] x, int xo, FloatBuffer e, int eo, int n) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            s0 += x[xo + i] * e.get(eo + i);
            s1 += x[xo + i + 1] * e.get(eo + i + 1);
            s2 += x[xo + i + 2] * e.get(eo + i + 2);
            s3 += x[xo + i + 3] * e.get(eo + i + 3);
        }
        for (; i < n; i++) s0 += x[xo + i] * e.get(eo + i);
        return (s0 + s1) + (s2 + s3);
    }

    /** One head per work item, all query rows of that head in turn. */
    static final class Attention implements Parallel.RangeBody {
        float[] qkv, scores, out;
        FloatBuffer keys, values;
        int rows, first, headSize, d, stride;
        float scale;

        @Override
        public void run(int from, int to) {
            for (int h = from; h < to; h++) {
                int hc = h * headSize, s0 = h * stride;
                for (int r = 0; r < rows; r++) {
                    int last = first + r, q = r * 3 * d + hc;
                    float max = Float.NEGATIVE_INFINITY;
                    for (int t = 0; t <= last; t++) {
                        int k = t * d + hc;
                        float s = 0;
                        for (int i = 0; i < headSize; i++) s += qkv[q + i] * keys.get(k + i);
                        s *= scale;
                        scores[s0 + t] = s;
                        if (s > max) max = s;
                    }
                    float sum = 0;
                    for (int t = 0; t <= last; t++) {
                        float p = (float) Math.exp(scores[s0 + t] - max);
                        scores[s0 + t] = p;
                        sum += p;
                    }
                    float inv = 1f / sum;
                    int o = r * d + hc;
                    for (int i = 0; i < headSize; i++) out[o + i] = 0f;
                    for (int t = 0; t <= last; t++) {
                        float p = scores[s0 + t] * inv;
                        int v = t * d + hc;
                        for (int i = 0; i < headSize; i++) out[o + i] += p * values.get(v + i);
                    }
                }
            }
        }
    }
}
