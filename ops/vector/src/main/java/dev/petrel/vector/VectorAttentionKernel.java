package dev.petrel.vector;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.fused.AttentionGeometry;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import dev.petrel.spi.KernelSetup;
import dev.petrel.spi.Parallel;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code dev.petrel::Attention(Q, K, V[, mask])}, FLOAT, on the Vector API: per (batch, head)
 * {@code softmax(Q·Kᵀ·scale + mask)·V}, with the semantics of the portable {@code AttentionKernel}
 * (its reference): leading axes broadcast as MatMul's, the additive mask broadcast to the scores.
 *
 * <p>Both products run through one register-tiled micro-kernel, {@link #MR} rows by two vectors
 * (C = A·B, A row-major in a float array, B row-major with rows padded to a multiple of two vectors,
 * so the inner loop has no tails and no masks). Attention's products are small (D = 32, S = 128 in
 * MiniLM): packing them into {@link FloatGemm}'s three-vector panels would waste a third of the P·V
 * columns (32 of 48 used) and pay a panel copy per product; a tile exactly two vectors wide fits
 * D = 32 with AVX-512 and S = 128 with any width. Per head the kernel
 * <ol>
 *   <li>copies Q, Kᵀ (transposing K unless {@code k_transposed}) and V into per-thread scratch;</li>
 *   <li>computes the scores tile by tile, applying the scale and adding the mask in the tile's store;</li>
 *   <li>takes each score row's max, then exp(x - max) (a vector polynomial, {@link #exp}) and its sum, in place;</li>
 *   <li>multiplies the unnormalized P by V and scales each output row by 1/sum as it is stored
 *       (Dv multiplies per row instead of Sk).</li>
 * </ol>
 * (batch × head) pairs are dealt to the session's threads; each thread keeps its scratch across runs.
 */
