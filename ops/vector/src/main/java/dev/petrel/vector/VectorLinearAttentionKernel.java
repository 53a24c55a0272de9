package dev.petrel.vector;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.fused.SimplifiedLinearAttentionKernel;
import dev.petrel.ops.fused.SimplifiedLinearAttentionKernel.Geometry;
import dev.petrel.ops.fused.SimplifiedLinearAttentionKernel.Params;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import dev.petrel.spi.Parallel;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code dev.petrel::SimplifiedLinearAttention} on the Vector API, with the semantics of the portable
 * {@link SimplifiedLinearAttentionKernel} (its reference; the operator's inputs are defined there).
 *
 * <p>Three passes, each a set of tasks whose split depends on the shapes only (never on the thread count,
 * so 1 and n threads give the same bits):
 * <ol>
 *   <li>per (batch, head) and chunk of {@link #CHUNK} tokens: k = ReLU(K + P) and V are gathered into float
 *       arrays (V for the whole head, kept for the convolution), and the chunk's partial kᵀv (c×c, a small
 *       GEMM c×chunk · chunk×c through a 4×2-vector register tile) and Σk;</li>
 *   <li>per (batch, head): the partial sums added in chunk order;</li>
 *   <li>per (batch, head) and block of {@link #ROWS} queries: q = ReLU(Q), 1/(q·Σk + eps) per row, the
 *       depth-wise convolution of V vectorized over channels, and q·kv through the same register tile,
 *       scaled and added to the convolution as it is stored.</li>
 * </ol>
 * Tasks go to the session's threads in parts (two per thread, claimed dynamically), each part with its own
 * scratch; all buffers are kept across runs while the shapes stay, so a run allocates nothing.
 */
final class VectorLinearAttentionKernel implements Kernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Columns of one micro-tile: two vectors. */
    private static final int NW = 2 * L;
    private static final int MR = 4;
    /** Tokens per partial kᵀv: splits long sequences over threads, independent of the thread count. */
    static final int CHUNK = 256;
    /** Queries per output task. */
    static final int ROWS = 64;
    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Below this many multiply-adds a run stays on the calling thread. */
    private static final long PARALLEL_MIN = 1L << 16;

    private final Params params;
    private Geometry geometry;
    /** Row stride of k, q, Σk and the filter taps (c rounded up to a vector). */
    private int cp;
    /** Row stride of V, kv and the convolution (c rounded up to a tile width). */
    private int dvp;
    private int chunks, blocks;
    // Per (batch, head): V gathered (tokens × dvp), kv (c × dvp), Σk (cp); per (pair, chunk) the partials.
    private float[] va = new float[0], kv = new float[0], z = new float[0], kvPart = new float[0], zPart = new float[0];
    /**
     * Per (batch, head): V again on its grid with a zero border of kh/2 rows and kw/2 columns
     * ((height + kh - 1) x (width + kw - 1) tokens, cp wide), so that every tap of the convolution is in
     * range and its loop has no bounds to test. The border is zero from allocation and never written.
     */
    private float[] vpad = new float[0];
    private int padWidth, padTokens;
    /** Filter taps transposed to [tap][channel] and the bias, padded to cp. */
    private float[] taps = new float[0], bias = new float[0];
    private Scratch[] scratch = new Scratch[0];
    // The run's operands and the current pass, in fields so that the parallel body allocates nothing.
    private MemorySegment qkv, pos, y;
    private int pass, tasks, parts;
    private final Parallel.RangeBody body = this::runParts;

    VectorLinearAttentionKernel(Node node) {
        this.params = Params.of(node);
    }

    /** One part's buffers. */
    private static final class Scratch {
        float[] ka = new float[0], qa = new float[0], dw = new float[0], inv = new float[ROWS];
        // Padded: tiles of different parts may sit side by side in the heap.
        final float[] tile = new float[MR * NW + 32];
        final float[] lanes = new float[L + 32];

        void ensure(int cp, int dvp) {
            if (ka.length < CHUNK * cp) ka = new float[CHUNK * cp];
            if (qa.length < ROWS * cp) qa = new float[ROWS * cp];
            if (dw.length < ROWS * dvp) dw = new float[ROWS * dvp];
        }
    }

    private static int roundUp(int n, int m) {
        return (n + m - 1) / m * m;
    }

    @Override
    public void run(KernelContext ctx) {
        FloatGemm.awaitWarm();
        Tensor x = ctx.requireInput(0);
        Tensor p = ctx.input(1);
        Tensor w = ctx.input(2);
        Tensor b = ctx.input(3);
        if (x.dtype() != DType.FLOAT) {
            throw new IllegalArgumentException(SimplifiedLinearAttentionKernel.OP + ": qkv must be FLOAT, got " + x.describe());
        }
        Geometry g = geometry;
        if (g == null || !g.fits(x, p, w, b)) {
            geometry = g = Geometry.of(params, x, p, w, b);
            plan(g);
        }
        Tensor out = ctx.output(0, DType.FLOAT, g.outDims());
        int pairs = g.pairs();
        if (pairs == 0 || g.tokens == 0 || g.headDim == 0) return;
        packFilter(g, w, b);
        qkv = Segments.of(x);
        pos = p == null ? null : Segments.of(p);
        y = Segments.of(out);
        long work = (long) pairs * g.tokens * g.headDim * (2L * g.headDim + (long) g.kh * g.kw);
        int threads = work < PARALLEL_MIN ? 1 : ctx.parallel().threads();
        try {
            pass(ctx, threads, 1, pairs * chunks);
            if (chunks > 1) pass(ctx, threads, 2, pairs);
            pass(ctx, threads, 3, pairs * blocks);
        } finally {
            qkv = pos = y = null;
        }
    }

    /** Sizes the buffers for a new signature. */
    private void plan(Geometry g) {
        int c = g.headDim;
        cp = roundUp(Math.max(c, 1), L);
        dvp = roundUp(Math.max(c, 1), NW);
        chunks = Math.max(1, (g.tokens + CHUNK - 1) / CHUNK);
        blocks = Math.max(1, (g.tokens + ROWS - 1) / ROWS);
        int pairs = g.pairs();
        // Zeroed: V's padding columns are never written, and the products read them.
        va = new float[Math.max(1, pairs * g.tokens * dvp)];
        kv = new float[Math.max(1, pairs * c * dvp)];
        z = new float[Math.max(1, pairs * cp)];
        if (chunks > 1) {
            kvPart = new float[pairs * chunks * c * dvp];
            zPart = new float[pairs * chunks * cp];
        } else {
            kvPart = kv;
            zPart = z;
        }
        padWidth = g.width + Math.max(0, g.kw - 1);
        padTokens = (g.height + Math.max(0, g.kh - 1)) * padWidth;
        vpad = g.hasWeight ? new float[pairs * padTokens * cp] : new float[0];
        taps = new float[Math.max(1, g.kh * g.kw * cp)];
        bias = new float[cp];
        // Fresh part scratch too: rows are copied c wide into cp-wide rows, whose padding must be 0.
        scratch = new Scratch[0];
    }

    private void packFilter(Geometry g, Tensor w, Tensor b) {
        if (!g.hasWeight) return;
        java.nio.FloatBuffer wf = w.floats();
        int c = g.headDim, k = g.kh * g.kw;
        for (int d = 0; d < c; d++) for (int t = 0; t < k; t++) taps[t * cp + d] = wf.get(d * k + t);
        if (g.hasBias) {
            java.nio.FloatBuffer bf = b.floats();
            for (int d = 0; d < c; d++) bias[d] = bf.get(d);
        }
    }

    private void pass(KernelContext ctx, int threads, int which, int count) {
        pass = which;
        tasks = count;
        int n = threads <= 1 ? 1 : Math.min(threads * 2, count);
        if (scratch.length < n) {
            Scratch[] s = Arrays.copyOf(scratch, n);
            for (int i = scratch.length; i < n; i++) s[i] = new Scratch();
            scratch = s;
        }
        parts = n;
        if (n <= 1) runParts(0, 1);
        else ctx.parallel().forRange(n, body);
    }

    private void runParts(int p0, int p1) {
        for (int p = p0; p < p1; p++) {
            Scratch s = scratch[p];
            s.ensure(cp, dvp);
            int from = (int) ((long) tasks * p / parts);
            int to = (int) ((long) tasks * (p + 1) / parts);
            for (int t = from; t < to; t++) {
                if (pass == 1) keys(s, t / chunks, t % chunks);
                else if (pass == 2) reduce(t);
                else queries(s, t / blocks, t % blocks);
            }
        }
    }

    /** Pass 1: gathers chunk {@code ch} of pair {@code t}'s k and V, and its partial kᵀv and Σk. */
    private void keys(Scratch s, int t, int ch) {
        final Geometry g = geometry;
        final int n = g.tokens, cc = g.channels, c = g.headDim, row = 3 * cc, cp = this.cp, dvp = this.dvp;
        final int b = t / g.heads, h = t % g.heads;
        final int j0 = ch * CHUNK, j1 = Math.min(n, j0 + CHUNK), rows = j1 - j0;
        final float[] ka = s.ka, va = this.va;
        final long vaBase = (long) t * n * dvp;
        final MemorySegment x = qkv, p = pos;
        for (int j = j0; j < j1; j++) {
            long kr = (((long) b * n + j) * row + cc + (long) h * c) * 4L;
            long vr = kr + cc * 4L;
            long pr = ((long) j * cc + (long) h * c) * 4L;
            int ko = (j - j0) * cp;
            int vo = (int) (vaBase + (long) j * dvp);
            // Whole vectors straight from the segments, the tail (c mod L) lane by lane: no masked access
            // (measured: boxed by C2 once other shapes had shaped the profile, 2 MB per run) and no
            // per-row MemorySegment.copy call. The padding lanes past c are never written and stay 0.
            final int full = c / L * L;
            if (p != null) {
                for (int d = 0; d < full; d += L) {
                    FloatVector.fromMemorySegment(S, x, kr + d * 4L, LE).add(FloatVector.fromMemorySegment(S, p, pr + d * 4L, LE))
                            .max(0f).intoArray(ka, ko + d);
                }
                for (int d = full; d < c; d++) {
                    ka[ko + d] = Math.max(0f, x.get(FLOAT_LE, kr + d * 4L) + p.get(FLOAT_LE, pr + d * 4L));
                }
            } else {
                for (int d = 0; d < full; d += L) FloatVector.fromMemorySegment(S, x, kr + d * 4L, LE).max(0f).intoArray(ka, ko + d);
                for (int d = full; d < c; d++) ka[ko + d] = Math.max(0f, x.get(FLOAT_LE, kr + d * 4L));
            }
            for (int d = 0; d < full; d += L) FloatVector.fromMemorySegment(S, x, vr + d * 4L, LE).intoArray(va, vo + d);
            for (int d = full; d < c; d++) va[vo + d] = x.get(FLOAT_LE, vr + d * 4L);
            if (g.hasWeight) {
                int py = j / g.width, px = j - py * g.width;
                System.arraycopy(va, vo, vpad, t * padTokens * cp + ((py + g.kh / 2) * padWidth + px + g.kw / 2) * cp, cp);
            }
        }
        // Σk over the chunk, vectorized over channels.
        final int slot = t * chunks + ch;
        for (int d = 0; d < cp; d += L) {
            FloatVector acc = FloatVector.zero(S);
            for (int j = 0; j < rows; j++) acc = acc.add(FloatVector.fromArray(S, ka, j * cp + d));
            acc.intoArray(zPart, slot * cp + d);
        }
        // kᵀv: rows of kᵀ (channels of k) by columns of V, over the chunk's tokens, each tile stored
        // straight into the chunk's partial kv.
        final int kvBase = slot * c * dvp;
        final int vaRow0 = (int) (vaBase + (long) j0 * dvp);
        // Only tiles holding real columns: the padding columns of kvPart stay zero from allocation.
        for (int c0 = 0; c0 < c; c0 += NW) {
            for (int r0 = 0; r0 < c; ) {
                int o = kvBase + r0 * dvp + c0;
                if (c - r0 >= MR) {
                    kernel4T(ka, r0, cp, va, vaRow0 + c0, dvp, rows, kvPart, o);
                    r0 += MR;
                } else {
                    kernel1T(ka, r0, cp, va, vaRow0 + c0, dvp, rows, kvPart, o);
                    r0++;
                }
            }
        }
    }

    /** Pass 2: pair {@code t}'s partial sums, added in chunk order. */
    private void reduce(int t) {
        final int c = geometry.headDim, size = c * dvp, cp = this.cp;
        final int kvOut = t * size;
        for (int e = 0; e < size; e += L) {
            FloatVector acc = FloatVector.fromArray(S, kvPart, (t * chunks) * size + e);
            for (int ch = 1; ch < chunks; ch++) acc = acc.add(FloatVector.fromArray(S, kvPart, (t * chunks + ch) * size + e));
            acc.intoArray(kv, kvOut + e);
        }
        for (int d = 0; d < cp; d += L) {
            FloatVector acc = FloatVector.fromArray(S, zPart, (t * chunks) * cp + d);
            for (int ch = 1; ch < chunks; ch++) acc = acc.add(FloatVector.fromArray(S, zPart, (t * chunks + ch) * cp + d));
            acc.intoArray(z, t * cp + d);
        }
    }

    /** Pass 3: queries of block {@code blk} of pair {@code t}: normalization, convolution, q·kv, stored. */
    private void queries(Scratch s, int t, int blk) {
        final Geometry g = geometry;
        final int n = g.tokens, cc = g.channels, c = g.headDim, row = 3 * cc, cp = this.cp, dvp = this.dvp;
        final int b = t / g.heads, h = t % g.heads;
        final int i0 = blk * ROWS, i1 = Math.min(n, i0 + ROWS), rows = i1 - i0;
        final float[] qa = s.qa, inv = s.inv, lanes = s.lanes, zz = z;
        final int zo = t * cp;
        final float eps = params.eps;
        final MemorySegment x = qkv;
        for (int i = i0; i < i1; i++) {
            long qr = (((long) b * n + i) * row + (long) h * c) * 4L;
            int qo = (i - i0) * cp;
            // As in keys: whole vectors from the segment, the tail lane by lane, padding left 0.
            final int full = c / L * L;
            for (int d = 0; d < full; d += L) FloatVector.fromMemorySegment(S, x, qr + d * 4L, LE).max(0f).intoArray(qa, qo + d);
            for (int d = full; d < c; d++) qa[qo + d] = Math.max(0f, x.get(FLOAT_LE, qr + d * 4L));
            FloatVector den = FloatVector.zero(S);
            for (int d = 0; d < cp; d += L) {
                FloatVector q = FloatVector.fromArray(S, qa, qo + d);
                den = q.fma(FloatVector.fromArray(S, zz, zo + d), den);
            }
            // Lanes added in a fixed order: reduceLanes' order differs before and after C2 compiles it.
            den.intoArray(lanes, 0);
            float sum = 0f;
            for (int l = 0; l < L; l++) sum += lanes[l];
            inv[i - i0] = 1f / (sum + eps);
        }
        // Without a filter the taps are empty and dw is 0 (the bias stays 0): one store path for both.
        convolve(s, g, t, i0, i1);
        final float[] tile = s.tile, dw = s.dw;
        final int kvo = t * c * dvp;
        final MemorySegment out = y;
        for (int c0 = 0; c0 < c; c0 += NW) {
            for (int r0 = 0; r0 < rows; ) {
                int rr = rows - r0 >= MR ? MR : 1;
                if (rr == MR) VectorAttentionKernel.kernel4(qa, r0 * cp, cp, kv, kvo + c0, dvp, c, tile);
                else VectorAttentionKernel.kernel1(qa, r0 * cp, kv, kvo + c0, dvp, c, tile);
                for (int r = 0; r < rr; r++) {
                    int i = i0 + r0 + r;
                    long o = (((long) b * n + i) * cc + (long) h * c) * 4L;
                    float sc = inv[r0 + r];
                    for (int v = 0; v < 2; v++) {
                        int d = c0 + v * L;
                        if (d >= c) break;
                        FloatVector acc = FloatVector.fromArray(S, tile, r * NW + v * L).mul(sc)
                                .add(FloatVector.fromArray(S, dw, (r0 + r) * dvp + d));
                        if (d + L <= c) acc.intoMemorySegment(out, o + d * 4L, LE);
                        else acc.intoMemorySegment(out, o + d * 4L, LE, S.indexInRange(d, c));
                    }
                }
                r0 += rr;
            }
        }
    }

    /**
     * The depth-wise convolution of pair {@code t}'s V at tokens i0..i1 into s.dw, vectorized over channels.
     * Four tokens at a time per channel vector, their sums in registers through all taps (four
     * independent FMA chains, one tap load shared by the four), reading the zero-bordered copy of V so
     * that no tap needs a bounds test. Measured on SLAB-DeiT-224 (14 x 14 tokens, 64 channels, 5 x 5):
     * the former taps-outermost loop, which loaded and stored the sums on every tap, took about a
     * quarter of the operator's time.
     */
    private void convolve(Scratch s, Geometry g, int t, int i0, int i1) {
        final int cp = this.cp, dvp = this.dvp;
        final float[] dw = s.dw, bias = this.bias;
        if (!g.hasWeight) {
            for (int i = i0; i < i1; i++) System.arraycopy(bias, 0, dw, (i - i0) * dvp, cp);
            return;
        }
        final int wd = g.width, kh = g.kh, kw = g.kw, pw = padWidth, rowStep = pw * cp;
        final float[] vp = this.vpad, taps = this.taps;
        final int vBase = t * padTokens * cp;
        for (int i = i0; i < i1; i += 4) {
            int n = Math.min(4, i1 - i);
            // Top-left tap of each token's window in the padded grid; a short group repeats its last token.
            int o0 = vBase + (i / wd * pw + i % wd) * cp;
            int t1 = i + Math.min(1, n - 1), t2 = i + Math.min(2, n - 1), t3 = i + Math.min(3, n - 1);
            int o1 = vBase + (t1 / wd * pw + t1 % wd) * cp;
            int o2 = vBase + (t2 / wd * pw + t2 % wd) * cp;
            int o3 = vBase + (t3 / wd * pw + t3 % wd) * cp;
            int out = (i - i0) * dvp;
            for (int d = 0; d < cp; d += L) {
                FloatVector a0 = FloatVector.fromArray(S, bias, d), a1 = a0, a2 = a0, a3 = a0;
                int tap = d;
                for (int u = 0, row = d; u < kh; u++, row += rowStep) {
                    for (int v = 0, e = row; v < kw; v++, e += cp, tap += cp) {
                        FloatVector w = FloatVector.fromArray(S, taps, tap);
                        a0 = w.fma(FloatVector.fromArray(S, vp, o0 + e), a0);
                        a1 = w.fma(FloatVector.fromArray(S, vp, o1 + e), a1);
                        a2 = w.fma(FloatVector.fromArray(S, vp, o2 + e), a2);
                        a3 = w.fma(FloatVector.fromArray(S, vp, o3 + e), a3);
                    }
                }
                a0.intoArray(dw, out + d);
                if (n > 1) a1.intoArray(dw, out + dvp + d);
                if (n > 2) a2.intoArray(dw, out + 2 * dvp + d);
                if (n > 3) a3.intoArray(dw, out + 3 * dvp + d);
            }
        }
    }

    /**
     * Rows r0..r0+3 of Aᵀ where A is row-major with stride {@code lda} (so step kk of row r is
     * a[ai + kk·lda + r]) times B: kᵀ·V without transposing k. The 4 x 2-vector tile of the result is
     * stored at o[oi..] with row stride {@code dvp}.
     */
    private void kernel4T(float[] a, int ai, int lda, float[] b, int bi, int ldb, int kc, float[] o, int oi) {
        final int o1 = oi + dvp, o2 = oi + 2 * dvp, o3 = oi + 3 * dvp;
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        for (int kk = 0; kk < kc; kk++, bi += ldb, ai += lda) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
            FloatVector x = FloatVector.broadcast(S, a[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[ai + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[ai + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[ai + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
        }
        c00.intoArray(o, oi);
        c01.intoArray(o, oi + L);
        c10.intoArray(o, o1);
        c11.intoArray(o, o1 + L);
        c20.intoArray(o, o2);
        c21.intoArray(o, o2 + L);
        c30.intoArray(o, o3);
        c31.intoArray(o, o3 + L);
    }

    /** One row of {@link #kernel4T}. */
    private static void kernel1T(float[] a, int ai, int lda, float[] b, int bi, int ldb, int kc, float[] o, int oi) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        for (int kk = 0; kk < kc; kk++, bi += ldb, ai += lda) {
            FloatVector x = FloatVector.broadcast(S, a[ai]);
            c00 = x.fma(FloatVector.fromArray(S, b, bi), c00);
            c01 = x.fma(FloatVector.fromArray(S, b, bi + L), c01);
        }
        c00.intoArray(o, oi);
        c01.intoArray(o, oi + L);
    }
}
