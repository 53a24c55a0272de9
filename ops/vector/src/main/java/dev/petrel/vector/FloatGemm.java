package dev.petrel.vector;

import dev.petrel.spi.Parallel;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * fp32 matrix product C = A x B on the Vector API, in the Goto/BLIS style.
 *
 * <p>B comes pre-packed ({@link PackedMatrix}): panels of {@link #NR} vectors of the preferred
 * species (3 x 16 floats with AVX-512, 3 x 8 with AVX2, 3 x 4 with NEON). A is copied per call into
 * this object's scratch (a float array, row-major: the micro-kernel reads {@link #MR} sequential row
 * streams, which measured as fast as k-interleaved panels and makes packing a bulk copy). Per step of
 * k the micro-kernel does one broadcast of A per row, {@code NR} loads of B and {@code MR x NR} FMAs
 * into register accumulators: 4 x 3 vectors, 12 accumulators. Measured on Zen 4 against 6 x 2 (the
 * same 12 accumulators, 8 loads per 12 FMAs instead of 7) and 8 x 3 (24 accumulators, spills):
 * 4 x 3 was about 5% faster than 6 x 2 at every transformer shape, 8 x 3 about 20% slower.
 * Rows left over (M mod MR) go to kernels of 2 and 1 rows, and
 * columns past N are zeros in the last B panel, so the k loop never needs masks; only the final
 * store of a partial panel is masked.
 *
 * <p>Blocking: K in chunks of {@link #KC}, M in blocks of {@link #MC} rows; for each (K chunk, row
 * block) every B micro-panel (KC x NR vectors) is held while all row panels of the block stream past
 * it, then partial sums of later K chunks are added to C. Measured on Zen 4 (32 KiB L1, 1 MiB L2):
 * KC = 768 beat the L1-sized KC = 128..256 by a few percent (fewer passes over C; L2 feeds the B
 * loads fast enough), and the A block (144 x 768 floats, 442 KiB) plus a B micro-panel (144 KiB)
 * still fit L2. {@code -Dpetrel.gemm.kc=N} overrides KC for experiments.
 * Parts of contiguous B panels (the N dimension, about four parts per thread) are claimed by the
 * threads as they go; they share the packed A.
 *
 * <p>An instance's scratch is used by one call at a time.
 */
final class FloatGemm {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    static final int NR = 3;
    static final int NRW = NR * L;
    static final int MR = 4;
    static final int KC = Math.max(1, Integer.getInteger("petrel.gemm.kc", 768));
    static final int MC = MR * 36;
    /** Bytes of A a row block may hold: MC rows of a full KC chunk, the budget measured on Zen 4 ({@code -Dpetrel.gemm.ablock=N} overrides it). */
    static final long A_BLOCK_BYTES = Long.getLong("petrel.gemm.ablock", (long) MC * KC * 4);

    /**
     * Rows per block for a K chunk of {@code kc}: as many as fit the A budget, so a short K (ViT's
     * 192) takes all of its 196 rows in one block and streams each B panel once, not twice.
     */
    static int rowBlock(int kc) {
        long rows = A_BLOCK_BYTES / (4L * Math.max(1, kc));
        return (int) Math.min(Integer.MAX_VALUE - MR, Math.max(MC, rows / MR * MR));
    }
    static final int PARTS_PER_THREAD = Integer.getInteger("petrel.gemm.parts", 2);

    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Below this many multiply-adds a product runs on the calling thread: a hand-off costs more. */
    static final long PARALLEL_MIN = 1L << 17;

    private float[] aPack = new float[0];
    /**
     * One MR x NRW accumulator tile per thread: the micro-kernel's result, added to C by {@link #flush}.
     * Each is followed by {@link #PAD} unused floats: tiles allocated together sit side by side in the
     * heap, and two threads writing the ends of neighbouring tiles would share a cache line on every
     * micro-kernel call (measured: 2 threads slower than 1 at 128x384x384 before the padding).
     */
    private float[][] tiles = newTiles(1);
    private static final int PAD = 32;
    /*
     * A GELU epilogue runs on up to STAGE_ROWS rows of a panel at a time, staged after the tile (from
     * float STAGE on): the erf polynomials are long dependency chains, and on one 4-row tile (12
     * vectors) the loop spends about a third of its time filling and draining (measured: 1.5 ns per
     * element on single tiles, 1.0 on 16 rows).
     */
    private static final int STAGE = MR * NRW;
    private static final int STAGE_ROWS = 4 * MR;
    private int m;
    private int k;
    /** Scratch for a B known only at run time. */
    final PackedMatrix bScratch = new PackedMatrix();

