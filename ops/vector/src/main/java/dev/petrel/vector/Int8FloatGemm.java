package dev.petrel.vector;

import dev.petrel.ops.quant.DynamicQuantMatMulKernel;
import dev.petrel.spi.Parallel;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Dynamically quantized fp32 x int8 matrix product computed exactly on the fp32 FMA micro-kernel:
 * x is quantized per tensor as DynamicQuantizeLinear does and kept as the floats {@code q - zx}
 * (integers in [-255, 255]); each K block of a weight panel ({@link Int8ColumnPanels}, bytes) is
 * widened on the fly to the floats {@code b - zb} (also in [-255, 255]) in a buffer that all M rows
 * reuse, and {@link FloatGemm}'s 4 x 3 kernels multiply them.
 *
 * <p>Exactness: every product is an integer of magnitude at most max|a - za| * max|b - zb| (255 * 255
 * at worst), and a K block is kept short enough that every partial sum stays within 2^24 (258 terms
 * at worst; 1028 for 7-bit weights as ONNX Runtime's quantizer writes them, capped at
 * {@link FloatGemm#KC}), so fp32 represents each partial sum exactly and the FMA chain computes the
 * block's integer sum without rounding. Blocks are converted to int and added in int32 (wrapping
 * as MatMulInteger's sums), and the epilogue applies
 * {@code (float) sum * (sx * Ws[j]) (+ bias[j])}: bit for bit the portable kernel's result.
 *
 * <p>Why not the integer formulation ({@link Int8Gemm}): the Vector API reaches no widening integer
 * multiply-add (VNNI {@code vpdpbusd}), so 16-bit products need a multiply, a shift and two adds per
 * 32 multiply-adds where an FMA does 16. The widening here costs K*N conversions per product, 1/M of
 * the multiply-adds. Measured on the shared 2-core Zen 4 (one thread, the three products called in
 * turn 300 times, fastest call, load average about 10; MiniLM's 7-bit weights, so one K block at
 * K = 384 and two at 1536):
 * <pre>
 *   shape (MxKxN)   fp32 FloatGemm (copy A + product)   this (quantize A + product + scales, bias)   Int8Gemm   quantize alone
 *   128x384x384          331-341 us                          349-362 us                                451 us      12-16 us
 *   128x384x1536        1361-1400 us                        1419-1443 us                              1742 us      15-17 us
 *   128x1536x384        1391-1417 us                        1424-1451 us                              1778 us      50-62 us
 * </pre>
 * So the int8 product runs at the fp32 rate plus its quantization (2-5%), and holds 1/4 of the fp32
 * weight memory. Quantization reads x twice (range, then values), with comparisons and blends: Java's
 * float min/max lane-wise operations measured twice as slow, and a copy of x first 30% slower. K
 * blocks shorter than the exact limit (128, 96) measured slower: more int passes over the sums.
 *
 * <p>The large scratch (the quantized A, up to 128 x 1536 floats for MiniLM, and each part's widened
 * B block) belongs to the calling thread, not to the instance: a session runs its nodes one after
 * another on one thread, so its 36 products share one set instead of holding 36 (measured: 25 MB of
 * heap per MiniLM session down to 12 MB; the packed weights are 10.6 MB of it). An instance serves
 * one call ({@link #quantize} then {@link #multiply}) at a time.
 */
final class Int8FloatGemm {
    static final VectorSpecies<Float> S = FloatGemm.S;
    static final int L = FloatGemm.L;
    static final int NR = FloatGemm.NR;
    static final int NRW = FloatGemm.NRW;
    static final int MR = FloatGemm.MR;
    /** The most terms of a K block: FloatGemm's K chunk (its B micro-panel, 147 KiB, is read from L2). */
    static final int KB = FloatGemm.KC;
    private static final int EXACT = 1 << 24;
    /** Bytes widened per float vector; null where a float vector has fewer than 8 lanes (scalar widening). */
    private static final VectorSpecies<Byte> BS = L >= 8 ? VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8)) : null;
    private static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, S.vectorShape());
    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Adding then subtracting 1.5 * 2^23 rounds a float of magnitude below 2^22 to an integer, half to even. */
    private static final float ROUND = 12582912f;
    private static final int PARTS_PER_THREAD = 2;
    private static final int PAD = 32;

    /** The calling thread's quantized A, from {@link #quantize} to the end of {@link #multiply}. */
    private float[] aq;
    private int m;
    private int k;
    private float aScale;
    private int aZero;
    private float[] colScale = new float[0];
    private float[] biasPad = new float[0];
    /** The calling thread's part scratch during {@link #multiply}. */
    private Scratch[] scratch;

    /** Scratch of one calling thread, shared by every instance it calls. */
    private static final class Workspace {
        float[] aq = new float[0];
        Scratch[] parts = {new Scratch()};
    }

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    /** Per part: the widened B block, the micro-kernel's tile and, for K above one block, the int sums. */
    private static final class Scratch {
        float[] b = new float[0];
        final float[] tile = new float[MR * NRW + PAD];
        int[] sums = new int[0];
    }

    float scale() {
        return aScale;
    }

    int zeroPoint() {
        return aZero;
    }

    /**
     * Quantizes the m x k floats at byte offset {@code off} of {@code x} (row-major) as
     * DynamicQuantizeLinear does and keeps {@code q - zeroPoint} as floats.
     */
    void quantize(MemorySegment x, long off, int m, int k) {
        quantize(Parallel.SEQUENTIAL, x, off, m, k);
    }

    /** Below this many elements the quantization runs on the calling thread. */
    private static final int QUANTIZE_PARALLEL_MIN = 1 << 15;
    // The quantization being split over threads, in fields so that the parallel bodies allocate nothing.
    private MemorySegment qx;
    private long qOff;
    private int qCount;
    private int qParts;
    private float qScale;
    private int qZero;
    private float[] partMin = new float[0];
    private float[] partMax = new float[0];
    private final Parallel.RangeBody minMaxBody = this::minMaxParts;
    private final Parallel.RangeBody quantizeBody = this::quantizeParts;

    /** {@link #quantize(MemorySegment, long, int, int)}, the passes over a large native x split over {@code parallel}. */
    void quantize(Parallel parallel, MemorySegment x, long off, int m, int k) {
        this.m = m;
        this.k = k;
        long count = (long) m * k;
        Workspace ws = WORKSPACE.get();
        if (ws.aq.length < count) ws.aq = new float[(int) Math.max(1, count)];
        aq = ws.aq;
        final float[] d = aq;
        final int c = (int) count;
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        // A caller's heap input takes scalar loops over a copy: the vector loops only ever see native
        // memory, so C2 compiles them for one kind of memory (see design.md, Execution).
        final boolean heap = !x.isNative();
        int parts = 1;
        if (heap) {
            MemorySegment.copy(x, FLOAT_LE, off, d, 0, c);
            for (int i = 0; i < c; i++) {
                float v = d[i];
                if (v < min) min = v;
                if (v > max) max = v;
            }
        } else {
            parts = parallel.threads() > 1 && c >= QUANTIZE_PARALLEL_MIN ? 2 * parallel.threads() : 1;
            if (partMin.length < parts) {
                partMin = new float[parts];
                partMax = new float[parts];
            }
            qx = x;
            qOff = off;
            qCount = c;
            qParts = parts;
            try {
                if (parts == 1) {
                    minMax(0, c, 0);
                } else {
                    parallel.forRange(parts, minMaxBody);
                }
            } finally {
                qx = null;
            }
            for (int t = 0; t < parts; t++) {
                min = Math.min(min, partMin[t]);
                max = Math.max(max, partMax[t]);
            }
        }
        // Infinities give a NaN or infinite x/scale, which the vector rounding would not map as rint does.
        boolean vector = !heap && !Float.isInfinite(min) && !Float.isInfinite(max);
        float scale = DynamicQuantMatMulKernel.scale(min, max);
        int zp = DynamicQuantMatMulKernel.zeroPoint(min, scale);
        aScale = scale;
        aZero = zp;
        if (vector) {
            qx = x;
            qScale = scale;
            qZero = zp;
            try {
                if (parts == 1) {
                    quantizeRange(0, c);
                } else {
                    parallel.forRange(parts, quantizeBody);
                }
            } finally {
                qx = null;
            }
        } else if (heap) {
            for (int j = 0; j < c; j++) d[j] = DynamicQuantMatMulKernel.quantize(d[j], scale, zp) - zp;
        } else {
            for (int j = 0; j < c; j++) d[j] = DynamicQuantMatMulKernel.quantize(x.get(FLOAT_LE, off + j * 4L), scale, zp) - zp;
        }
    }

    /** Where part t of the quantization's elements starts: a multiple of four vectors. */
    private int partStart(int t) {
        if (t >= qParts) return qCount;
        return (int) ((long) qCount * t / qParts) / (4 * L) * (4 * L);
    }

    private void minMaxParts(int t0, int t1) {
        for (int t = t0; t < t1; t++) minMax(partStart(t), partStart(t + 1), t);
    }

    private void quantizeParts(int t0, int t1) {
        for (int t = t0; t < t1; t++) quantizeRange(partStart(t), partStart(t + 1));
    }

    /**
     * The smallest and largest of elements i0..i1 into partMin/partMax[t]. Compare and blend rather
     * than min/max: Java's float min/max semantics (NaN, -0) cost C2 a sequence of about six
     * instructions per lane-wise min; a comparison skips NaN as DynamicQuantizeLinear's does.
     */
    private void minMax(int i0, int i1, int t) {
        final MemorySegment x = qx;
        final long off = qOff;
        FloatVector min0 = FloatVector.broadcast(S, Float.MAX_VALUE), min1 = min0, min2 = min0, min3 = min0;
        FloatVector max0 = FloatVector.broadcast(S, -Float.MAX_VALUE), max1 = max0, max2 = max0, max3 = max0;
        int i = i0;
        for (; i + 4 * L <= i1; i += 4 * L) {
            FloatVector v = FloatVector.fromMemorySegment(S, x, off + i * 4L, LE);
            FloatVector u = FloatVector.fromMemorySegment(S, x, off + (i + L) * 4L, LE);
            FloatVector w = FloatVector.fromMemorySegment(S, x, off + (i + 2 * L) * 4L, LE);
            FloatVector z = FloatVector.fromMemorySegment(S, x, off + (i + 3 * L) * 4L, LE);
            min0 = min0.blend(v, v.lt(min0));
            max0 = max0.blend(v, max0.lt(v));
            min1 = min1.blend(u, u.lt(min1));
            max1 = max1.blend(u, max1.lt(u));
            min2 = min2.blend(w, w.lt(min2));
            max2 = max2.blend(w, max2.lt(w));
            min3 = min3.blend(z, z.lt(min3));
            max3 = max3.blend(z, max3.lt(z));
        }
        min0 = min0.blend(min1, min1.lt(min0));
        min2 = min2.blend(min3, min3.lt(min2));
        max0 = max0.blend(max1, max0.lt(max1));
        max2 = max2.blend(max3, max2.lt(max3));
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (int l = 0; l < L; l++) {
            min = Math.min(min, Math.min(min0.lane(l), min2.lane(l)));
            max = Math.max(max, Math.max(max0.lane(l), max2.lane(l)));
        }
        for (; i < i1; i++) {
            float v = x.get(FLOAT_LE, off + i * 4L);
            if (v < min) min = v;
            if (v > max) max = v;
        }
        partMin[t] = min;
        partMax[t] = max;
    }

    /** Quantizes elements j0..j1 of x (finite range) into the A floats. */
    private void quantizeRange(int j0, int j1) {
        final MemorySegment x = qx;
        final long off = qOff;
        final float[] d = aq;
        final float scale = qScale;
        final int zp = qZero;
        FloatVector fs = FloatVector.broadcast(S, scale);
        FloatVector lo = FloatVector.broadcast(S, (float) -zp);
        FloatVector hi = FloatVector.broadcast(S, (float) (255 - zp));
        FloatVector lim = FloatVector.broadcast(S, 512f);
        FloatVector nlim = FloatVector.broadcast(S, -512f);
        FloatVector round = FloatVector.broadcast(S, ROUND);
        int j = j0;
        for (; j + L <= j1; j += L) {
            // rint(x / s) + zp saturated to [0, 255], minus zp: the clamp to +-512 first keeps the
            // rounding trick in range and changes no saturated result. Blends, not min/max (see above).
            // (Multiplying by 1/s, with a division only where the product lies near a half-integer,
            // measured no faster: the division does not bound this loop.)
            FloatVector v = FloatVector.fromMemorySegment(S, x, off + j * 4L, LE).div(fs);
            v = v.blend(nlim, v.lt(nlim)).blend(lim, lim.lt(v));
            v = v.add(round).sub(round);
            // A NaN fails the comparison with lo and becomes lo: quantized to 0, as rint(NaN) saturates.
            v = lo.blend(v, v.compare(VectorOperators.GE, lo));
            v.blend(hi, hi.lt(v)).intoArray(d, j);
        }
        for (; j < j1; j++) d[j] = DynamicQuantMatMulKernel.quantize(x.get(FLOAT_LE, off + j * 4L), scale, zp) - zp;
    }

    /**
     * y = the quantized A x {@code b} with scales, bias, GELU ({@code gelu} a {@link VectorErf}
     * function, or -1) and residual applied: element (i, j) at byte offset {@code (i*n + j)*4} of
     * {@code y} becomes {@code act((float) sum * (aScale * wScale[j]) (+ bias[j])) (+ residual(i, j))}.
     * {@code wScale} and {@code bias} (or null) hold N values; {@code residual} (or null) is laid out as y.
     */
    void multiply(Parallel parallel, Int8ColumnPanels b, float[] wScale, float[] bias, int gelu, MemorySegment residual, MemorySegment y) {
        if (b.k != k) throw new IllegalStateException("quantized A has K=" + k + ", B has K=" + b.k);
        final int n = b.n;
        if (m == 0 || n == 0) return;
        int padded = b.panels * NRW;
        if (colScale.length < padded) {
            colScale = new float[padded];
            biasPad = new float[padded];
        }
        for (int j = 0; j < n; j++) {
            colScale[j] = aScale * wScale[j];
            biasPad[j] = bias == null ? 0f : bias[j];
        }
        int threads = (long) m * n * k < FloatGemm.PARALLEL_MIN ? 1 : Math.min(parallel.threads(), b.panels);
        int parts = threads <= 1 ? 1 : Math.min(b.panels, threads * PARTS_PER_THREAD);
        if (aq == null) throw new IllegalStateException("multiply before quantize");
        Workspace ws = WORKSPACE.get();
        if (ws.parts.length < parts) {
            Scratch[] s = new Scratch[parts];
            for (int t = 0; t < parts; t++) s[t] = t < ws.parts.length ? ws.parts[t] : new Scratch();
            ws.parts = s;
        }
        scratch = ws.parts;
        // Every partial sum of a block must stay within 2^24 to be exact in fp32: at most
        // max|a - za| * max|b - zb| per term (255 * 255 at worst: 258 terms; MiniLM's 7-bit weights
        // allow 1028, so its K = 384 products need no int pass).
        long term = (long) Math.max(aZero, 255 - aZero) * Math.max(1, b.maxAbs);
        blockLimit = (int) Math.max(1, Math.min(KB, EXACT / Math.max(1, term)));
        runB = b;
        runY = y;
        runResidual = residual;
        runGelu = gelu;
        runBias = bias != null;
        runParts = parts;
        try {
            if (parts <= 1) {
                compute(0, b.panels, scratch[0]);
            } else {
                parallel.forRange(parts, partsBody);
            }
        } finally {
            runB = null;
            runY = null;
            runResidual = null;
            // The thread's scratch is not held past the call: a later, larger call may replace it.
            aq = null;
            scratch = null;
        }
    }

    // The product being computed, in fields so that the parallel body allocates nothing.
    private Int8ColumnPanels runB;
    private MemorySegment runY;
    private MemorySegment runResidual;
    private int runGelu;
    private boolean runBias;
    private int runParts;
    private int blockLimit;
    private final Parallel.RangeBody partsBody = this::computeParts;

    private void computeParts(int t0, int t1) {
        final int total = runB.panels, parts = runParts;
        for (int t = t0; t < t1; t++) compute(total * t / parts, total * (t + 1) / parts, scratch[t]);
    }

    private static int width(int rest) {
        return rest >= MR ? MR : rest >= 2 ? 2 : 1;
    }

    private void compute(int p0, int p1, Scratch s) {
        final Int8ColumnPanels b = runB;
        final int m = this.m;
        final int k = this.k;
        final int n = b.n;
        final float[] a = aq;
        final float[] tile = s.tile;
        final int blocks = Math.max(1, (k + blockLimit - 1) / blockLimit);
        final int kb = (k + blocks - 1) / blocks;
        if (s.b.length < kb * NRW) s.b = new float[kb * NRW];
        final float[] bf = s.b;
        if (blocks > 1 && s.sums.length < m * NRW) s.sums = new int[m * NRW];
        final int[] sums = s.sums;
        for (int p = p0; p < p1; p++) {
            int j0 = p * NRW;
            int cols = Math.min(NRW, n - j0);
            for (int blk = 0; blk < blocks; blk++) {
                int k0 = blk * kb;
                int kc = Math.min(kb, k - k0);
                if (kc <= 0) break;
                boolean last = k0 + kc >= k;
                widen(b, p, k0, kc, bf);
                for (int r0 = 0; r0 < m; ) {
                    int w = width(m - r0);
                    int ai = r0 * k + k0;
                    switch (w) {
                        case MR -> FloatGemm.kernel4(a, ai, k, bf, 0, kc, tile);
                        case 2 -> FloatGemm.kernel2(a, ai, k, bf, 0, kc, tile);
                        default -> FloatGemm.kernel1(a, ai, bf, 0, kc, tile);
                    }
                    if (blocks == 1) {
                        epilogue(tile, null, w, r0, j0, cols, n);
                    } else if (blk == 0) {
                        store(tile, sums, w, r0);
                    } else {
                        add(tile, sums, w, r0);
                        if (last) epilogue(null, sums, w, r0, j0, cols, n);
                    }
                    r0 += w;
                }
            }
        }
    }

    /** Widens rows k0..k0+kc of panel p to floats minus the column zero points, kc x NRW, into {@code dst}. */
    private static void widen(Int8ColumnPanels b, int p, int k0, int kc, float[] dst) {
        final byte[] d = b.data;
        final int base = (p * b.k + k0) * NRW;
        final int zo = p * NRW;
        if (BS == null) {
            for (int kk = 0; kk < kc; kk++) {
                for (int c = 0; c < NRW; c++) dst[kk * NRW + c] = d[base + kk * NRW + c] - b.zeroPoint[zo + c];
            }
            return;
        }
        if (b.zeroZeroPoints) {
            // Symmetric weights: the widened bytes are the differences already (one op fewer per vector).
            for (int kk = 0; kk < kc; kk++) {
                int o = kk * NRW;
                int si = base + o;
                ((FloatVector) ByteVector.fromArray(BS, d, si).convertShape(VectorOperators.B2F, S, 0)).intoArray(dst, o);
                ((FloatVector) ByteVector.fromArray(BS, d, si + L).convertShape(VectorOperators.B2F, S, 0)).intoArray(dst, o + L);
                ((FloatVector) ByteVector.fromArray(BS, d, si + 2 * L).convertShape(VectorOperators.B2F, S, 0)).intoArray(dst, o + 2 * L);
            }
            return;
        }
        FloatVector z0 = FloatVector.fromArray(S, b.zeroPoint, zo);
        FloatVector z1 = FloatVector.fromArray(S, b.zeroPoint, zo + L);
        FloatVector z2 = FloatVector.fromArray(S, b.zeroPoint, zo + 2 * L);
        for (int kk = 0; kk < kc; kk++) {
            int o = kk * NRW;
            int si = base + o;
            ((FloatVector) ByteVector.fromArray(BS, d, si).convertShape(VectorOperators.B2F, S, 0)).sub(z0).intoArray(dst, o);
            ((FloatVector) ByteVector.fromArray(BS, d, si + L).convertShape(VectorOperators.B2F, S, 0)).sub(z1).intoArray(dst, o + L);
            ((FloatVector) ByteVector.fromArray(BS, d, si + 2 * L).convertShape(VectorOperators.B2F, S, 0)).sub(z2).intoArray(dst, o + 2 * L);
        }
    }

    /** The first block's exact integer sums (rows r0.. of the tile) as ints. */
    private static void store(float[] t, int[] sums, int rows, int r0) {
        for (int r = 0; r < rows; r++) {
            for (int v = 0; v < NR; v++) {
                int o = r * NRW + v * L;
                ((IntVector) FloatVector.fromArray(S, t, o).convert(VectorOperators.F2I, 0)).intoArray(sums, (r0 + r) * NRW + v * L);
            }
        }
    }

    /** Adds a later block's exact sums to the int sums. */
    private static void add(float[] t, int[] sums, int rows, int r0) {
        for (int r = 0; r < rows; r++) {
            for (int v = 0; v < NR; v++) {
                int o = r * NRW + v * L;
                int so = (r0 + r) * NRW + v * L;
                ((IntVector) FloatVector.fromArray(S, t, o).convert(VectorOperators.F2I, 0)).add(IntVector.fromArray(IS, sums, so)).intoArray(sums, so);
            }
        }
    }

    /**
     * Scales, bias, GELU and residual for rows r0.. of the panel's columns, from the float tile (one
     * block: its values are the exact sums) or from the int sums.
     */
    private void epilogue(float[] t, int[] sums, int rows, int r0, int j0, int cols, int n) {
        final MemorySegment y = runY;
        final MemorySegment res = runResidual;
        final boolean hasBias = runBias;
        final int gelu = runGelu;
        for (int r = 0; r < rows; r++) {
            long rowOff = ((long) (r0 + r) * n + j0) * 4L;
            for (int v = 0; v < NR && v * L < cols; v++) {
                int c = j0 + v * L;
                FloatVector f = t != null ? FloatVector.fromArray(S, t, r * NRW + v * L)
                        : (FloatVector) IntVector.fromArray(IS, sums, (r0 + r) * NRW + v * L).convert(VectorOperators.I2F, 0);
                f = f.mul(FloatVector.fromArray(S, colScale, c));
                if (hasBias) f = f.add(FloatVector.fromArray(S, biasPad, c));
                long o = rowOff + v * L * 4L;
                if (cols - v * L >= L) {
                    if (res != null && gelu < 0) f = f.add(FloatVector.fromMemorySegment(S, res, o, LE));
                    f.intoMemorySegment(y, o, LE);
                } else {
                    VectorMask<Float> mask = S.indexInRange(v * L, cols);
                    if (res != null && gelu < 0) f = f.add(FloatVector.fromMemorySegment(S, res, o, LE, mask));
                    f.intoMemorySegment(y, o, LE, mask);
                }
            }
            if (gelu >= 0) {
                VectorErf.map(gelu, y, rowOff, null, y, rowOff, cols);
                if (res != null) {
                    for (int c = 0; c < cols; c++) {
                        long o = rowOff + c * 4L;
                        y.set(FLOAT_LE, o, y.get(FLOAT_LE, o) + res.get(FLOAT_LE, o));
                    }
                }
            }
        }
    }
}
