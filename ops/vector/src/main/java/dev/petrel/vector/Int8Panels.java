package dev.petrel.vector;

import dev.petrel.DType;
import dev.petrel.Tensor;
import java.nio.ByteBuffer;

/**
 * An 8-bit weight B [K, N] re-laid out for {@link Int8Gemm}: columns in panels of {@link Int8Gemm#NRW},
 * and within a panel, for each pair of rows (2q, 2q+1), the two values of each column side by side
 * ({@code data[((p*K2 + q)*NRW + c)*2 + h]} is B[2q+h][p*NRW + c], K2 = ceil(K/2)), so that one 32-bit
 * lane of a widened panel holds the pair a column multiplies with one broadcast pair of A. INT8
 * weights are stored plus 128 (as unsigned bytes) with their zero points raised by 128 alike, which
 * leaves every product (a - za)(b - zb) unchanged and keeps each a*b' below 2^16 (see Int8Gemm).
 * Padding (an odd K, columns past N) is zero.
 *
 * <p>Memory: the bytes take K*N (1x the weight); {@link #wide} (opt-in, {@code -Dpetrel.int8.wide=true})
 * adds the panels pre-widened to 16 bits (2x), which saves the per-call widening.
 */
final class Int8Panels {
    final int k;
    final int k2;
    final int n;
    final int panels;
    /** Unsigned weight values, offset to [0, 255], in panel order. */
    final byte[] data;
    /** The same values widened to 16 bits, or null when widened per call. */
    final short[] wide;
    /** Sum over K of each column's stored (offset) values; padded to panels * NRW. */
    final int[] colSum;
    /** Each column's zero point in the stored (offset) values; padded. */
    final int[] zeroPoint;

    private Int8Panels(int k, int n) {
        this.k = k;
        this.n = n;
        this.k2 = (k + 1) / 2;
        this.panels = (n + Int8Gemm.NRW - 1) / Int8Gemm.NRW;
        this.data = new byte[Math.max(1, panels * k2 * Int8Gemm.NRW * 2)];
        this.colSum = new int[panels * Int8Gemm.NRW];
        this.zeroPoint = new int[panels * Int8Gemm.NRW];
        this.wide = null;
    }

    private Int8Panels(Int8Panels p, short[] wide) {
        this.k = p.k;
        this.n = p.n;
        this.k2 = p.k2;
        this.panels = p.panels;
        this.data = p.data;
        this.colSum = p.colSum;
        this.zeroPoint = p.zeroPoint;
        this.wide = wide;
    }

    /** Packs {@code w} (INT8 or UINT8 [K, N]) with zero point {@code zp} (null, one value or [N]). */
    static Int8Panels of(Tensor w, Tensor zp, boolean widen) {
        int k = w.dim(0);
        int n = w.dim(1);
        Int8Panels p = new Int8Panels(k, n);
        int offset = w.dtype() == DType.INT8 ? 128 : 0;
        boolean signed = w.dtype() == DType.INT8;
        ByteBuffer src = w.bytes();
        final int nrw = Int8Gemm.NRW;
        byte[] d = p.data;
        for (int kk = 0; kk < k; kk++) {
            int q = kk >> 1;
            int h = kk & 1;
            int row = kk * n;
            for (int j = 0; j < n; j++) {
                int v = (signed ? src.get(row + j) : src.get(row + j) & 0xFF) + offset;
                int panel = j / nrw;
                int c = j - panel * nrw;
                d[((panel * p.k2 + q) * nrw + c) * 2 + h] = (byte) v;
                p.colSum[j] += v;
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
        if (!widen) return p;
        short[] wd = new short[d.length];
        for (int i = 0; i < d.length; i++) wd[i] = (short) (d[i] & 0xFF);
        return new Int8Panels(p, wd);
    }

    /** Shorts in one widened panel. */
    int panelLength() {
        return k2 * Int8Gemm.NRW * 2;
    }

    /** Widens panel {@code p} into {@code dst} (at least {@link #panelLength()} long). */
    void widen(int p, short[] dst) {
        int len = panelLength();
        int base = p * len;
        byte[] d = data;
        for (int i = 0; i < len; i++) dst[i] = (short) (d[base + i] & 0xFF);
    }

    /** Bytes this packing holds. */
    long bytes() {
        return data.length + (wide == null ? 0 : wide.length * 2L) + (colSum.length + zeroPoint.length) * 4L;
    }
}