    static final int ACT_NONE = 0, ACT_RELU = 1, ACT_GELU = 2;

    /** The ACT_ constant of a fused operator's {@code activation} attribute. */
    static int activation(dev.petrel.ops.fused.FusedMatMulAttributes.Activation a) {
        return switch (a) {
            case NONE -> ACT_NONE;
            case RELU -> ACT_RELU;
            case GELU -> ACT_GELU;
        };
    }
    /*
     * The epilogue of the next multiply, applied to each tile as it is written to C (while it is in
     * L1) instead of as later passes over C. Measured on SLAB-DeiT (196 x 192/768 products), the separate
     * passes cost nearly as much as the products: the GELU pass about 1 ms per 196 x 768 output and the
     * bias passes 4-10x what the same loop takes alone, because the JDK segment access paths they run
     * through have seen heap, mapped and native segments by then. Here the bias is a float array and
     * the tile one too; only C and the residual (both native activations) are segments.
     */
    private float[] epiBias = new float[0];
    private boolean epiHasBias;
    private int epiAct;
    private int epiGelu;
    private MemorySegment epiResidual;

    /**
     * Makes the next {@link #multiply} compute {@code act(A·B + bias) + residual} instead of A·B, for
     * a product of {@code n} columns: {@code bias} (n little-endian floats, or null), {@code act}
     * one of the ACT_ constants ({@code gelu} being {@link VectorErf#GELU} or {@link VectorErf#GELU_TANH}
     * for ACT_GELU), {@code residual} (or null) laid out as C, read at the same byte offsets.
     * Relu keeps NaN and -0 as they are, as the portable kernel does.
     */
    void epilogue(MemorySegment bias, int n, int act, int gelu, MemorySegment residual) {
        int padded = (n + NRW - 1) / NRW * NRW;
        if (epiBias.length < padded) epiBias = new float[padded];
        epiHasBias = bias != null;
        if (bias != null) {
            MemorySegment.copy(bias, FLOAT_LE, 0, epiBias, 0, n);
            java.util.Arrays.fill(epiBias, n, padded, 0f);
        }
        epiAct = act;
        epiGelu = gelu;
        epiResidual = residual;
    }

    private boolean hasEpilogue() {
        return epiHasBias || epiAct != ACT_NONE || epiResidual != null;
    }

    private void clearEpilogue() {
        epiHasBias = false;
        epiAct = ACT_NONE;
        epiResidual = null;
    }

    private static float[][] newTiles(int threads) {
        float[][] t = new float[threads][];
        for (int i = 0; i < threads; i++) t[i] = new float[STAGE + STAGE_ROWS * NRW + PAD];
        return t;
    }

    /** Rows in the A panel that starts {@code rest} rows before the end of A. */
    private static int width(int rest) {
        return rest >= MR ? MR : rest >= 2 ? 2 : 1;
    }

    /**
     * Copies A into this object's scratch, row-major and contiguous: element (i, kk) at element
     * offset {@code off + i*sam + kk*sak} of {@code a} (little-endian floats), m x k. The kernels
     * broadcast A from MR row streams, so rows need no interleaving and a contiguous A is one bulk copy.
     */
    void packA(MemorySegment a, long off, long sam, long sak, int m, int k) {
        packA(Parallel.SEQUENTIAL, a, off, sam, sak, m, k);
    }

    /** {@link #packA(MemorySegment, long, long, long, int, int)} with the rows copied by {@code parallel} when A is large. */
    void packA(Parallel parallel, MemorySegment a, long off, long sam, long sak, int m, int k) {
        this.m = m;
        this.k = k;
        int size = Math.max(1, m * k);
        if (aPack.length < size) aPack = new float[size];
        packSrc = a;
        packOff = off;
        packSam = sam;
        packSak = sak;
        try {
            if ((long) m * k < PACK_PARALLEL_MIN || parallel.threads() <= 1) {
                packRows(0, m);
            } else {
                parallel.forRange(m, packBody);
            }
        } finally {
            packSrc = null;
        }
    }

    /**
     * A's scratch sized for {@code m x k}, row-major with row stride k, for a caller that writes A
     * itself (an im2col that unfolds straight into the rows) instead of copying it with {@link #packA}.
     */
    float[] rowsOfA(int m, int k) {
        this.m = m;
        this.k = k;
        int size = Math.max(1, m * k);
        if (aPack.length < size) aPack = new float[size];
        return aPack;
    }

