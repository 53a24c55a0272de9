package dev.petrel.ops.math;

import dev.petrel.spi.Parallel;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * The FLOAT matrix product shared by MatMul and Gemm: C = A x B with arbitrary element strides for A
 * and B (so transposes cost nothing) and float accumulation, as ONNX Runtime does.
 *
 * <p>Columns of B are taken in panels of at most {@link #NC} columns, copied into a contiguous
 * {@code float[]} (B is often a memory-mapped weight that must not be copied whole, and reading it
 * through a direct buffer in the inner loop would stop the JIT from vectorizing). Rows of A are
 * processed in blocks of {@link #MC} whose accumulators stay in cache, and K in chunks of
 * {@link #KC} so that the part of the panel being streamed stays in L2 while the whole row block
 * walks over it. The inner loop is a saxpy over contiguous arrays, which C2 vectorizes.
 *
 * <p>With several threads the (panel, row block) tiles are dealt round-robin to workers, each with
 * its own scratch; a worker repacks a panel only when its next tile needs a different one.
 * Scratch arrays belong to the instance, grow only when a larger problem arrives and are reused
 * across runs; an instance is used by one kernel run at a time, like the kernel owning it.
 */
final class FloatMatMul {
    static final int NC = 256;
    static final int MC = 64;
    static final int KC = 256;

    private float[] panel = new float[0];
    private float[] acc = new float[0];
    private FloatMatMul[] workers = new FloatMatMul[0];

    /**
     * Writes {@code C[cOff + i*ldc + j] = sum_k A[aOff + i*sam + k*sak] * B[bOff + k*sbk + j*sbn]}
     * for every {@code i < m, j < n}. With {@code k == 0} the result is all zeros.
     */
    void multiply(FloatBuffer a, int aOff, int sam, int sak,
                  FloatBuffer b, int bOff, int sbk, int sbn,
                  FloatBuffer c, int cOff, int ldc, int m, int n, int k) {
        multiply(Parallel.SEQUENTIAL, a, aOff, sam, sak, b, bOff, sbk, sbn, c, cOff, ldc, m, n, k);
    }

    /** As {@link #multiply(FloatBuffer, int, int, int, FloatBuffer, int, int, int, FloatBuffer, int, int, int, int, int)}, over {@code parallel}'s threads. */
    void multiply(Parallel parallel, FloatBuffer a, int aOff, int sam, int sak,
                  FloatBuffer b, int bOff, int sbk, int sbn,
                  FloatBuffer c, int cOff, int ldc, int m, int n, int k) {
        if (m == 0 || n == 0) return;
        if (n == 1) {
            dotColumn(a, aOff, sam, sak, b, bOff, sbk, c, cOff, ldc, m, k);
            return;
        }
        int nc = Math.min(n, NC);
        int mc = Math.min(m, MC);
        int panels = (n + nc - 1) / nc;
        int rowBlocks = (m + mc - 1) / mc;
        int tiles = panels * rowBlocks;
        // Tiny products are not worth a hand-off.
        long flops = (long) m * n * k;
        int threads = flops < (1 << 18) ? 1 : Math.min(parallel.threads(), tiles);
        if (threads <= 1) {
            tiles(0, 1, tiles, rowBlocks, nc, mc, a, aOff, sam, sak, b, bOff, sbk, sbn, c, cOff, ldc, m, n, k);
            return;
        }
        if (workers.length < threads) {
            FloatMatMul[] w = Arrays.copyOf(workers, threads);
            for (int i = workers.length; i < threads; i++) w[i] = new FloatMatMul();
            workers = w;
        }
        FloatMatMul[] ws = workers;
        int count = threads;
        parallel.forRange(count, (from, to) -> {
            for (int w = from; w < to; w++) {
                ws[w].tiles(w, count, tiles, rowBlocks, nc, mc, a, aOff, sam, sak, b, bOff, sbk, sbn, c, cOff, ldc, m, n, k);
            }
        });
    }

    /** Computes tiles first, first + step, ...; tile t covers panel t / rowBlocks and row block t % rowBlocks. */
    private void tiles(int first, int step, int tiles, int rowBlocks, int nc, int mc,
                       FloatBuffer a, int aOff, int sam, int sak,
                       FloatBuffer b, int bOff, int sbk, int sbn,
                       FloatBuffer c, int cOff, int ldc, int m, int n, int k) {
        if (panel.length < k * nc) panel = new float[k * nc];
        if (acc.length < mc * nc) acc = new float[mc * nc];
        float[] p = panel;
        float[] s = acc;
        int packed = -1;
        for (int t = first; t < tiles; t += step) {
            int jc = (t / rowBlocks) * nc;
            int ic = (t % rowBlocks) * mc;
            int w = Math.min(nc, n - jc);
            if (packed != jc) {
                // B[:, jc:jc+w] row by row: panel[kk*w + j].
                for (int kk = 0; kk < k; kk++) {
                    int src = bOff + kk * sbk + jc * sbn;
                    int dst = kk * w;
                    if (sbn == 1) {
                        for (int j = 0; j < w; j++) p[dst + j] = b.get(src + j);
                    } else {
                        for (int j = 0; j < w; j++) p[dst + j] = b.get(src + j * sbn);
                    }
                }
                packed = jc;
            }
            int h = Math.min(mc, m - ic);
            Arrays.fill(s, 0, h * w, 0f);
            for (int kc = 0; kc < k; kc += KC) {
                int kEnd = Math.min(k, kc + KC);
                for (int i = 0; i < h; i++) {
                    int aRow = aOff + (ic + i) * sam;
                    int o = i * w;
                    for (int kk = kc; kk < kEnd; kk++) {
                        float av = a.get(aRow + kk * sak);
                        int pk = kk * w;
                        for (int j = 0; j < w; j++) s[o + j] += av * p[pk + j];
                    }
                }
            }
            for (int i = 0; i < h; i++) {
                int dst = cOff + (ic + i) * ldc + jc;
                int o = i * w;
                for (int j = 0; j < w; j++) c.put(dst + j, s[o + j]);
            }
        }
    }

    /** Matrix-vector case: one dot product per row, the B column copied once. */
    private void dotColumn(FloatBuffer a, int aOff, int sam, int sak, FloatBuffer b, int bOff, int sbk,
                           FloatBuffer c, int cOff, int ldc, int m, int k) {
        if (panel.length < k) panel = new float[k];
        float[] col = panel;
        for (int kk = 0; kk < k; kk++) col[kk] = b.get(bOff + kk * sbk);
        for (int i = 0; i < m; i++) {
            int aRow = aOff + i * sam;
            float sum = 0f;
            for (int kk = 0; kk < k; kk++) sum += a.get(aRow + kk * sak) * col[kk];
            c.put(cOff + i * ldc, sum);
        }
    }
}
