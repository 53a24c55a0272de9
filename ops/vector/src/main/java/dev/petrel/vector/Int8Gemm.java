package dev.petrel.vector;

import dev.petrel.ops.quant.DynamicQuantMatMulKernel;
import dev.petrel.spi.Parallel;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Dynamically quantized fp32 x int8 matrix product on the Vector API: x (float, M x K) is quantized
 * per tensor to uint8 as DynamicQuantizeLinear does, multiplied exactly in integers with a packed
 * 8-bit weight ({@link Int8Panels}), and the scales (and a bias) are applied in the epilogue.
 *
 * <p>The Vector API has no widening multiply-add (VNNI {@code vpdpbusd}/{@code vpdpwssd}, or
 * {@code vpmaddwd}), so the product is formulated for 16-bit lanes: A's quantized values are packed
 * as pairs (a[2q] in the low half of an int, a[2q+1] in the high half) and broadcast; the weight panel,
 * widened to 16 bits, holds (b[2q][j], b[2q+1][j]) in the 32-bit lane of column j. One 16-bit multiply
 * ({@code vpmullw}) gives both products of the pair; as A is uint8 and B is offset to uint8, each
 * product is below 255*255 < 2^16, so its low 16 bits are the exact unsigned product. Reading the lane
 * as an int, x = p1*2^16 + p0, two int accumulators collect s += x and h += x >>> 16 (= p1), and
 * p0 + p1 summed over k is {@code s - 65535*h}: exact modulo 2^32 for any K, as MatMulInteger's int32
 * arithmetic. Per 2 x 16 multiply-adds: one multiply, one shift, two adds. Zero points come out of the
 * loop: sum (a-za)(b-zb) = sum ab - zb*rowSum(a) - za*colSum(b) + K*za*zb.
 *
 * <p>Register tile: {@link #MR} = 4 rows x {@link #NR} = 2 vectors (32 columns, 64 multiply-adds per
 * broadcast pair and per row), 16 int accumulators.
 *
 * <p>Measured (IntGemmBench, JMH, Zen 4 on the shared 2-core machine, one thread, GOP/s = 2*M*N*K/s,
 * fmaPeak and the fp32 GEMM in the same run; machine heavily loaded by parallel builds, so the ratios
 * matter more than the absolute numbers):
 * <pre>
 *   shape (MxKxN)   fp32 FloatGemm  int8 (bytes, widened per call)  int8Wide (16-bit panels)  quantize A alone
 *   128x384x384          72                 77                          61                     ~43 us
 *   128x384x1536        103                 56                          56                     ~40 us
 *   128x1536x384         98                 55                          60                    ~230 us
 *   fmaPeak 70 (+-73: the machine was shared), portable IntGemm about 5.6 (MiniLM profile)
 * </pre>
 * So on Zen 4 this formulation runs at about 0.6-0.8x the fp32 micro-kernel (it needs about twice
 * the vector ops per multiply-add: 4 per 32 against 1 FMA per 16, on ports the FMAs do not all share),
 * and pre-widening the panels buys nothing measurable: the per-call widening is amortized over M.
 * (Before the s and h accumulators were combined in the epilogue instead of the micro-kernel, C2
 * hit its inlining node cutoff in the 4-row kernel and ran it unintrinsified, about 100x slower.)
 * Other formulations tried (standalone loops, same machine, same run as the fp32 4x3 FMA kernel):
 * the auto-vectorized scalar form {@code out[j] += s1[2j]*s2[2j] + s1[2j+1]*s2[2j+1]} (which C2
 * compiles to {@code vpmaddwd}/{@code vpdpwssd}) reached about a third of the fp32 kernel's rate, as it
 * loads and stores its int32 outputs per step; the reduction form {@code s += a[2q]*b[2q] + ...} per
 * output element was not vectorized (1-2 GOP/s). Dequantizing the weights to fp32 panels and running
 * {@link FloatGemm} runs at the fp32 rate with 4x the weight memory, and its int32 sums are exact in
 * fp32 only while every partial sum stays below 2^24: K <= 2^24 / (255*255) = 258 in the worst case
 * (K <= 512 with A uint8 and B int8 centred), so a K of 1536 would need K blocks converted back to int.
 *
 * <p>Not the default any more: {@link Int8FloatGemm} computes the same exact sums on the fp32 FMA
 * micro-kernel (the K-block limit above is met by converting each block's sum to int) and measured
 * 18-25% faster at every MiniLM shape in the same run (see its Javadoc). This formulation stays
 * behind {@code -Dpetrel.int8.gemm=int16} for comparison, and {@code Int8GemmFormulationsTest} keeps
 * both equal.
 *
 * <p>An instance's scratch serves one call at a time.
 */
final class Int8Gemm {
    static final VectorSpecies<Integer> IS = IntVector.SPECIES_PREFERRED;
    static final VectorSpecies<Short> SS = VectorSpecies.of(short.class, IS.vectorShape());
    private static final VectorSpecies<Short> SH = VectorSpecies.of(short.class, VectorShape.forBitSize(IS.vectorBitSize() / 2));
    static final VectorSpecies<Float> FS = VectorSpecies.of(float.class, IS.vectorShape());
    static final int L = IS.length();
    static final int NR = 2;
    static final int NRW = NR * L;
    static final int MR = 4;
    /** Where the h accumulators start in a tile (after the s accumulators). */
    static final int H = MR * NRW;
    private static final int TILE = 2 * MR * NRW + 32;
    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Adding then subtracting 1.5 * 2^23 rounds a float of magnitude below 2^22 to an integer, half to even. */
    private static final float ROUND = 12582912f;
    private static final int PARTS_PER_THREAD = 2;

    private int[] aPack = new int[0];
    private int[] rowSum = new int[0];
    private int m;
    private int k;
    private int k2;
    private float aScale;
    private int aZero;
    private short[][] wideB = new short[1][0];
    private int[][] tiles = new int[1][TILE];
    private float[] colScale = new float[0];
    private float[] biasPad = new float[0];
    private int[] colCorr = new int[0];

    float scale() {
        return aScale;
    }

    int zeroPoint() {
        return aZero;
    }

    /**
     * Quantizes the m x k floats at byte offset {@code off} of {@code x} (row-major) as
     * DynamicQuantizeLinear does, into this object's A panels.
     */
    void quantize(MemorySegment x, long off, int m, int k) {
        this.m = m;
        this.k = k;
        this.k2 = (k + 1) / 2;
        long count = (long) m * k;
        if (aPack.length < m * k2) aPack = new int[Math.max(1, m * k2)];
        if (rowSum.length < m) rowSum = new int[m];
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        // Heap memory (a caller's input) takes the scalar loops: vector loops here only ever see
        // native segments, so C2 compiles them for one kind of memory (see design.md, Execution).
        boolean vector = x.isNative();
        long i = 0;
        if (vector) {
            FloatVector vmin = FloatVector.broadcast(FS, Float.MAX_VALUE);
            FloatVector vmax = FloatVector.broadcast(FS, -Float.MAX_VALUE);
            long bound = count - count % L;
            for (; i < bound; i += L) {
                FloatVector v = FloatVector.fromMemorySegment(FS, x, off + i * 4, LE);
                vmin = vmin.min(v);
                vmax = vmax.max(v);
            }
            min = vmin.reduceLanes(VectorOperators.MIN);
            max = vmax.reduceLanes(VectorOperators.MAX);
        }
        for (; i < count; i++) {
            float v = x.get(FLOAT_LE, off + i * 4);
            if (v < min) min = v;
            if (v > max) max = v;
        }
        if (Float.isNaN(min) || Float.isNaN(max)) {
            // Vector min/max propagate NaN where DynamicQuantizeLinear's comparisons skip it.
            vector = false;
            min = Float.MAX_VALUE;
            max = -Float.MAX_VALUE;
            for (long j = 0; j < count; j++) {
                float v = x.get(FLOAT_LE, off + j * 4);
                if (v < min) min = v;
                if (v > max) max = v;
            }
        }
        // Infinities give a NaN or infinite x/scale, which the vector rounding would not map as rint does.
        if (Float.isInfinite(min) || Float.isInfinite(max)) vector = false;
        float scale = DynamicQuantMatMulKernel.scale(min, max);
        int zp = DynamicQuantMatMulKernel.zeroPoint(min, scale);
        aScale = scale;
        aZero = zp;
        for (int r = 0; r < m; r++) {
            long rowOff = off + (long) r * k * 4;
            int dst = r * k2;
            int kk = 0;
            int sum = 0;
            if (vector && k >= L) {
                FloatVector fs = FloatVector.broadcast(FS, scale);
                IntVector zv = IntVector.broadcast(IS, zp);
                IntVector acc = IntVector.zero(IS);
                for (; kk + L <= k; kk += L) {
                    FloatVector v = FloatVector.fromMemorySegment(FS, x, rowOff + kk * 4L, LE).div(fs);
                    v = v.max(-512f).min(512f).add(ROUND).sub(ROUND);
                    IntVector q = ((IntVector) v.convert(VectorOperators.F2I, 0)).add(zv).max(0).min(255);
                    acc = acc.add(q);
                    ((ShortVector) q.convertShape(VectorOperators.I2S, SH, 0)).reinterpretAsInts().intoArray(aPack, dst + kk / 2);
                }
                sum = acc.reduceLanes(VectorOperators.ADD);
            }
            for (; kk < k; kk += 2) {
                int lo = DynamicQuantMatMulKernel.quantize(x.get(FLOAT_LE, rowOff + kk * 4L), scale, zp);
                int hi = kk + 1 < k ? DynamicQuantMatMulKernel.quantize(x.get(FLOAT_LE, rowOff + (kk + 1) * 4L), scale, zp) : 0;
                sum += lo + hi;
                aPack[dst + kk / 2] = lo | hi << 16;
            }
            rowSum[r] = sum;
        }
    }

    /**
     * y = the quantized A x {@code b} with scales and bias applied: element (i, j) at byte offset
     * {@code (i*n + j)*4} of {@code y} becomes {@code (float) sum * (aScale * wScale[j]) (+ bias[j])}.
     * {@code wScale} and {@code bias} (or null) hold N values.
     */
    void multiply(Parallel parallel, Int8Panels b, float[] wScale, float[] bias, MemorySegment y) {
        if (b.k != k) throw new IllegalStateException("quantized A has K=" + k + ", B has K=" + b.k);
        final int n = b.n;
        if (m == 0 || n == 0) return;
        int padded = b.panels * NRW;
        if (colScale.length < padded) {
            colScale = new float[padded];
            biasPad = new float[padded];
            colCorr = new int[padded];
        }
        int za = aZero;
        for (int j = 0; j < n; j++) {
            colScale[j] = aScale * wScale[j];
            biasPad[j] = bias == null ? 0f : bias[j];
            colCorr[j] = za * b.colSum[j] - k * za * b.zeroPoint[j];
        }
        int threads = (long) m * n * k < FloatGemm.PARALLEL_MIN ? 1 : Math.min(parallel.threads(), b.panels);
        int parts = threads <= 1 ? 1 : Math.min(b.panels, threads * PARTS_PER_THREAD);
        if (tiles.length < parts) {
            tiles = new int[parts][TILE];
            wideB = new short[parts][0];
        }
        boolean hasBias = bias != null;
        if (parts <= 1) {
            compute(b, 0, b.panels, y, 0, hasBias);
        } else {
            int total = b.panels;
            parallel.forRange(parts, (t0, t1) -> {
                for (int t = t0; t < t1; t++) compute(b, total * t / parts, total * (t + 1) / parts, y, t, hasBias);
            });
        }
    }

    private void compute(Int8Panels b, int p0, int p1, MemorySegment y, int part, boolean hasBias) {
        final int m = this.m;
        final int k2 = this.k2;
        final int n = b.n;
        final int[] a = aPack;
        final int[] tile = tiles[part];
        int len = b.panelLength();
        short[] bw;
        if (b.wide != null) {
            bw = b.wide;
        } else {
            if (wideB[part].length < len) wideB[part] = new short[len];
            bw = wideB[part];
        }
        for (int p = p0; p < p1; p++) {
            int bi;
            if (b.wide != null) {
                bi = p * len;
            } else {
                b.widen(p, bw);
                bi = 0;
            }
            int j0 = p * NRW;
            int cols = Math.min(NRW, n - j0);
            int r0 = 0;
            for (; r0 + MR <= m; r0 += MR) {
                kernel4(a, r0 * k2, k2, bw, bi, tile);
                epilogue(tile, MR, r0, j0, cols, n, b, y, hasBias);
            }
            for (; r0 < m; r0++) {
                kernel1(a, r0 * k2, k2, bw, bi, tile);
                epilogue(tile, 1, r0, j0, cols, n, b, y, hasBias);
            }
        }
    }

    static void kernel4(int[] a, int ai, int k2, short[] b, int bi, int[] t) {
        final int a1 = ai + k2, a2 = a1 + k2, a3 = a2 + k2;
        IntVector s00 = IntVector.zero(IS), s01 = IntVector.zero(IS), h00 = IntVector.zero(IS), h01 = IntVector.zero(IS);
        IntVector s10 = IntVector.zero(IS), s11 = IntVector.zero(IS), h10 = IntVector.zero(IS), h11 = IntVector.zero(IS);
        IntVector s20 = IntVector.zero(IS), s21 = IntVector.zero(IS), h20 = IntVector.zero(IS), h21 = IntVector.zero(IS);
        IntVector s30 = IntVector.zero(IS), s31 = IntVector.zero(IS), h30 = IntVector.zero(IS), h31 = IntVector.zero(IS);
        for (int q = 0; q < k2; q++) {
            ShortVector b0 = ShortVector.fromArray(SS, b, bi);
            ShortVector b1 = ShortVector.fromArray(SS, b, bi + 2 * L);
            ShortVector x = IntVector.broadcast(IS, a[ai + q]).reinterpretAsShorts();
            IntVector p0 = x.mul(b0).reinterpretAsInts();
            IntVector p1 = x.mul(b1).reinterpretAsInts();
            s00 = s00.add(p0);
            h00 = h00.add(p0.lanewise(VectorOperators.LSHR, 16));
            s01 = s01.add(p1);
            h01 = h01.add(p1.lanewise(VectorOperators.LSHR, 16));
            x = IntVector.broadcast(IS, a[a1 + q]).reinterpretAsShorts();
            p0 = x.mul(b0).reinterpretAsInts();
            p1 = x.mul(b1).reinterpretAsInts();
            s10 = s10.add(p0);
            h10 = h10.add(p0.lanewise(VectorOperators.LSHR, 16));
            s11 = s11.add(p1);
            h11 = h11.add(p1.lanewise(VectorOperators.LSHR, 16));
            x = IntVector.broadcast(IS, a[a2 + q]).reinterpretAsShorts();
            p0 = x.mul(b0).reinterpretAsInts();
            p1 = x.mul(b1).reinterpretAsInts();
            s20 = s20.add(p0);
            h20 = h20.add(p0.lanewise(VectorOperators.LSHR, 16));
            s21 = s21.add(p1);
            h21 = h21.add(p1.lanewise(VectorOperators.LSHR, 16));
            x = IntVector.broadcast(IS, a[a3 + q]).reinterpretAsShorts();
            p0 = x.mul(b0).reinterpretAsInts();
            p1 = x.mul(b1).reinterpretAsInts();
            s30 = s30.add(p0);
            h30 = h30.add(p0.lanewise(VectorOperators.LSHR, 16));
            s31 = s31.add(p1);
            h31 = h31.add(p1.lanewise(VectorOperators.LSHR, 16));
            bi += 4 * L;
        }
        s00.intoArray(t, 0);
        s01.intoArray(t, L);
        s10.intoArray(t, NRW);
        s11.intoArray(t, NRW + L);
        s20.intoArray(t, 2 * NRW);
        s21.intoArray(t, 2 * NRW + L);
        s30.intoArray(t, 3 * NRW);
        s31.intoArray(t, 3 * NRW + L);
        h00.intoArray(t, H);
        h01.intoArray(t, H + L);
        h10.intoArray(t, H + NRW);
        h11.intoArray(t, H + NRW + L);
        h20.intoArray(t, H + 2 * NRW);
        h21.intoArray(t, H + 2 * NRW + L);
        h30.intoArray(t, H + 3 * NRW);
        h31.intoArray(t, H + 3 * NRW + L);
    }

    static void kernel1(int[] a, int ai, int k2, short[] b, int bi, int[] t) {
        IntVector s0 = IntVector.zero(IS), s1 = IntVector.zero(IS), h0 = IntVector.zero(IS), h1 = IntVector.zero(IS);
        for (int q = 0; q < k2; q++) {
            ShortVector x = IntVector.broadcast(IS, a[ai + q]).reinterpretAsShorts();
            IntVector p0 = x.mul(ShortVector.fromArray(SS, b, bi)).reinterpretAsInts();
            IntVector p1 = x.mul(ShortVector.fromArray(SS, b, bi + 2 * L)).reinterpretAsInts();
            s0 = s0.add(p0);
            h0 = h0.add(p0.lanewise(VectorOperators.LSHR, 16));
            s1 = s1.add(p1);
            h1 = h1.add(p1.lanewise(VectorOperators.LSHR, 16));
            bi += 4 * L;
        }
        s0.intoArray(t, 0);
        s1.intoArray(t, L);
        h0.intoArray(t, H);
        h1.intoArray(t, H + L);
    }


    /** Zero-point corrections, int to float, scales and bias; writes rows r0.. of the panel's columns. */
    private void epilogue(int[] t, int rows, int r0, int j0, int cols, int n, Int8Panels b, MemorySegment y, boolean hasBias) {
        for (int r = 0; r < rows; r++) {
            int rs = rowSum[r0 + r];
            long rowOff = ((long) (r0 + r) * n + j0) * 4L;
            for (int v = 0; v < NR && v * L < cols; v++) {
                int c = j0 + v * L;
                // p0 + p1 summed over k: s - 65535 * h, as s - (h << 16) + h.
                IntVector h = IntVector.fromArray(IS, t, H + r * NRW + v * L);
                IntVector acc = IntVector.fromArray(IS, t, r * NRW + v * L)
                        .sub(h.lanewise(VectorOperators.LSHL, 16)).add(h)
                        .sub(IntVector.fromArray(IS, b.zeroPoint, c).mul(rs))
                        .sub(IntVector.fromArray(IS, colCorr, c));
                FloatVector f = ((FloatVector) acc.convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(FS, colScale, c));
                if (hasBias) f = f.add(FloatVector.fromArray(FS, biasPad, c));
                long o = rowOff + v * L * 4L;
                if (cols - v * L >= L) {
                    f.intoMemorySegment(y, o, LE);
                } else {
                    VectorMask<Float> mask = FS.indexInRange(v * L, cols);
                    f.intoMemorySegment(y, o, LE, mask);
                }
            }
        }
    }
}