    /** Below this many elements A is copied on the calling thread. */
    private static final int PACK_PARALLEL_MIN = 1 << 16;
    // The copy's operands, in fields so that the parallel body allocates nothing.
    private MemorySegment packSrc;
    private long packOff, packSam, packSak;
    private final Parallel.RangeBody packBody = this::packRows;

    private void packRows(int i0, int i1) {
        final MemorySegment a = packSrc;
        final long off = packOff, sam = packSam, sak = packSak;
        final int k = this.k;
        final float[] d = aPack;
        if (sak == 1 && sam == k) {
            MemorySegment.copy(a, FLOAT_LE, (off + (long) i0 * k) * 4L, d, i0 * k, (i1 - i0) * k);
        } else if (sak == 1) {
            for (int i = i0; i < i1; i++) MemorySegment.copy(a, FLOAT_LE, (off + i * sam) * 4L, d, i * k, k);
        } else {
            for (int i = i0; i < i1; i++) {
                for (int kk = 0; kk < k; kk++) d[i * k + kk] = a.get(FLOAT_LE, (off + i * sam + kk * sak) * 4L);
            }
        }
    }

    /**
     * C = packed A x {@code b}: C(i, j) at byte offset {@code cOff + (i*ldc + j)*4} of {@code c},
     * overwriting it. Splits B's panels over {@code parallel}.
     */
    void multiply(Parallel parallel, PackedMatrix b, MemorySegment c, long cOff, int ldc) {
        try {
            product(parallel, b, c, cOff, ldc);
        } finally {
            clearEpilogue();
        }
    }

