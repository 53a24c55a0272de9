package dev.petrel.ops.quant;

import static dev.petrel.ops.quant.ContribHarness.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.UnsupportedFeatureException;
import dev.petrel.spi.Float16;
import dev.petrel.spi.Parallel;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MatMulNBitsKernelTest {
    /** K = 20, block 16: two blocks, the second padded with 12 codes that must be ignored. */
    @Test
    void handComputedWithPaddedLastBlockAndDefaultZeroPoint() {
        int k = 20;
        byte[] b = new byte[2 * 2 * 8];
        // Row 0: every code 9 (weight +1 * scale); row 1 block 0 codes 7 (-1 * scale), block 1 codes 10 (+2).
        for (int i = 0; i < 8; i++) b[i] = (byte) 0x99;
        for (int i = 8; i < 16; i++) b[i] = (byte) 0x99;
        for (int i = 16; i < 24; i++) b[i] = 0x77;
        for (int i = 24; i < 32; i++) b[i] = (byte) 0xAA;
        // Padding codes of each second block set to 15 (garbage): bytes 2..7 of the blob.
        for (int i = 10; i < 16; i++) b[i] = (byte) 0xFF;
        for (int i = 26; i < 32; i++) b[i] = (byte) 0xFF;
        float[] a = new float[k];
        for (int i = 0; i < k; i++) a[i] = i + 1; // sum 1..16 = 136, sum 17..20 = 74
        Tensor y = run("MatMulNBits", in(Tensor.of(a, 1, k), u8(b, 2, 2, 8), Tensor.of(new float[] {0.5f, 2f, 1f, 0.25f}, 2, 2)),
                attr("K", k), attr("N", 2), attr("bits", 4), attr("block_size", 16));
        assertThat(y.shape()).containsExactly(1, 2);
        // Row 0: 136 * 0.5 + 74 * 2 = 216; row 1: -136 * 1 + 74 * 2 * 0.25 = -99.
        assertThat(y.toFloatArray()).containsExactly(216f, -99f);
    }

    @Test
    void packedAndFloatZeroPointsAndBias() {
        // K = 16, N = 1, one block, all codes 5; zero point 3 -> weights 2 * scale 0.5 = 1.
        byte[] b = new byte[8];
        java.util.Arrays.fill(b, (byte) 0x55);
        float[] a = new float[16];
        for (int i = 0; i < 16; i++) a[i] = 1;
        Tensor ta = Tensor.of(a, 1, 16);
        Tensor y = run("MatMulNBits", in(ta, u8(b, 1, 1, 8), Tensor.of(new float[] {0.5f}, 1, 1), u8(new byte[] {3}, 1, 1), null,
                Tensor.of(new float[] {10f}, 1)), attr("K", 16), attr("N", 1), attr("block_size", 16));
        assertThat(y.toFloatArray()).containsExactly(26f);
        // Float zero point 4.5: weights (5 - 4.5) * 0.5 = 0.25.
        Tensor y2 = run("MatMulNBits", in(ta, u8(b, 1, 1, 8), Tensor.of(new float[] {0.5f}, 1, 1), Tensor.of(new float[] {4.5f}, 1, 1)),
                attr("K", 16), attr("N", 1), attr("block_size", 16));
        assertThat(y2.toFloatArray()).containsExactly(4f);
    }

    @Test
    void eightBits() {
        byte[] b = new byte[16];
        for (int i = 0; i < 16; i++) b[i] = (byte) (128 + i);
        float[] a = new float[16];
        for (int i = 0; i < 16; i++) a[i] = 1;
        Tensor y = run("MatMulNBits", in(Tensor.of(a, 16), u8(b, 1, 1, 16), Tensor.of(new float[] {2f}, 1)),
                attr("K", 16), attr("N", 1), attr("bits", 8), attr("block_size", 16));
        assertThat(y.shape()).containsExactly(1);
        assertThat(y.toFloatArray()).containsExactly(240f); // 2 * (0 + ... + 15)
    }

    @Test
    void matchesTheDequantizedProductOnRandomShapesAndThreads() {
        Random r = new Random(11);
        for (int trial = 0; trial < 30; trial++) {
            int bs = 16 << r.nextInt(4);
            int k = 1 + r.nextInt(300);
            int n = 1 + r.nextInt(40);
            int m = 1 + r.nextInt(5);
            boolean zp = r.nextBoolean();
            float[] w = gaussian(r, n * k);
            Q4Block.Quantized q = Q4Block.quantize(w, n, k, bs, zp);
            float[] dq = dequantize(q, n, k, bs);
            float[] a = gaussian(r, m * k);
            Tensor[] in = zp
                    ? in(Tensor.of(a, m, k), u8(q.data, n, q.blocks, bs / 2), Tensor.of(q.scales, n, q.blocks), u8(q.zeroPoints, n, (q.blocks + 1) / 2))
                    : in(Tensor.of(a, m, k), u8(q.data, n, q.blocks, bs / 2), Tensor.of(q.scales, n * q.blocks));
            for (Parallel p : new Parallel[] {Parallel.SEQUENTIAL, chunked()}) {
                Tensor y = run("MatMulNBits", p, in, attr("K", k), attr("N", n), attr("block_size", bs), attr("accuracy_level", 4));
                float[] got = y.toFloatArray();
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        float s = 0f;
                        for (int t = 0; t < k; t++) s += a[i * k + t] * dq[j * k + t];
                        assertThat(got[i * n + j]).as("trial %d (%d,%d)", trial, i, j).isEqualTo(s);
                    }
                }
            }
        }
    }

    @Test
    void halfPrecisionComputesInFloatAndRoundsOnce() {
        // K=16, N=1; codes 9 -> weight +scale; scale 0.1 (as fp16), A = 0.1 each (fp16).
        byte[] b = new byte[8];
        java.util.Arrays.fill(b, (byte) 0x99);
        short[] ah = new short[16];
        java.util.Arrays.fill(ah, Float16.fromFloat(0.1f));
        Tensor a = half(ah, 1, 16);
        Tensor s = half(new short[] {Float16.fromFloat(0.1f)}, 1, 1);
        Tensor y = run("MatMulNBits", in(a, u8(b, 1, 1, 8), s), attr("K", 16), attr("N", 1), attr("block_size", 16));
        assertThat(y.dtype()).isEqualTo(DType.FLOAT16);
        float a1 = Float16.toFloat(Float16.fromFloat(0.1f));
        float acc = 0f;
        for (int i = 0; i < 16; i++) acc += a1 * a1;
        assertThat(y.shorts().get(0)).isEqualTo(Float16.fromFloat(acc));
    }

    @Test
    void rejectsWhatItDoesNotImplement() {
        Tensor[] in = in(Tensor.of(new float[16], 1, 16), u8(new byte[8], 1, 1, 8), Tensor.of(new float[1], 1));
        assertThatThrownBy(() -> kernel("MatMulNBits", in, attr("K", 16), attr("N", 1), attr("bits", 2), attr("block_size", 16)))
                .isInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("bits=2");
        assertThatThrownBy(() -> kernel("MatMulNBits", in, attr("K", 16), attr("N", 1), attr("block_size", 24)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("block_size");
        Tensor[] gidx = in(in[0], in[1], in[2], null, Tensor.of(new int[16], 16));
        assertThatThrownBy(() -> run("MatMulNBits", gidx, attr("K", 16), attr("N", 1), attr("block_size", 16)))
                .isInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("g_idx");
        Tensor[] wrongB = in(in[0], u8(new byte[16], 1, 2, 8), in[2]);
        assertThatThrownBy(() -> run("MatMulNBits", wrongB, attr("K", 16), attr("N", 1), attr("block_size", 16)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("input 'B'");
    }

    static Tensor[] in(Tensor... t) {
        return t;
    }

    static Tensor half(short[] v, long... shape) {
        int[] dims = new int[shape.length];
        for (int i = 0; i < dims.length; i++) dims[i] = (int) shape[i];
        Tensor t = Tensor.allocate(DType.FLOAT16, dims);
        for (int i = 0; i < v.length; i++) t.shorts().put(i, v[i]);
        return t;
    }

    static Parallel chunked() {
        return new Parallel() {
            @Override public int threads() { return 3; }
            @Override public void forRange(int count, RangeBody body) {
                for (int i = count - 1; i >= 0; i--) body.run(i, i + 1);
            }
        };
    }

    static float[] gaussian(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }

    /** The reference weight: each element through {@link Q4Block#dequantize}, one block at a time. */
    static float[] dequantize(Q4Block.Quantized q, int n, int k, int bs) {
        float[] w = new float[n * k];
        java.nio.ByteBuffer data = java.nio.ByteBuffer.wrap(q.data);
        java.nio.ByteBuffer zp = q.zeroPoints == null ? null : java.nio.ByteBuffer.wrap(q.zeroPoints);
        int zpRow = (q.blocks + 1) / 2;
        for (int r = 0; r < n; r++) {
            for (int kb = 0; kb < q.blocks; kb++) {
                int start = kb * bs;
                int z = zp == null ? 8 : Q4Block.zeroPoint(zp, r * zpRow, kb);
                Q4Block.dequantize(data, (r * q.blocks + kb) * bs / 2, Math.min(bs, k - start), q.scales[r * q.blocks + kb], z, w, r * k + start);
            }
        }
        return w;
    }
}
