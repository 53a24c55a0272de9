package dev.petrel.vector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.llm.DecoderMath;
import dev.petrel.llm.QuantizedMatrix;
import dev.petrel.llm.WeightFormat;
import dev.petrel.spi.Parallel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The Vector API panel products against {@link QuantizedMatrix#multiply}, the scalar reference. */
class VectorQuantPanelsTest {

    @Property(tries = 60)
    void quantizedMatchesReference(@ForAll @IntRange(min = 1, max = 200) int in, @ForAll @IntRange(min = 1, max = 70) int out,
                                   @ForAll @IntRange(min = 1, max = 20) int rows, @ForAll boolean four, @ForAll boolean withBias,
                                   @ForAll @IntRange(min = 0, max = 1000) int seed) {
        Random r = new Random(seed);
        FloatBuffer w = direct(in * out);
        for (int i = 0; i < in * out; i++) w.put(i, (float) r.nextGaussian());
        QuantizedMatrix q = QuantizedMatrix.quantize(four ? WeightFormat.Q4 : WeightFormat.Q8, w, in, out, r.nextBoolean());
        check(q, in, out, rows, withBias, r);
    }

    @Property(tries = 60)
    void packedWithOffsetsMatchesReference(@ForAll @IntRange(min = 1, max = 200) int in, @ForAll @IntRange(min = 1, max = 40) int out,
                                           @ForAll @IntRange(min = 1, max = 20) int rows, @ForAll boolean four, @ForAll boolean half,
                                           @ForAll boolean withOffsets, @ForAll @IntRange(min = 1, max = 4) int blockEighths,
                                           @ForAll @IntRange(min = 0, max = 1000) int seed) {
        Random r = new Random(seed);
        int bits = four ? 4 : 8, lo = four ? -8 : -128, span = four ? 16 : 256;
        int bs = 8 * (1 << (blockEighths - 1));
        int blocks = (in + bs - 1) / bs;
        int[] codes = new int[in * out];
        for (int i = 0; i < codes.length; i++) codes[i] = lo + r.nextInt(span);
        float[] scales = new float[out * blocks], offsets = new float[out * blocks];
        for (int i = 0; i < scales.length; i++) {
            scales[i] = (float) r.nextGaussian() * 0.1f;
            offsets[i] = (float) r.nextGaussian() * 0.1f;
        }
        QuantizedMatrix q = QuantizedMatrix.pack(bits, in, out, bs, half, (n, k) -> codes[n * in + k], (n, b) -> scales[n * blocks + b],
                withOffsets ? (n, b) -> offsets[n * blocks + b] : null);
        check(q, in, out, rows, true, r);
    }

    private static void check(QuantizedMatrix q, int in, int out, int rows, boolean withBias, Random r) {
        float[] x = new float[rows * in];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        FloatBuffer bias = null;
        if (withBias) {
            bias = direct(out);
            for (int j = 0; j < out; j++) bias.put(j, (float) r.nextGaussian());
        }
        int yOffset = r.nextInt(5);
        float[] expected = new float[yOffset + rows * out + 3], actual = new float[expected.length];
        java.util.Arrays.fill(actual, 7f);
        java.util.Arrays.fill(expected, 7f);
        q.multiply(x, rows, bias, expected, yOffset, 0, q.panels());
        DecoderMath v = new VectorDecoderMathProvider().create(Parallel.SEQUENTIAL);
        v.multiply(x, rows, q, bias, actual, yOffset);
        for (int i = 0; i < expected.length; i++) {
            boolean inside = i >= yOffset && i < yOffset + rows * out;
            if (!inside) {
                assertThat(actual[i]).as("untouched %d", i).isEqualTo(7f);
                continue;
            }
            int row = (i - yOffset) / out, n = (i - yOffset) % out;
            double mag = 0;
            for (int k = 0; k < in; k++) mag += Math.abs(x[row * in + k] * q.get(k, n));
            if (q.offsets() != null) mag += in * 1.0;
            assertThat((double) actual[i]).as("y[%d, %d] of %s", row, n, q).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-5 * mag + 1e-5));
        }
        // Below the GEMM's threshold a row gives the same bits alone as in a batch (the 4-row and 1-row
        // kernels add in the same order); from it on, the dequantized fp32 GEMM rounds differently.
        if (rows >= VectorDecoderMath.DEQUANTIZED_GEMM_ROWS) return;
        float[] single = new float[out];
        for (int row = 0; row < rows; row++) {
            v.multiply(java.util.Arrays.copyOfRange(x, row * in, (row + 1) * in), 1, q, bias, single, 0);
            for (int n = 0; n < out; n++) assertThat(single[n]).isEqualTo(actual[yOffset + row * out + n]);
        }
    }

    @Test
    void threadsGiveTheSameBits() {
        Random r = new Random(3);
        int in = 96, out = 300;
        FloatBuffer w = direct(in * out);
        for (int i = 0; i < in * out; i++) w.put(i, (float) r.nextGaussian());
        QuantizedMatrix q = QuantizedMatrix.quantize(WeightFormat.Q4, w, in, out, false);
        float[] x = new float[2 * in];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        float[] a = new float[2 * out], b = new float[2 * out];
        new VectorDecoderMathProvider().create(Parallel.SEQUENTIAL).multiply(x, 2, q, null, a, 0);
        try (Parallel.Pool pool = Parallel.pool(2)) {
            new VectorDecoderMathProvider().create(pool).multiply(x, 2, q, null, b, 0);
        }
        assertThat(b).containsExactly(a);
    }

    private static FloatBuffer direct(int n) {
        return ByteBuffer.allocateDirect(4 * n).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    }
}
