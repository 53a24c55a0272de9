package dev.petrel.vector;

import dev.petrel.DType;
import dev.petrel.Tensor;
import java.nio.ByteBuffer;

/**
 * An 8-bit weight B [K, N] laid out for {@link Int8FloatGemm}: columns in panels of
 * {@link FloatGemm#NRW} (the fp32 micro-kernel's width), each panel K rows of NRW signed bytes
 * ({@code data[(p*K + k)*NRW + c]} is B[k][p*NRW + c]), so that a K block of a panel converts to the
 * fp32 micro-panel {@link FloatGemm}'s kernels read with one widening load per vector. UINT8 weights
 * are stored minus 128, with their zero points lowered by 128 alike: every difference b - zb is
 * unchanged. Padding columns are zero with zero point zero, so they compute zeros.
 *
 * <p>Memory: K*N bytes (1x the weight) plus one float per column.
 */
final class Int8ColumnPanels {
    final int k;
    final int n;
    final int panels;
    /** Signed stored values, in panel order. */
    final byte[] data;
    /** Each column's zero point in the stored values, as a float; padded to panels * NRW. */
    final float[] zeroPoint;
    /** The largest |b - zb| over the matrix: with A's largest |a - za| it bounds the exact K block. */
    int maxAbs;
    /** Every stored zero point is 0 (symmetric INT8 weights, as ONNX Runtime's quantizer writes them). */
    boolean zeroZeroPoints;

    private Int8ColumnPanels(int k, int n) {
        this.k = k;
        this.n = n;
        this.panels = (n + FloatGemm.NRW - 1) / FloatGemm.NRW;
        this.data = new byte[Math.max(1, panels * k * FloatGemm.NRW)];
        this.zeroPoint = new float[panels * FloatGemm.NRW];
    }

    /** Packs {@code w} (INT8 or UINT8 [K, N]) with zero point {@code zp} (null, one value or [N]). */
    static Int8ColumnPanels of(Tensor w, Tensor zp) {
        int k = w.dim(0);
        int n = w.dim(1);
        Int8ColumnPanels p = new Int8ColumnPanels(k, n);
        boolean signed = w.dtype() == DType.INT8;
        int offset = signed ? 0 : -128;
        ByteBuffer src = w.bytes();
        final int nrw = FloatGemm.NRW;
        byte[] d = p.data;
        for (int kk = 0; kk < k; kk++) {
            int row = kk * n;
            for (int j = 0; j < n; j++) {
                int v = (signed ? src.get(row + j) : src.get(row + j) & 0xFF) + offset;
                int panel = j / nrw;
                d[(panel * k + kk) * nrw + (j - panel * nrw)] = (byte) v;
            }
        }
        for (int j = 0; j < n; j++) {
            int z = 0;
            if (zp != null) {
                int i = zp.size() == 1 ? 0 : j;
                z = zp.dtype() == DType.INT8 ? zp.bytes().get(i) : zp.bytes().get(i) & 0xFF;
            }
            p.zeroPoint[j] = z + offset;
        }
        int maxAbs = 0;
        for (int kk = 0; kk < k; kk++) {
            for (int j = 0; j < n; j++) {
                int panel = j / nrw;
                maxAbs = Math.max(maxAbs, Math.abs(d[(panel * k + kk) * nrw + (j - panel * nrw)] - (int) p.zeroPoint[j]));
            }
        }
        p.maxAbs = maxAbs;
        boolean zero = true;
        for (float z : p.zeroPoint) zero &= z == 0f;
        p.zeroZeroPoints = zero;
        return p;
    }

    /** Bytes this packing holds. */
    long bytes() {
        return data.length + zeroPoint.length * 4L;
    }
}
