package dev.petrel.ops.quant;

import static dev.petrel.ops.quant.ContribHarness.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.petrel.Tensor;
import dev.petrel.UnsupportedFeatureException;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MatMulBnb4KernelTest {
    @Test
    void handComputedNf4WithABlockSpanningRows() {
        // W [N=2, K=3] flat [w0..w5], block 4: block 0 = w0..w3 (spans rows), block 1 = w4, w5.
        // Codes: 15 (1.0), 0 (-1.0), 7 (0), 15 | 15, 0 -> bytes 0xF0, 0x7F, 0xF0.
        byte[] b = {(byte) 0xF0, 0x7F, (byte) 0xF0};
        Tensor absmax = Tensor.of(new float[] {2f, 3f}, 2);
        Tensor a = Tensor.of(new float[] {1f, 10f, 100f}, 1, 3);
        Tensor y = run("MatMulBnb4", MatMulNBitsKernelTest.in(a, u8(b, 3), absmax),
                attr("K", 3), attr("N", 2), attr("block_size", 4), attr("quant_type", 1));
        // Row 0 = [2, -2, 0] -> 1*2 - 10*2 = -18; row 1 = [2, 3, -3] -> 2 + 30 - 300 = -268.
        assertThat(y.toFloatArray()).containsExactly(-18f, -268f);
    }

    @Test
    void transBZeroReadsAKByNWeight() {
        // Stored [K=2, N=2] = [[1, -1], [0.5, 0]] in FP4 (codes 3, 11, 5, 0), absmax 1, block 64.
        byte[] b = {0x3B, 0x50};
        Tensor a = Tensor.of(new float[] {2f, 4f}, 1, 2);
        Tensor y = run("MatMulBnb4", MatMulNBitsKernelTest.in(a, u8(b, 2), Tensor.of(new float[] {1f}, 1)),
                attr("K", 2), attr("N", 2), attr("block_size", 64), attr("quant_type", 0), attr("transB", 0));
        // y = [2*1 + 4*0.5, 2*-1 + 4*0] = [4, -2].
        assertThat(y.toFloatArray()).containsExactly(4f, -2f);
    }

    @Test
    void matchesTheDequantizedProductOnRandomShapes() {
        Random r = new Random(5);
        for (Bnb4Format f : Bnb4Format.values()) {
            for (int trial = 0; trial < 15; trial++) {
                int k = 1 + r.nextInt(200);
                int n = 1 + r.nextInt(30);
                int m = 1 + r.nextInt(4);
                int bs = 16 << r.nextInt(3);
                float[] w = MatMulNBitsKernelTest.gaussian(r, n * k);
                Bnb4Format.Quantized q = f.quantize(w, bs);
                float[] dq = new float[n * k];
                for (int blk = 0; blk < q.absmax.length; blk++) {
                    int start = blk * bs;
                    f.dequantize(ByteBuffer.wrap(q.data), start, Math.min(bs, n * k - start), q.absmax[blk], dq, start);
                }
                float[] a = MatMulNBitsKernelTest.gaussian(r, m * k);
                Tensor y = run("MatMulBnb4", MatMulNBitsKernelTest.chunked(), MatMulNBitsKernelTest.in(Tensor.of(a, m, k),
                        u8(q.data, q.data.length), Tensor.of(q.absmax, q.absmax.length)),
                        attr("K", k), attr("N", n), attr("block_size", bs), attr("quant_type", f.quantType()));
                float[] got = y.toFloatArray();
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        float s = 0f;
                        for (int t = 0; t < k; t++) s += a[i * k + t] * dq[j * k + t];
                        assertThat(got[i * n + j]).isEqualTo(s);
                    }
                }
            }
        }
    }

    @Test
    void rejectsUnknownQuantType() {
        Tensor[] in = MatMulNBitsKernelTest.in(Tensor.of(new float[2], 1, 2), u8(new byte[1], 1), Tensor.of(new float[1], 1));
        assertThatThrownBy(() -> kernel("MatMulBnb4", in, attr("K", 2), attr("N", 1), attr("block_size", 64), attr("quant_type", 2)))
                .isInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("quant_type=2");
    }
}
