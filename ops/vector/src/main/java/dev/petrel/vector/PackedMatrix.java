package dev.petrel.vector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The B operand of a product, K x N, re-laid out for {@link FloatGemm}'s micro-kernel: columns in
 * panels of {@link FloatGemm#NRW} (a whole number of vectors), each panel stored row after row
 * ({@code data[p*K*NRW + k*NRW + j]} is B[k][p*NRW + j]), the last panel padded with zeros so the
 * kernel never needs a masked load. Built once from a weight and shared by every session of a model,
 * or rebuilt into the same arrays per call for a B known only at run time.
 */
final class PackedMatrix {
    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    float[] data = new float[0];
    int k;
    int n;
    int panels;
    /** One row (or column) of B on its way into the panels; kept for the next per-call packing. */
    private float[] tmp = new float[0];

    /** Packs B = the K x N matrix at {@code src} (element offset {@code off}), row-major, or its transpose stored N x K when {@code transposed}. */
    static PackedMatrix of(MemorySegment src, long off, int k, int n, boolean transposed) {
        PackedMatrix p = new PackedMatrix();
        p.pack(src, off, k, n, transposed);
        return p;
    }

    /** Re-packs into this matrix's arrays, growing them only when needed. */
    void pack(MemorySegment src, long off, int k, int n, boolean transposed) {
        final int nrw = FloatGemm.NRW;
        this.k = k;
        this.n = n;
        this.panels = (n + nrw - 1) / nrw;
        int size = Math.max(1, panels * k * nrw);
        if (data.length < size) data = new float[size];
        float[] d = data;
        if (!transposed) {
            // Whole rows of B in one bulk copy each, then dealt to the panels: bulk copies are fast
            // even before the JIT has compiled this code, which matters at model load.
            if (tmp.length < n) tmp = new float[n];
            float[] row = tmp;
            for (int kk = 0; kk < k; kk++) {
                MemorySegment.copy(src, FLOAT_LE, (off + (long) kk * n) * 4L, row, 0, n);
                for (int p = 0; p < panels; p++) {
                    int j0 = p * nrw;
                    int cols = Math.min(nrw, n - j0);
                    int dst = p * k * nrw + kk * nrw;
                    System.arraycopy(row, j0, d, dst, cols);
                    if (cols < nrw) java.util.Arrays.fill(d, dst + cols, dst + nrw, 0f);
                }
            }
        } else {
            // B stored as N x K: column j of B is row j of the storage.
            if (tmp.length < k) tmp = new float[k];
            float[] col = tmp;
            for (int p = 0; p < panels; p++) {
                int j0 = p * nrw;
                int cols = Math.min(nrw, n - j0);
                int base = p * k * nrw;
                for (int j = 0; j < nrw; j++) {
                    if (j < cols) {
                        MemorySegment.copy(src, FLOAT_LE, (off + (long) (j0 + j) * k) * 4L, col, 0, k);
                        for (int kk = 0; kk < k; kk++) d[base + kk * nrw + j] = col[kk];
                    } else {
                        for (int kk = 0; kk < k; kk++) d[base + kk * nrw + j] = 0f;
                    }
                }
            }
        }
    }

    /** Bytes held by the packed copy. */
    long bytes() {
        return (long) panels * k * FloatGemm.NRW * 4L;
    }
}