    private void product(Parallel parallel, PackedMatrix b, MemorySegment c, long cOff, int ldc) {
        if (b.k != k) throw new IllegalStateException("packed A has K=" + k + ", B has K=" + b.k);
        int n = b.n;
        if (m == 0 || n == 0) return;
        long ldcB = ldc * 4L;
        if (k == 0) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) c.set(FLOAT_LE, cOff + i * ldcB + j * 4L, 0f);
            }
            if (hasEpilogue()) {
                // No tiles to fuse into: the epilogue on zero-filled tiles, one row panel at a time.
                float[] t = tiles[0];
                for (int r0 = 0; r0 < m; r0 += MR) {
                    int w = Math.min(MR, m - r0);
                    for (int j0 = 0; j0 < n; j0 += NRW) {
                        java.util.Arrays.fill(t, 0f);
                        long co = cOff + r0 * ldcB + j0 * 4L;
                        int cols = Math.min(NRW, n - j0);
                        prepare(t, w, c, co, ldcB, cols, false, j0, t, 0);
                        if (epiAct == ACT_GELU) VectorErf.geluInPlace(epiGelu, t, 0, w * NRW);
                        store(t, 0, w, c, co, ldcB, cols);
                    }
                }
            }
            return;
        }
        int threads = (long) m * n * k < PARALLEL_MIN ? 1 : Math.min(parallel.threads(), b.panels);
        // Several parts per thread, claimed dynamically by the pool: a stalled thread then holds back
        // one part, not half the product.
        int parts = threads <= 1 ? 1 : Math.min(b.panels, threads * PARTS_PER_THREAD);
        if (tiles.length < parts) {
            tiles = newTiles(parts);
        }
        if (parts <= 1) {
            compute(b, 0, b.panels, c, cOff, ldcB, tiles[0]);
        } else {
            runB = b;
            runC = c;
            runCOff = cOff;
            runLdcB = ldcB;
            runParts = parts;
            try {
                parallel.forRange(parts, partsBody);
            } finally {
                runB = null;
                runC = null;
            }
        }
    }

    // The product being split over threads, in fields so that the parallel body allocates nothing.
    private PackedMatrix runB;
    private MemorySegment runC;
    private long runCOff, runLdcB;
    private int runParts;
    private final Parallel.RangeBody partsBody = this::computeParts;

    private void computeParts(int t0, int t1) {
        final PackedMatrix b = runB;
        final int total = b.panels, parts = runParts;
        for (int t = t0; t < t1; t++) {
            compute(b, total * t / parts, total * (t + 1) / parts, runC, runCOff, runLdcB, tiles[t]);
        }
    }

    private void compute(PackedMatrix b, int p0, int p1, MemorySegment c, long cOff, long ldcB, float[] tile) {
        final int m = this.m;
        final int k = this.k;
        final int n = b.n;
        final float[] a = aPack;
        final float[] bd = b.data;
        final boolean epi = hasEpilogue();
        for (int kc0 = 0; kc0 < k; kc0 += KC) {
            int kc = Math.min(KC, k - kc0);
            boolean accumulate = kc0 > 0;
            boolean last = epi && kc0 + kc >= k;
            final int mc = rowBlock(kc);
            for (int ic = 0; ic < m; ic += mc) {
                int ie = Math.min(m, ic + mc);
                for (int p = p0; p < p1; p++) {
                    int bi = p * k * NRW + kc0 * NRW;
                    int j0 = p * NRW;
                    int cols = Math.min(NRW, n - j0);
                    if (last) {
                        fusedPanel(a, k, kc0, kc, bd, bi, ic, ie, c, cOff, ldcB, j0, cols, accumulate, tile);
                        continue;
                    }
                    for (int r0 = ic; r0 < ie; ) {
                        int w = width(m - r0);
                        int ai = r0 * k + kc0;
                        long co = cOff + r0 * ldcB + j0 * 4L;
                        switch (w) {
                            case MR -> kernel4(a, ai, k, bd, bi, kc, tile);
                            case 2 -> kernel2(a, ai, k, bd, bi, kc, tile);
                            default -> kernel1(a, ai, bd, bi, kc, tile);
                        }
                        flush(tile, w, c, co, ldcB, cols, accumulate);
                        r0 += w;
                    }
                }
            }
        }
    }

    /**
     * Rows {@code ic..ie} of one B panel in the last K chunk, with the epilogue. Kept out of
     * {@link #compute}: with it inlined there, plain products at K=192 measured 3-7% slower.
     */
    private void fusedPanel(float[] a, int k, int kc0, int kc, float[] bd, int bi, int ic, int ie, MemorySegment c,
                            long cOff, long ldcB, int j0, int cols, boolean accumulate, float[] tile) {
        final int m = this.m;
        final boolean gelu = epiAct == ACT_GELU;
        int staged = 0;
        long stagedCo = 0;
        for (int r0 = ic; r0 < ie; ) {
            int w = width(m - r0);
            int ai = r0 * k + kc0;
            long co = cOff + r0 * ldcB + j0 * 4L;
            switch (w) {
                case MR -> kernel4(a, ai, k, bd, bi, kc, tile);
                case 2 -> kernel2(a, ai, k, bd, bi, kc, tile);
                default -> kernel1(a, ai, bd, bi, kc, tile);
            }
            r0 += w;
            if (!gelu) {
                prepare(tile, w, c, co, ldcB, cols, accumulate, j0, tile, 0);
                store(tile, 0, w, c, co, ldcB, cols);
            } else {
                if (staged == 0) stagedCo = co;
                prepare(tile, w, c, co, ldcB, cols, accumulate, j0, tile, STAGE + staged * NRW);
                staged += w;
                if (staged + MR > STAGE_ROWS || r0 >= ie) {
                    VectorErf.geluInPlace(epiGelu, tile, STAGE, staged * NRW);
                    store(tile, STAGE, staged, c, stagedCo, ldcB, cols);
                    staged = 0;
                }
            }
        }
    }

    static void kernel4(float[] a, int ai, int lda, float[] b, int bi, int kc, float[] t) {
        final int a1 = ai + lda, a2 = ai + 2 * lda, a3 = ai + 3 * lda;
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S);
        for (int kk = 0; kk < kc; kk++) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
            FloatVector b2 = FloatVector.fromArray(S, b, bi + 2 * L);
            FloatVector x = FloatVector.broadcast(S, a[ai + kk]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            x = FloatVector.broadcast(S, a[a1 + kk]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            x = FloatVector.broadcast(S, a[a2 + kk]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            x = FloatVector.broadcast(S, a[a3 + kk]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
            bi += NRW;
        }
        c00.intoArray(t, 0);
        c01.intoArray(t, L);
        c02.intoArray(t, 2 * L);
        c10.intoArray(t, 1 * NRW);
        c11.intoArray(t, 1 * NRW + L);
        c12.intoArray(t, 1 * NRW + 2 * L);
        c20.intoArray(t, 2 * NRW);
        c21.intoArray(t, 2 * NRW + L);
        c22.intoArray(t, 2 * NRW + 2 * L);
        c30.intoArray(t, 3 * NRW);
        c31.intoArray(t, 3 * NRW + L);
        c32.intoArray(t, 3 * NRW + 2 * L);
    }

    static void kernel2(float[] a, int ai, int lda, float[] b, int bi, int kc, float[] t) {
        final int a1 = ai + lda;
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S);
        for (int kk = 0; kk < kc; kk++) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
            FloatVector b2 = FloatVector.fromArray(S, b, bi + 2 * L);
            FloatVector x = FloatVector.broadcast(S, a[ai + kk]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            x = FloatVector.broadcast(S, a[a1 + kk]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            bi += NRW;
        }
        c00.intoArray(t, 0);
        c01.intoArray(t, L);
        c02.intoArray(t, 2 * L);
        c10.intoArray(t, 1 * NRW);
        c11.intoArray(t, 1 * NRW + L);
        c12.intoArray(t, 1 * NRW + 2 * L);
    }

    /** One row: memory-bound (decode), so two k steps per iteration into separate accumulators hide the FMA latency. */
    static void kernel1(float[] a, int ai, float[] b, int bi, int kc, float[] t) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S);
        int kk = 0;
        for (; kk + 1 < kc; kk += 2) {
            FloatVector x = FloatVector.broadcast(S, a[ai + kk]);
            c00 = x.fma(FloatVector.fromArray(S, b, bi), c00);
            c01 = x.fma(FloatVector.fromArray(S, b, bi + L), c01);
            c02 = x.fma(FloatVector.fromArray(S, b, bi + 2 * L), c02);
            FloatVector y = FloatVector.broadcast(S, a[ai + kk + 1]);
            c10 = y.fma(FloatVector.fromArray(S, b, bi + NRW), c10);
            c11 = y.fma(FloatVector.fromArray(S, b, bi + NRW + L), c11);
            c12 = y.fma(FloatVector.fromArray(S, b, bi + NRW + 2 * L), c12);
            bi += 2 * NRW;
        }
        if (kk < kc) {
            FloatVector x = FloatVector.broadcast(S, a[ai + kk]);
            c00 = x.fma(FloatVector.fromArray(S, b, bi), c00);
            c01 = x.fma(FloatVector.fromArray(S, b, bi + L), c01);
            c02 = x.fma(FloatVector.fromArray(S, b, bi + 2 * L), c02);
        }
        c00.add(c10).intoArray(t, 0);
        c01.add(c11).intoArray(t, L);
        c02.add(c12).intoArray(t, 2 * L);
    }

    /** Writes (or with {@code acc} adds) the first {@code rows} rows of the tile to C. */
    private static void flush(float[] t, int rows, MemorySegment c, long co, long ldc, int cols, boolean acc) {
        if (cols == NRW) {
            for (int r = 0; r < rows; r++, co += ldc) {
                for (int v = 0; v < NR; v++) {
                    FloatVector x = FloatVector.fromArray(S, t, r * NRW + v * L);
                    long o = co + v * L * 4L;
                    if (acc) x = x.add(FloatVector.fromMemorySegment(S, c, o, LE));
                    x.intoMemorySegment(c, o, LE);
                }
            }
        } else {
            for (int r = 0; r < rows; r++, co += ldc) {
                for (int v = 0; v < NR && v * L < cols; v++) {
                    VectorMask<Float> m = S.indexInRange(v * L, cols);
                    FloatVector x = FloatVector.fromArray(S, t, r * NRW + v * L);
                    long o = co + v * L * 4L;
                    if (acc) x = x.add(FloatVector.fromMemorySegment(S, c, o, LE, m));
                    x.intoMemorySegment(c, o, LE, m);
                }
            }
        }
    }

    /**
     * The first half of {@link #flush} with the epilogue: {@code tile (+ C) + bias}, then Relu, into
     * {@code dst} from {@code d0} (the tile itself, or the GELU staging rows). The tile's padded
     * columns are computed too (their bias is zero) but never stored.
     */
    private void prepare(float[] t, int rows, MemorySegment c, long co, long ldc, int cols, boolean acc, int j0,
                         float[] dst, int d0) {
        final float[] bias = epiBias;
        final boolean hasBias = epiHasBias;
        final boolean relu = epiAct == ACT_RELU;
        if (!acc && !hasBias && !relu && dst == t && d0 == 0) return;
        final boolean full = cols == NRW;
        final FloatVector zero = FloatVector.zero(S);
        for (int r = 0; r < rows; r++, co += ldc) {
            for (int v = 0; v < NR; v++) {
                int ti = r * NRW + v * L;
                FloatVector x = FloatVector.fromArray(S, t, ti);
                if (acc && v * L < cols) {
                    x = x.add(full ? FloatVector.fromMemorySegment(S, c, co + v * L * 4L, LE)
                            : FloatVector.fromMemorySegment(S, c, co + v * L * 4L, LE, S.indexInRange(v * L, cols)));
                }
                if (hasBias) x = x.add(FloatVector.fromArray(S, bias, j0 + v * L));
                // Not max(x, 0): NaN and -0 pass through unchanged.
                if (relu) x = x.blend(zero, x.lt(0f));
                x.intoArray(dst, d0 + ti);
            }
        }
    }

    /** The second half: rows of {@code t} from {@code t0} (+ the residual) into C. */
    private void store(float[] t, int t0, int rows, MemorySegment c, long co, long ldc, int cols) {
        final MemorySegment res = epiResidual;
        final boolean full = cols == NRW;
        for (int r = 0; r < rows; r++, co += ldc) {
            for (int v = 0; v < NR && v * L < cols; v++) {
                FloatVector x = FloatVector.fromArray(S, t, t0 + r * NRW + v * L);
                long o = co + v * L * 4L;
                if (full) {
                    if (res != null) x = x.add(FloatVector.fromMemorySegment(S, res, o, LE));
                    x.intoMemorySegment(c, o, LE);
                } else {
                    VectorMask<Float> m = S.indexInRange(v * L, cols);
                    if (res != null) x = x.add(FloatVector.fromMemorySegment(S, res, o, LE, m));
                    x.intoMemorySegment(c, o, LE, m);
                }
            }
        }
    }

    /**
     * Runs small products through every micro-kernel, both flush paths and both kinds of memory
     * (heap and direct) until the JIT has compiled them: Vector API code is very slow before C2
     * compiles it. Run once per process on a background thread when {@code -Dpetrel.vector.warmup=true}.
     */
    static void warmUp(int rounds) {
        try {
            warmUpRounds(rounds);
        } finally {
            WARM.countDown();
        }
    }

    private static final java.util.concurrent.CountDownLatch WARM = new java.util.concurrent.CountDownLatch(1);

    /**
     * Waits for the warm-up when {@link VectorBackend} started one (at most a few hundred
     * milliseconds, once per process), so that no product runs in the interpreter, where the Vector
     * API allocates on every operation. A volatile read once it is done or was not asked for.
     */
    static void awaitWarm() {
        if (WARM.getCount() == 0) return;
        try {
            WARM.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Marks the kernels warm without running the warm-up (it was disabled). */
    static void skipWarmUp() {
        WARM.countDown();
    }

    private static void warmUpRounds(int rounds) {
        FloatGemm g = new FloatGemm();
        int k = 48;
        int n = NRW + NRW / 2 + 1;
        int mMax = 11;
        MemorySegment[] as = {
            MemorySegment.ofBuffer(java.nio.ByteBuffer.allocateDirect(mMax * k * 4).order(LE)),
            MemorySegment.ofBuffer(java.nio.ByteBuffer.allocate(mMax * k * 4).order(LE))};
        MemorySegment[] cs = {
            MemorySegment.ofBuffer(java.nio.ByteBuffer.allocateDirect(mMax * n * 4).order(LE)),
            MemorySegment.ofBuffer(java.nio.ByteBuffer.allocate(mMax * n * 4).order(LE))};
        MemorySegment bw = MemorySegment.ofBuffer(java.nio.ByteBuffer.allocateDirect(k * n * 4).order(LE));
        for (int i = 0; i < k * n; i++) bw.set(FLOAT_LE, i * 4L, (i % 7) * 0.25f);
        PackedMatrix b = PackedMatrix.of(bw, 0, k, n, false);
        for (int r = 0; r < rounds; r++) {
            // 11 rows run kernels of 4, 4, 2 and 1 rows; 9 rows 4, 4 and 1.
            int m = (r & 1) == 0 ? 11 : 9;
            MemorySegment a = as[(r >> 1) & 1];
            g.packA(a, 0, k, 1, m, k);
            g.multiply(Parallel.SEQUENTIAL, b, cs[(r >> 2) & 1], 0, n);
        }
    }
}
