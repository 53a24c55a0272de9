package dev.petrel.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.petrel.spi.Parallel;
import java.nio.FloatBuffer;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The portable kernels against plain double-precision loops, and their determinism contracts. */
class DecoderMathTest {
    private static final DecoderMath ONE = new PortableDecoderMath(Parallel.SEQUENTIAL);

    private static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    @Property(tries = 60)
    void matmulMatchesDoubleAndGemvMatchesItBitForBit(@ForAll @IntRange(min = 1, max = 9) int rows, @ForAll @IntRange(min = 1, max = 70) int in,
                                                      @ForAll @IntRange(min = 1, max = 70) int out, @ForAll long seed) {
        Random r = new Random(seed);
        float[] x = random(r, rows * in), w = random(r, in * out), b = random(r, out);
        float[] y = new float[rows * out];
        ONE.matmul(x, rows, in, FloatBuffer.wrap(w), FloatBuffer.wrap(b), out, y);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < out; j++) {
                double s = b[j], mag = Math.abs(b[j]);
                for (int k = 0; k < in; k++) {
                    s += (double) x[i * in + k] * w[k * out + j];
                    mag += Math.abs((double) x[i * in + k] * w[k * out + j]);
                }
                assertThat((double) y[i * out + j]).isCloseTo(s, within(in * 1.2e-7 * mag + 1e-30));
            }
        }
        try (Parallel.Pool pool = Parallel.pool(3)) {
            DecoderMath three = new PortableDecoderMath(pool);
            float[] row = new float[out], y3 = new float[rows * out];
            three.matmul(x, rows, in, FloatBuffer.wrap(w), FloatBuffer.wrap(b), out, y3);
            assertThat(y3).containsExactly(y);
            float[] last = java.util.Arrays.copyOfRange(x, (rows - 1) * in, rows * in);
            three.gemv(last, in, FloatBuffer.wrap(w), FloatBuffer.wrap(b), out, row);
            assertThat(row).containsExactly(java.util.Arrays.copyOfRange(y, (rows - 1) * out, rows * out));
        }
    }

    @Property(tries = 60)
    void matmulTransposedIsDotWithTableRows(@ForAll @IntRange(min = 1, max = 5) int rows, @ForAll @IntRange(min = 1, max = 40) int in,
                                            @ForAll @IntRange(min = 1, max = 100) int out, @ForAll long seed) {
        Random r = new Random(seed);
        float[] x = random(r, rows * in), e = random(r, out * in);
        float[] y = new float[3 + rows * out];
        ONE.matmulTransposed(x, rows, in, FloatBuffer.wrap(e), out, y, 3);
        for (int i = 0; i < rows; i++) {
            for (int v = 0; v < out; v++) {
                double s = 0, mag = 0;
                for (int k = 0; k < in; k++) {
                    s += (double) x[i * in + k] * e[v * in + k];
                    mag += Math.abs((double) x[i * in + k] * e[v * in + k]);
                }
                assertThat((double) y[3 + i * out + v]).isCloseTo(s, within(in * 1.2e-7 * mag + 1e-30));
            }
        }
    }

    @Property(tries = 40)
    void attentionIsCausalSoftmaxOverTheCache(@ForAll @IntRange(min = 1, max = 6) int rows, @ForAll @IntRange(min = 0, max = 7) int first,
                                              @ForAll @IntRange(min = 1, max = 3) int heads, @ForAll long seed) {
        int hs = 4, d = heads * hs, total = first + rows;
        Random r = new Random(seed);
        float[] qkv = random(r, rows * 3 * d), keys = random(r, total * d), values = random(r, total * d);
        float[] out = new float[rows * d], scores = new float[heads * (total + 2)];
        float scale = 0.5f;
        try (Parallel.Pool pool = Parallel.pool(2)) {
            new PortableDecoderMath(pool).attention(qkv, rows, first, FloatBuffer.wrap(keys), FloatBuffer.wrap(values), heads, hs, scale, scores, out);
        }
        for (int i = 0; i < rows; i++) {
            for (int h = 0; h < heads; h++) {
                int last = first + i;
                double[] p = new double[last + 1];
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int t = 0; t <= last; t++) {
                    double s = 0;
                    for (int k = 0; k < hs; k++) s += (double) qkv[i * 3 * d + h * hs + k] * keys[t * d + h * hs + k];
                    p[t] = s * scale;
                    max = Math.max(max, p[t]);
                }
                for (int t = 0; t <= last; t++) sum += (p[t] = Math.exp(p[t] - max));
                for (int k = 0; k < hs; k++) {
                    double o = 0;
                    for (int t = 0; t <= last; t++) o += p[t] / sum * values[t * d + h * hs + k];
                    assertThat((double) out[i * d + h * hs + k]).isCloseTo(o, within(1e-5));
                }
            }
        }
    }

    @Test
    void normalizeCoversLayerNormRmsNormAndAffine() {
        float[] x = {1, 2, 3, 6};
        FloatBuffer g = FloatBuffer.wrap(new float[] {1, 2, 1, 1}), b = FloatBuffer.wrap(new float[] {0, 0, 0, 1});
        float[] out = new float[4];
        ONE.normalize(x, 1, 4, true, true, 0f, g, b, out);   // mean 3, var 3.5
        double s = Math.sqrt(3.5);
        assertThat(out[0]).isCloseTo((float) (-2 / s), within(1e-6f));
        assertThat(out[1]).isCloseTo((float) (-2 / s), within(1e-6f));
        assertThat(out[3]).isCloseTo((float) (3 / s + 1), within(1e-6f));
        ONE.normalize(x, 1, 4, false, true, 0f, g, b, out);  // mean(x²) = 12.5
        assertThat(out[2]).isCloseTo((float) (3 / Math.sqrt(12.5)), within(1e-6f));
        ONE.normalize(x, 1, 4, true, false, 0f, g, b, out);
        assertThat(out).containsExactly(-2, -2, 0, 4);
        // eps 1e12 in fp32 swallows the variance: the LN-free model's stored LayerNorm is (x − μ)·γ/1e6 + β.
        ONE.normalize(x, 1, 4, true, true, 1e12f, g, b, out);
        assertThat(out[3]).isEqualTo(3e-6f + 1f);
    }

    @Test
    void activations() {
        assertThat(Activation.erf(0)).isZero();
        assertThat(Activation.erf(0.5)).isCloseTo(0.5204998778130465, within(1e-13));
        assertThat(Activation.erf(-1.5)).isCloseTo(-0.9661051464753108, within(1e-13));
        assertThat(Activation.erf(3.5)).isCloseTo(0.9999992569016276, within(1e-13));
        assertThat(Activation.erf(Math.nextDown(3.0))).isCloseTo(0.9999779095030014, within(1e-13));   // series side
        assertThat(Activation.erf(3.0)).isCloseTo(0.9999779095030014, within(1e-13));                  // continued fraction side
        assertThat(Activation.erf(5.9)).isCloseTo(1 - 1.3261356e-16, within(1e-15));
        assertThat(Activation.GELU_ERF.apply(1f)).isCloseTo(0.8413447f, within(1e-7f));
        assertThat(Activation.GELU_TANH.apply(1f)).isCloseTo(0.8411920f, within(1e-7f));
        assertThat(Activation.RELU.apply(-2f)).isZero();
        assertThat(Activation.SILU.apply(1f)).isCloseTo(0.7310586f, within(1e-7f));
    }

    @Test
    void portableKernelsAreTheDefaultAndAProviderCanBeChosen() {
        assertThat(DecoderMath.bestProvider().name()).isEqualTo("portable");
        int[] calls = new int[1];
        DecoderMath.Provider counting = new DecoderMath.Provider() {
            @Override public int priority() { return 5; }
            @Override public String name() { return "counting"; }
            @Override public DecoderMath create(Parallel p) {
                DecoderMath inner = PortableDecoderMath.PROVIDER.create(p);
                return new DecoderMath() {
                    @Override public void matmul(float[] x, int rows, int in, FloatBuffer w, FloatBuffer b, int out, float[] y) { calls[0]++; inner.matmul(x, rows, in, w, b, out, y); }
                    @Override public void gemv(float[] x, int in, FloatBuffer w, FloatBuffer b, int out, float[] y) { calls[0]++; inner.gemv(x, in, w, b, out, y); }
                    @Override public void matmulTransposed(float[] x, int rows, int in, FloatBuffer e, int out, float[] y, int yo) { inner.matmulTransposed(x, rows, in, e, out, y, yo); }
                    @Override public void attention(float[] qkv, int rows, int first, FloatBuffer k, FloatBuffer v, int heads, int hs, float scale, float[] s, float[] o) { inner.attention(qkv, rows, first, k, v, heads, hs, scale, s, o); }
                    @Override public void normalize(float[] x, int rows, int d, boolean c, boolean dv, float eps, FloatBuffer g, FloatBuffer b, float[] o) { inner.normalize(x, rows, d, c, dv, eps, g, b, o); }
                    @Override public void activate(Activation a, float[] x, int n) { inner.activate(a, x, n); }
                    @Override public void add(float[] x, float[] y, int n) { inner.add(x, y, n); }
                };
            }
        };
        Gpt2Model m = Fixtures.load(Fixtures.F32, DecoderOptions.defaults().math(counting));
        try (Gpt2Decoder d = m.newDecoder()) {
            d.prefill(1, 2);
            d.decode(3);
        }
        assertThat(calls[0]).isEqualTo(2 * 2 * 4);   // two passes x two layers x four projections
    }
}
