package dev.petrel.vector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.llm.Activation;
import dev.petrel.llm.DecoderMath;
import dev.petrel.llm.PortableAccess;
import dev.petrel.spi.Parallel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The vector kernels against the portable ones ({@link DecoderMath#bestProvider()} is the vector
 * provider here; the portable one is taken by name). Tolerances are rounding bounds: a sum of n
 * products accumulated in fp32 (any order, with or without FMA) is within {@code γ_n·Σ|terms|} of the
 * exact sum, {@code γ_n = n·u/(1 − n·u)}, u = 2⁻²⁴; two such sums are within twice that of each other.
 */
class VectorDecoderMathTest {
    private static final double U = Math.ulp(1.0f) / 2;

    static DecoderMath vector(Parallel p) {
        return new VectorDecoderMathProvider().create(p);
    }

    static DecoderMath portable() {
        return PortableAccess.create();
    }

    static double gamma(int n) {
        return n * U / (1 - n * U);
    }

    static FloatBuffer direct(float[] v) {
        FloatBuffer b = ByteBuffer.allocateDirect(Math.max(4, 4 * v.length)).order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (int i = 0; i < v.length; i++) b.put(i, v[i]);
        return b;
    }

    static float[] random(SplittableRandom r, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) ((2 * r.nextDouble() - 1) * scale);
        return v;
    }

    @Test
    void theVectorProviderWinsHere() {
        assertThat(DecoderMath.bestProvider().name()).isEqualTo("vector");
        assertThat(DecoderMath.bestProvider().priority()).isEqualTo(10);
    }

    /** {@code in} crosses FloatGemm's K blocks (768): the block order must be the same in both products. */
    @Property(tries = 60)
    void matmulIsWithinRoundingAndEveryRowEqualsGemvBitForBit(@ForAll @IntRange(min = 1, max = 11) int rows,
                                                              @ForAll @IntRange(min = 1, max = 1700) int in,
                                                              @ForAll @IntRange(min = 1, max = 90) int out,
                                                              @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = random(r, rows * in, 2), wv = random(r, in * out, 1), bv = random(r, out, 1);
        FloatBuffer w = direct(wv), b = direct(bv);
        DecoderMath v = vector(Parallel.SEQUENTIAL);
        float[] y = new float[rows * out], yp = new float[rows * out], row = new float[out];
        v.matmul(x, rows, in, w, b, out, y);
        portable().matmul(x, rows, in, w, b, out, yp);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < out; j++) {
                double exact = bv[j], mag = Math.abs(bv[j]);
                for (int k = 0; k < in; k++) {
                    exact += (double) x[i * in + k] * wv[k * out + j];
                    mag += Math.abs((double) x[i * in + k] * wv[k * out + j]);
                }
                double bound = gamma(in + 1) * mag;
                assertThat(Math.abs(y[i * out + j] - exact)).as("row %d col %d", i, j).isLessThanOrEqualTo(bound);
                assertThat(Math.abs((double) y[i * out + j] - yp[i * out + j])).isLessThanOrEqualTo(2 * bound);
            }
            v.gemv(java.util.Arrays.copyOfRange(x, i * in, (i + 1) * in), in, w, b, out, row);
            for (int j = 0; j < out; j++) {
                assertThat(Float.floatToRawIntBits(row[j])).as("row %d col %d", i, j).isEqualTo(Float.floatToRawIntBits(y[i * out + j]));
            }
        }
    }

    @Property(tries = 40)
    void matmulTransposedIsWithinRoundingOfPortable(@ForAll @IntRange(min = 1, max = 5) int rows,
                                                   @ForAll @IntRange(min = 1, max = 300) int in,
                                                   @ForAll @IntRange(min = 1, max = 150) int out,
                                                   @ForAll @IntRange(min = 0, max = 7) int yOffset, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = random(r, rows * in, 2), ev = random(r, out * in, 1);
        FloatBuffer e = direct(ev);
        float[] y = new float[yOffset + rows * out], yp = new float[yOffset + rows * out], single = new float[out];
        DecoderMath v = vector(Parallel.SEQUENTIAL);
        v.matmulTransposed(x, rows, in, e, out, y, yOffset);
        portable().matmulTransposed(x, rows, in, e, out, yp, yOffset);
        for (int i = 0; i < rows; i++) {
            v.matmulTransposed(java.util.Arrays.copyOfRange(x, i * in, (i + 1) * in), 1, in, e, out, single, 0);
            for (int j = 0; j < out; j++) {
                double exact = 0, mag = 0;
                for (int k = 0; k < in; k++) {
                    exact += (double) x[i * in + k] * ev[j * in + k];
                    mag += Math.abs((double) x[i * in + k] * ev[j * in + k]);
                }
                float got = y[yOffset + i * out + j];
                assertThat(Math.abs(got - exact)).isLessThanOrEqualTo(gamma(in) * mag);
                assertThat(Math.abs((double) got - yp[yOffset + i * out + j])).isLessThanOrEqualTo(2 * gamma(in) * mag);
                // A row of a batch and the row alone: the same bits.
                assertThat(Float.floatToRawIntBits(single[j])).isEqualTo(Float.floatToRawIntBits(got));
            }
        }
    }

    /**
     * A score's error is at most {@code Δ = γ_hs·scale·Σ|q·k|}; it changes a softmax weight by a factor
     * of at most {@code e^{2Δ}}; the exp, the sum of n weights, the reciprocal and the product add
     * {@code (n + 4)·u}, and the weighted sum of n values {@code γ_n}, all relative to {@code Σ p_t·|v_t|}.
     * Vector and portable are each within that of the exact result.
     */
    @Property(tries = 60)
    void attentionIsWithinRoundingOfPortable(@ForAll @IntRange(min = 1, max = 6) int rows, @ForAll @IntRange(min = 0, max = 40) int first,
                                            @ForAll @IntRange(min = 1, max = 4) int heads, @ForAll @IntRange(min = 1, max = 80) int headSize,
                                            @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int d = heads * headSize, positions = first + rows;
        float[] qkv = random(r, rows * 3 * d, 1);
        FloatBuffer keys = direct(random(r, positions * d, 1)), values = direct(random(r, positions * d, 1));
        float scale = (float) (1 / Math.sqrt(headSize));
        float[] out = new float[rows * d], outP = new float[rows * d];
        float[] scores = new float[heads * (positions + 3)];
        vector(Parallel.SEQUENTIAL).attention(qkv, rows, first, keys, values, heads, headSize, scale, scores, out);
        portable().attention(qkv, rows, first, keys, values, heads, headSize, scale, new float[heads * positions], outP);
        for (int row = 0; row < rows; row++) {
            int n = first + row + 1;
            for (int h = 0; h < heads; h++) {
                double[] s = new double[n];
                double maxDelta = 0, max = Double.NEGATIVE_INFINITY;
                for (int t = 0; t < n; t++) {
                    double dot = 0, mag = 0;
                    for (int i = 0; i < headSize; i++) {
                        double p = (double) qkv[row * 3 * d + h * headSize + i] * keys.get(t * d + h * headSize + i);
                        dot += p;
                        mag += Math.abs(p);
                    }
                    s[t] = dot * scale;
                    maxDelta = Math.max(maxDelta, (gamma(headSize) * mag + U * Math.abs(dot)) * scale);
                    max = Math.max(max, s[t]);
                }
                double sum = 0;
                for (int t = 0; t < n; t++) sum += Math.exp(s[t] - max);
                double rel = Math.expm1(2 * maxDelta) + (n + 4) * U + gamma(n);
                for (int i = 0; i < headSize; i++) {
                    double exact = 0, mag = 0;
                    for (int t = 0; t < n; t++) {
                        double p = Math.exp(s[t] - max) / sum;
                        double vv = values.get(t * d + h * headSize + i);
                        exact += p * vv;
                        mag += p * Math.abs(vv);
                    }
                    double bound = rel * mag * 1.01 + 1e-30;
                    int o = row * d + h * headSize + i;
                    assertThat(Math.abs(out[o] - exact)).as("row %d head %d col %d", row, h, i).isLessThanOrEqualTo(bound);
                    assertThat(Math.abs((double) out[o] - outP[o])).isLessThanOrEqualTo(2 * bound);
                }
            }
        }
    }

    /** Same statistics and the same operations in the same order as the portable kernel: the same bits. */
    @Property(tries = 40)
    void normalizeEqualsPortableBitForBit(@ForAll @IntRange(min = 1, max = 4) int rows, @ForAll @IntRange(min = 1, max = 200) int d,
                                          @ForAll @IntRange(min = 0, max = 3) int kind, @ForAll boolean inPlace, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = random(r, rows * d, 3);
        for (int i = 0; i < x.length; i++) x[i] += 5;
        FloatBuffer g = direct(random(r, d, 2)), b = direct(random(r, d, 1));
        boolean center = (kind & 1) == 0, divide = kind < 2;
        float[] xv = x.clone(), xp = x.clone();
        float[] outV = inPlace ? xv : new float[rows * d], outP = inPlace ? xp : new float[rows * d];
        vector(Parallel.SEQUENTIAL).normalize(xv, rows, d, center, divide, 1e-5f, g, b, outV);
        portable().normalize(xp, rows, d, center, divide, 1e-5f, g, b, outP);
        assertThat(outV).containsExactly(outP);
    }

    /**
     * GELU against the double-precision scalar form: VectorErf's erf is within 1.2e-7 absolute, so the
     * erf form is within {@code 0.5·|x|·1.2e-7} plus the rounding of three float operations; the tanh form
     * computes {@code x/(1 + e^a)} with {@code a = −2√(2/π)(x + 0.044715x³)} rounded in about 5 operations
     * (error {@code 5u·|a|} in a), the exp within a few ulps: relative error at most
     * {@code σ(1−σ)·5u·|a|·… ≤ (|a| + 8)·u} of the result, the result at most |x|.
     */
    @Property(tries = 30)
    void activationsAreWithinTheirBounds(@ForAll @IntRange(min = 1, max = 300) int n, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = random(r, n, 12);
        DecoderMath v = vector(Parallel.SEQUENTIAL);
        for (Activation a : Activation.values()) {
            float[] y = x.clone();
            v.activate(a, y, n);
            for (int i = 0; i < n; i++) {
                double exact = a.apply(x[i]);
                double xi = Math.abs(x[i]);
                double bound;
                switch (a) {
                    case GELU_ERF: bound = 0.5 * xi * 1.3e-7 + 4 * U * Math.abs(exact) + Float.MIN_NORMAL; break;
                    case GELU_TANH: {
                        double arg = 2 * Math.sqrt(2 / Math.PI) * (xi + 0.044715 * xi * xi * xi);
                        bound = (Math.min(arg, 88) + 8) * U * xi + Float.MIN_NORMAL;
                        break;
                    }
                    default: bound = 0;
                }
                assertThat(Math.abs(y[i] - exact)).as("%s(%s)", a, x[i]).isLessThanOrEqualTo(bound);
            }
        }
        float[] s = x.clone(), t = random(r, n, 1), sp = x.clone();
        v.add(s, t, n);
        portable().add(sp, t, n);
        assertThat(s).containsExactly(sp);
    }

    /** Work is split over output elements only: one thread and two give the same bits, products large enough to split. */
    @Test
    void oneAndTwoThreadsGiveIdenticalBits() {
        SplittableRandom r = new SplittableRandom(7);
        int rows = 9, in = 900, out = 333, heads = 4, hs = 40, d = heads * hs, first = 70;
        float[] x = random(r, rows * in, 1);
        FloatBuffer w = direct(random(r, in * out, 1)), b = direct(random(r, out, 1)), e = direct(random(r, out * in, 1));
        float[] qkv = random(r, rows * 3 * d, 1);
        FloatBuffer keys = direct(random(r, (first + rows) * d, 1)), values = direct(random(r, (first + rows) * d, 1));
        float[][] results = new float[2][];
        for (int threads = 1; threads <= 2; threads++) {
            try (Parallel.Pool pool = Parallel.pool(threads)) {
                DecoderMath v = vector(pool);
                float[] mm = new float[rows * out], gv = new float[out], mt = new float[rows * out], at = new float[rows * d];
                v.matmul(x, rows, in, w, b, out, mm);
                v.gemv(x, in, w, b, out, gv);
                v.matmulTransposed(x, rows, in, e, out, mt, 0);
                v.attention(qkv, rows, first, keys, values, heads, hs, 0.2f, new float[heads * (first + rows)], at);
                float[] all = new float[mm.length + gv.length + mt.length + at.length];
                System.arraycopy(mm, 0, all, 0, mm.length);
                System.arraycopy(gv, 0, all, mm.length, gv.length);
                System.arraycopy(mt, 0, all, mm.length + gv.length, mt.length);
                System.arraycopy(at, 0, all, mm.length + gv.length + mt.length, at.length);
                results[threads - 1] = all;
                for (int j = 0; j < out; j++) assertThat(gv[j]).isEqualTo(mm[j]);
            }
        }
        assertThat(results[1]).containsExactly(results[0]);
    }

    /** Heap and big-endian buffers are copied to native memory per call: same results as direct ones. */
    @Test
    void heapAndBigEndianBuffersGiveTheSameResults() {
        SplittableRandom r = new SplittableRandom(3);
        int rows = 3, in = 50, out = 37;
        float[] x = random(r, rows * in, 1), wv = random(r, in * out, 1), bv = random(r, out, 1);
        FloatBuffer bigEndian = ByteBuffer.allocateDirect(4 * wv.length).order(ByteOrder.BIG_ENDIAN).asFloatBuffer();
        for (int i = 0; i < wv.length; i++) bigEndian.put(i, wv[i]);   // position moves: must be ignored
        float[] a = new float[rows * out], c = new float[rows * out], g = new float[out];
        vector(Parallel.SEQUENTIAL).matmul(x, rows, in, direct(wv), direct(bv), out, a);
        vector(Parallel.SEQUENTIAL).matmul(x, rows, in, FloatBuffer.wrap(wv), FloatBuffer.wrap(bv), out, c);
        vector(Parallel.SEQUENTIAL).gemv(x, in, bigEndian, FloatBuffer.wrap(bv), out, g);
        assertThat(c).containsExactly(a);
        for (int j = 0; j < out; j++) assertThat(g[j]).isEqualTo(a[j]);
    }

    @Test
    void packedWeightsAreCountedOnceAndSharedBetweenDecoders() {
        SplittableRandom r = new SplittableRandom(5);
        int in = 64, out = 100;
        FloatBuffer w = direct(random(r, in * out, 1)), b = direct(new float[out]);
        float[] x = random(r, 2 * in, 1), y = new float[2 * out];
        vector(Parallel.SEQUENTIAL).matmul(x, 2, in, w, b, out, y);
        PackedMatrix first = PackedWeights.of(w, null, in, out);   // found: nothing is packed again
        vector(Parallel.SEQUENTIAL).matmul(x, 2, in, w, b, out, y);
        assertThat(PackedWeights.of(w, null, in, out)).isSameAs(first);
        int panels = (out + FloatGemm.NRW - 1) / FloatGemm.NRW;
        assertThat(first.bytes()).isEqualTo((long) panels * FloatGemm.NRW * in * 4);
        assertThat(VectorDecoderMathProvider.copiedWeightBytes()).isGreaterThanOrEqualTo(first.bytes());
    }
}