final class VectorAttentionKernel implements Kernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Columns of one micro-tile: two vectors. */
    private static final int NW = 2 * L;
    /** Rows of one micro-tile: 4 x 2 accumulators, 2 loads and 4 broadcasts per 8 FMAs. */
    private static final int MR = 4;
    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Below this many multiply-adds in all a run stays on the calling thread: a hand-off costs more. */
    private static final long PARALLEL_MIN = 1L << 15;

    private final float scale;
    private final boolean kTransposed;
    private final boolean sequenceMajor;
    private final boolean qkvPacked;
    private final int maskWindows;
    private Scratch[] scratch = new Scratch[0];
    /** The run's operands, read by {@link #body}; reused so that a run allocates nothing. */
    private final Job job = new Job();
    private final Parallel.RangeBody body = this::runChunk;

    VectorAttentionKernel(Node node, KernelSetup setup) {
        this.scale = node.attributes().getFloat("scale", Float.NaN);
        if (Float.isNaN(scale)) throw new IllegalArgumentException("Attention needs the FLOAT attribute scale");
        this.kTransposed = AttentionGeometry.kTransposed(node);
        this.sequenceMajor = AttentionGeometry.sequenceMajor(node);
        this.qkvPacked = AttentionGeometry.qkvPacked(node);
        this.maskWindows = AttentionGeometry.maskWindows(node);
    }

    @Override
    public void run(KernelContext ctx) {
        FloatGemm.awaitWarm();
        Tensor q = ctx.requireInput(0);
        Tensor k = ctx.requireInput(1);
        Tensor v = ctx.requireInput(2);
        Tensor mask = ctx.input(3);
        Job j = job;
        if (j.g == null || !j.g.fits(q, k, v, mask)) {
            j.g = AttentionGeometry.of(q, k, v, mask, kTransposed, sequenceMajor, qkvPacked, maskWindows);
        }
        AttentionGeometry g = j.g;
        int sq = g.sq, d = g.d, sk = g.sk, dv = g.dv;
        Tensor y = ctx.output(0, DType.FLOAT, g.outDims);
        if (g.pairs == 0 || sq == 0 || dv == 0) return;
        j.q = Segments.of(q);
        j.k = Segments.of(k);
        j.v = Segments.of(v);
        j.mask = mask == null ? null : Segments.of(mask);
        j.y = Segments.of(y);
        long work = (long) g.pairs * sq * sk * (d + dv);
        // Two parts per thread (claimed dynamically by the pool), each with its own scratch.
        int threads = work < PARALLEL_MIN || ctx.parallel().threads() <= 1 ? 1 : Math.min(ctx.parallel().threads() * 2, g.pairs);
        if (scratch.length < threads) {
            Scratch[] s = Arrays.copyOf(scratch, threads);
            for (int i = scratch.length; i < threads; i++) s[i] = new Scratch();
            scratch = s;
        }
        j.parts = threads;
        try {
            if (threads <= 1) {
                runChunk(0, 1);
            } else {
                ctx.parallel().forRange(threads, body);
            }
        } finally {
            // Do not keep the run's buffers reachable from the kernel.
            j.q = j.k = j.v = j.mask = j.y = null;
        }
    }

    /** The run's operands and their geometry (kept while the shapes stay the same). */
    private static final class Job {
        AttentionGeometry g;
        int parts;
        MemorySegment q, k, v, mask, y;
    }

    /** One thread's buffers, grown to the largest head seen and reused. */
    private static final class Scratch {
        /** Q of one head, sq x d. */
        float[] qa = new float[0];
        /** Kᵀ, d x skp (skp = sk rounded up to a tile width); K before transposing. */
        float[] kt = new float[0];
        float[] kraw = new float[0];
        /** V, sk x dvp. */
        float[] va = new float[0];
        /** Scores, then exp(score - max), sq x skp. */
        float[] p = new float[0];
        /** 1 / (sum of a row's exp). */
        float[] inv = new float[0];
        // Padded past their ends: scratch of different threads may sit side by side in the heap, and a
        // cache line shared by two threads' hot tiles would bounce between cores on every tile.
        final float[] tile = new float[2 * MR * NW + 32];
        final float[] lanes = new float[L + 32];

        void ensure(int sq, int d, int sk, int skp, int dv, int dvp) {
            if (qa.length < sq * d) qa = new float[sq * d];
            if (kt.length < d * skp) kt = new float[d * skp];
            if (kraw.length < sk * d) kraw = new float[sk * d];
            if (va.length < sk * dvp) va = new float[sk * dvp];
            if (p.length < sq * skp) p = new float[sq * skp];
            if (inv.length < sq) inv = new float[sq];
        }
    }

    private static int roundUp(int n) {
        return (n + NW - 1) / NW * NW;
    }

    private void runChunk(int t0, int t1) {
        Job j = job;
        for (int t = t0; t < t1; t++) {
            Scratch s = scratch[t];
            AttentionGeometry g = j.g;
            int from = (int) ((long) g.pairs * t / j.parts);
            int to = (int) ((long) g.pairs * (t + 1) / j.parts);
            s.ensure(g.sq, g.d, g.sk, roundUp(g.sk), g.dv, roundUp(g.dv));
            for (int h = from; h < to; h++) head(j, s, h);
        }
    }

    private void head(Job j, Scratch s, int t) {
        final AttentionGeometry g = j.g;
        final int sq = g.sq, d = g.d, sk = g.sk, dv = g.dv;
        final int skp = roundUp(sk), dvp = roundUp(dv);
        final long mo = g.maskBase(t);
        final long yBase = g.yBase(t);
        if (sk == 0) {
            // Empty softmax: the reference sums nothing and writes zeros.
            for (int i = 0; i < sq; i++) for (int c = 0; c < dv; c++) j.y.setAtIndex(FLOAT_LE, yBase + (long) i * g.yRow + c, 0f);
            return;
        }
        float[] qa = s.qa, kt = s.kt, va = s.va, p = s.p, inv = s.inv;
        long qBase = g.qBase(t) * 4L;
        if (g.qRow == d) {
            MemorySegment.copy(j.q, FLOAT_LE, qBase, qa, 0, sq * d);
        } else {
            copyRows(j.q, qBase, g.qRow, sq, d, qa, d);
        }
        long kBase = g.kBase(t) * 4L;
        if (kTransposed) {
            for (int dd = 0; dd < d; dd++) MemorySegment.copy(j.k, FLOAT_LE, kBase + (long) dd * sk * 4L, kt, dd * skp, sk);
        } else {
            float[] kr = s.kraw;
            if (g.kRow == d) {
                MemorySegment.copy(j.k, FLOAT_LE, kBase, kr, 0, sk * d);
            } else {
                copyRows(j.k, kBase, g.kRow, sk, d, kr, d);
            }
            for (int jj = 0; jj < sk; jj++) {
                int r = jj * d;
                for (int dd = 0; dd < d; dd++) kt[dd * skp + jj] = kr[r + dd];
            }
        }
        long vBase = g.vBase(t) * 4L;
        if (dv == dvp && g.vRow == dv) {
            MemorySegment.copy(j.v, FLOAT_LE, vBase, va, 0, sk * dv);
        } else {
            copyRows(j.v, vBase, g.vRow, sk, dv, va, dvp);
        }

        // Scores = Q·Kᵀ·scale + mask, tile by tile.
        float[] tile = s.tile;
        for (int c0 = 0; c0 < sk; c0 += NW) {
            for (int r0 = 0; r0 < sq; ) {
                int rows = sq - r0 >= 2 * MR ? 2 * MR : sq - r0 >= MR ? MR : 1;
                if (rows == 2 * MR) kernel8(qa, r0 * d, d, kt, c0, skp, d, tile);
                else if (rows == MR) kernel4(qa, r0 * d, d, kt, c0, skp, d, tile);
                else kernel1(qa, r0 * d, kt, c0, skp, d, tile);
                storeScores(j, tile, rows, r0, c0, p, skp, mo);
                r0 += rows;
            }
        }

        softmaxRows(p, sq, sk, skp, inv, s.lanes);

        // Y = P·V / sum, stored straight into the output.
        for (int c0 = 0; c0 < dv; c0 += NW) {
            for (int r0 = 0; r0 < sq; ) {
                int rows = sq - r0 >= 2 * MR ? 2 * MR : sq - r0 >= MR ? MR : 1;
                if (rows == 2 * MR) kernel8(p, r0 * skp, skp, va, c0, dvp, sk, tile);
                else if (rows == MR) kernel4(p, r0 * skp, skp, va, c0, dvp, sk, tile);
                else kernel1(p, r0 * skp, va, c0, dvp, sk, tile);
                storeOutput(j.y, tile, rows, r0, c0, dv, g.yRow, inv, yBase);
                r0 += rows;
            }
        }
    }

    private static final float LOG2E = 1.4426950408889634f;
    private static final float LN2_HI = 0.693145751953125f;
    private static final float LN2_LO = 1.428606765330187e-6f;
    /** 1.5 x 2^23: adding it rounds a float of magnitude below 2^22 to an integer. */
    private static final float ROUND = 12582912f;
    /** Below this exp(x) is under the smallest normal float; such weights count as 0, as in the reference (to within 1e-38). */
    private static final float EXP_MIN = -87f;

    /**
     * Row softmax of the sq x sk scores in p (row stride skp), unnormalized: p = exp(score - max) in
     * place, inv[i] = 1 / the row's sum. The columns from sk to the next whole vector are set to -inf
     * first, so that every loop runs whole vectors (no masks) and those lanes add exp(-inf) = 0.
     *
     * <p>exp(x) for x <= 0: x = n·ln2 + r with |r| <= ln2/2, a degree-7 Taylor polynomial for e^r
     * (error about 1e-8 relative), times 2^n built in the exponent bits. Only adds, multiplies, FMAs and
     * conversions, so it gives the same bits before and after C2 compiles it (lanewise EXP does not:
     * SVML when compiled, StrictMath-like scalar code before). Written out inside the loop, in a method
     * of its own: as a helper taking and returning a vector, called from the large head method, C2 left
     * it out of line and boxed its vectors (measured on DeiT-224: about 7 MB allocated per run).
     */
    private static void softmaxRows(float[] p, int sq, int sk, int skp, float[] inv, float[] lanes) {
        final int span = roundUpTo(sk, L);
        final FloatVector log2e = FloatVector.broadcast(S, LOG2E), round = FloatVector.broadcast(S, ROUND);
        final FloatVector ln2hi = FloatVector.broadcast(S, -LN2_HI), ln2lo = FloatVector.broadcast(S, -LN2_LO);
        final FloatVector e7 = FloatVector.broadcast(S, 1f / 5040f), e6 = FloatVector.broadcast(S, 1f / 720f),
                e5 = FloatVector.broadcast(S, 1f / 120f), e4 = FloatVector.broadcast(S, 1f / 24f),
                e3 = FloatVector.broadcast(S, 1f / 6f), e2 = FloatVector.broadcast(S, 0.5f), one = FloatVector.broadcast(S, 1f);
        for (int i = 0; i < sq; i++) {
            final int ro = i * skp;
            java.util.Arrays.fill(p, ro + sk, ro + span, Float.NEGATIVE_INFINITY);
            FloatVector mv = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (int c = 0; c < span; c += L) mv = mv.max(FloatVector.fromArray(S, p, ro + c));
            float max = mv.reduceLanes(VectorOperators.MAX);
            if (max == Float.NEGATIVE_INFINITY) max = 0f;
            FloatVector sv = FloatVector.zero(S);
            for (int c = 0; c < span; c += L) {
                FloatVector x = FloatVector.fromArray(S, p, ro + c).sub(max);
                VectorMask<Float> under = x.lt(EXP_MIN);
                FloatVector xc = x.max(EXP_MIN);
                FloatVector n = xc.fma(log2e, round).sub(round);
                FloatVector r = n.fma(ln2lo, n.fma(ln2hi, xc));
                FloatVector y = e7.fma(r, e6).fma(r, e5).fma(r, e4).fma(r, e3).fma(r, e2).fma(r, one).fma(r, one);
                FloatVector two = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23)
                        .reinterpretAsFloats();
                FloatVector e = y.mul(two).blend(0f, under);
                e.intoArray(p, ro + c);
                sv = sv.add(e);
            }
            // Lanes summed in a fixed order: reduceLanes adds in another order before C2 compiles it.
            sv.intoArray(lanes, 0);
            float sum = 0f;
            for (int l = 0; l < L; l++) sum += lanes[l];
            inv[i] = 1f / sum;
        }
    }

    /**
     * {@code rows} rows of {@code width} floats, {@code stride} floats apart from byte offset {@code base}
     * of {@code src}, into {@code dst} rows {@code dstStride} apart: whole vectors, then the tail. A
     * MemorySegment.copy per row cost about 25 ns of checks for 64 floats (measured on ViT's packed
     * Q/K/V, whose rows are 3·H·D apart).
     */
    private static void copyRows(MemorySegment src, long base, int stride, int rows, int width, float[] dst, int dstStride) {
        final int full = width - width % L;
        for (int r = 0; r < rows; r++) {
            long o = base + (long) r * stride * 4L;
            int t = r * dstStride;
            for (int c = 0; c < full; c += L) FloatVector.fromMemorySegment(S, src, o + c * 4L, LE).intoArray(dst, t + c);
            for (int c = full; c < width; c++) dst[t + c] = src.get(FLOAT_LE, o + c * 4L);
        }
    }

    private static int roundUpTo(int n, int m) {
        return (n + m - 1) / m * m;
    }

    /** Tile rows r0.. of the scores: times the scale, plus the mask (columns past sk are never read). */
    private void storeScores(Job j, float[] tile, int rows, int r0, int c0, float[] p, int skp, long mo) {
        MemorySegment m = j.mask;
        int sk = j.g.sk;
        int msq = j.g.maskRow, msk = j.g.maskCol;
        for (int r = 0; r < rows; r++) {
            int i = r0 + r;
            long mrow = mo + (long) i * msq;
            for (int v = 0; v < 2; v++) {
                int c = c0 + v * L;
                if (c >= sk) break;
                FloatVector x = FloatVector.fromArray(S, tile, r * NW + v * L).mul(scale);
                if (m != null) {
                    if (msk == 0) {
                        x = x.add(m.getAtIndex(FLOAT_LE, mrow));
                    } else if (c + L <= sk) {
                        x = x.add(FloatVector.fromMemorySegment(S, m, (mrow + c) * 4L, LE));
                    } else {
                        x = x.add(FloatVector.fromMemorySegment(S, m, (mrow + c) * 4L, LE, S.indexInRange(c, sk)));
                    }
                }
                x.intoArray(p, i * skp + c);
            }
        }
    }

    /** Tile rows r0.. of the output, each scaled by its 1/sum; lanes past dv are not written. */
    private static void storeOutput(MemorySegment y, float[] tile, int rows, int r0, int c0, int dv, int yRow, float[] inv, long yBase) {
        for (int r = 0; r < rows; r++) {
            int i = r0 + r;
            long o = (yBase + (long) i * yRow) * 4L;
            for (int v = 0; v < 2; v++) {
                int c = c0 + v * L;
                if (c >= dv) break;
                FloatVector x = FloatVector.fromArray(S, tile, r * NW + v * L).mul(inv[i]);
                if (c + L <= dv) x.intoMemorySegment(y, o + c * 4L, LE);
                else x.intoMemorySegment(y, o + c * 4L, LE, S.indexInRange(c, dv));
            }
        }
    }

    /**
     * Four rows of A (row-major from {@code ai}, stride {@code lda}) times columns c0..c0+NW of B
     * (row-major, stride {@code ldb}) over {@code kc} steps, into {@code t} (MR x NW).
     */
    /**
     * Eight rows by two vectors: 16 accumulators, 2 loads and 8 broadcasts per 16 FMAs (the 4-row tile
     * needs 6 memory operations per 8). Rows r of the tile at t[r·NW..].
     */
    static void kernel8(float[] a, int ai, int lda, float[] b, int c0, int ldb, int kc, float[] t) {
        final int a1 = ai + lda, a2 = ai + 2 * lda, a3 = ai + 3 * lda, a4 = ai + 4 * lda, a5 = ai + 5 * lda,
                a6 = ai + 6 * lda, a7 = ai + 7 * lda;
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        int bi = c0;
        for (int kk = 0; kk < kc; kk++, bi += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
            FloatVector x = FloatVector.broadcast(S, a[ai + kk]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + kk]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + kk]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + kk]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[a4 + kk]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[a5 + kk]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[a6 + kk]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[a7 + kk]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        c00.intoArray(t, 0);
        c01.intoArray(t, L);
        c10.intoArray(t, NW);
        c11.intoArray(t, NW + L);
        c20.intoArray(t, 2 * NW);
        c21.intoArray(t, 2 * NW + L);
        c30.intoArray(t, 3 * NW);
        c31.intoArray(t, 3 * NW + L);
        c40.intoArray(t, 4 * NW);
        c41.intoArray(t, 4 * NW + L);
        c50.intoArray(t, 5 * NW);
        c51.intoArray(t, 5 * NW + L);
        c60.intoArray(t, 6 * NW);
        c61.intoArray(t, 6 * NW + L);
        c70.intoArray(t, 7 * NW);
        c71.intoArray(t, 7 * NW + L);
    }

    static void kernel4(float[] a, int ai, int lda, float[] b, int c0, int ldb, int kc, float[] t) {
        final int a1 = ai + lda, a2 = ai + 2 * lda, a3 = ai + 3 * lda;
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        int bi = c0;
        for (int kk = 0; kk < kc; kk++, bi += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
            FloatVector x = FloatVector.broadcast(S, a[ai + kk]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + kk]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + kk]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + kk]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
        }
        c00.intoArray(t, 0);
        c01.intoArray(t, L);
        c10.intoArray(t, NW);
        c11.intoArray(t, NW + L);
        c20.intoArray(t, 2 * NW);
        c21.intoArray(t, 2 * NW + L);
        c30.intoArray(t, 3 * NW);
        c31.intoArray(t, 3 * NW + L);
    }

    /** One row: two k steps per iteration into separate accumulators to hide the FMA latency. */
    static void kernel1(float[] a, int ai, float[] b, int c0, int ldb, int kc, float[] t) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        int bi = c0;
        int kk = 0;
        for (; kk + 1 < kc; kk += 2, bi += 2 * ldb) {
            FloatVector x = FloatVector.broadcast(S, a[ai + kk]);
            c00 = x.fma(FloatVector.fromArray(S, b, bi), c00);
            c01 = x.fma(FloatVector.fromArray(S, b, bi + L), c01);
            FloatVector y = FloatVector.broadcast(S, a[ai + kk + 1]);
            c10 = y.fma(FloatVector.fromArray(S, b, bi + ldb), c10);
            c11 = y.fma(FloatVector.fromArray(S, b, bi + ldb + L), c11);
        }
        if (kk < kc) {
            FloatVector x = FloatVector.broadcast(S, a[ai + kk]);
            c00 = x.fma(FloatVector.fromArray(S, b, bi), c00);
            c01 = x.fma(FloatVector.fromArray(S, b, bi + L), c01);
        }
        c00.add(c10).intoArray(t, 0);
        c01.add(c11).intoArray(t, L);
    }
}
