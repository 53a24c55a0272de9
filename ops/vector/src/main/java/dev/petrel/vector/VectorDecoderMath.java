package dev.petrel.vector;

import dev.petrel.llm.Activation;
import dev.petrel.llm.DecoderMath;
import dev.petrel.llm.QuantizedMatrix;
import dev.petrel.spi.Parallel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.Buffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.IdentityHashMap;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link DecoderMath} on the Vector API.
 *
 * <p><b>Products.</b> A prefill {@link #matmul} runs {@link FloatGemm} on the weight packed once into
 * micro-kernel panels ({@link PackedWeights}, shared by all decoders of the process), with the bias
 * added in the epilogue. A decode {@link #gemv} is bound by memory: it streams W {@code [in, out]} in
 * place, four rows per step, FMAs into accumulators over the output columns, and splits the columns
 * (never k) between threads. Both add in the same order per output element, so a row gives the same
 * bits either way: from zero, k ascending by FMA within each {@link FloatGemm#KC} block, a block's sum
 * added to the total of the blocks before, the bias last. The matmul pads its rows to a multiple of
 * {@link FloatGemm#MR} so every row goes through the 4-row micro-kernel (the 1- and 2-row kernels add in
 * other orders). {@link #matmulTransposed} (the logits over the tied embedding) and the attention scores
 * are dot products of four table rows at a time, their lanes summed in a fixed order (reduceLanes may
 * sum in another order compiled than interpreted).
 *
 * <p><b>Quantized weights.</b> {@link #multiply} runs {@link QuantGemv}'s panel kernels (codes decoded
 * in int lanes, 16 output columns per vector, panels split between threads in contiguous runs) for
 * fewer than {@link #DEQUANTIZED_GEMM_ROWS} rows, and from there on (a prefill) dequantizes W into
 * reused fp32 GEMM panels and runs {@link FloatGemm}: a decoded token then matches its prefill
 * recomputation to fp32 rounding, not bit for bit.
 *
 * <p><b>Memory kinds.</b> Every loop reads weights, the KV cache and norm parameters as native
 * segments and activations as {@code float[]}: C2 compiles a loop that has seen heap and native
 * segments in one load for both, several times slower. Direct little-endian buffers (mapped
 * checkpoints, converted weights, the KV cache) are viewed in place; any other buffer is copied into
 * native scratch on each call (correct, slow; {@code Gpt2Model} never passes one). The GELU loops of
 * {@link VectorErf} run on a native copy of the activations for the same reason.
 *
 * <p>Called from one thread at a time; reusable task objects and scratch make a decode step allocate nothing.
 */
final class VectorDecoderMath implements DecoderMath {
    static final VectorSpecies<Float> S = FloatGemm.S;
    static final int L = S.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);

    /** Output columns per GEMV work item: four vectors of AVX-512 (whole cache lines per thread). */
    static final int GEMV_BLOCK = Math.max(64, L);
    /** Table rows per work item of {@link #matmulTransposed}. */
    static final int ROW_BLOCK = 32;
    /** Entries of the buffer-to-segment cache before it is cleared (a caller passing fresh buffers every call). */
    private static final int MAX_VIEWS = 4096;

    /** Per-thread room for the lanes of four dot-product accumulators. */
    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[8 * L]);

    private final Parallel parallel;
    private final FloatGemm gemm = new FloatGemm();
    private final IdentityHashMap<FloatBuffer, MemorySegment> views = new IdentityHashMap<>();
    private final IdentityHashMap<FloatBuffer, PackedMatrix> packed = new IdentityHashMap<>();
    private final IdentityHashMap<QuantizedMatrix, QuantGemv.Panels> panels = new IdentityHashMap<>();
    private final QuantGemv.Product product = new QuantGemv.Product();
    /** Rows from which a quantized product dequantizes W and runs the fp32 GEMM. */
    static final int DEQUANTIZED_GEMM_ROWS = 8;
    /** Largest W (elements) dequantized for a prefill: the projections, not a 50257-row logits table. */
    static final long MAX_DEQUANTIZED = 1L << 24;
    private final PackedMatrix dequantized = new PackedMatrix();
    /** Native copies of buffers that cannot be viewed in place, by operand slot. */
    private final MemorySegment[] copies = new MemorySegment[3];
    private final Arena arena = Arena.ofAuto();

    private float[] aPad = new float[0];
    private MemorySegment aPadSegment = MemorySegment.ofArray(aPad);
    private MemorySegment c = MemorySegment.NULL;
    private MemorySegment activations = MemorySegment.NULL;
    private float[] partial = new float[0];

    private final Gemv gemvTask = new Gemv();
    private final Transposed transposedTask = new Transposed();
    private final Attention attentionTask = new Attention();

    VectorDecoderMath(Parallel parallel) {
        this.parallel = parallel;
    }

    // ---- products ----

    @Override
    public void matmul(float[] x, int rows, int in, FloatBuffer w, FloatBuffer bias, int out, float[] y) {
        if (rows == 1) {
            gemv(x, in, w, bias, out, y);
            return;
        }
        if (rows <= 0 || out <= 0) return;
        MemorySegment ws = view(w, 0), bs = view(bias, 1);
        PackedMatrix pw = packed.get(w);
        if (pw == null || pw.k != in || pw.n != out) {
            pw = PackedWeights.of(w, ws, in, out);
            packed.put(w, pw);
        }
        multiplyPacked(x, rows, in, pw, bs, out, y, 0);
    }

    /** {@code y[yOffset + r·out + j] = bias[j] + (x·B)[r, j]} by {@link FloatGemm} (bias may be null). */
    private void multiplyPacked(float[] x, int rows, int in, PackedMatrix pw, MemorySegment bs, int out, float[] y, int yOffset) {
        int padded = (rows + FloatGemm.MR - 1) / FloatGemm.MR * FloatGemm.MR;
        int size = padded * in;
        if (aPad.length < Math.max(1, size)) {
            aPad = new float[Math.max(1, size)];
            aPadSegment = MemorySegment.ofArray(aPad);
        }
        System.arraycopy(x, 0, aPad, 0, rows * in);
        Arrays.fill(aPad, rows * in, size, 0f);
        gemm.packA(parallel, aPadSegment, 0, in, 1, padded, in);
        long cBytes = (long) padded * out * 4L;
        if (c.byteSize() < cBytes) c = arena.allocate(cBytes, 64);
        gemm.multiply(parallel, pw, c, 0, out);
        MemorySegment cs = c;
        int full = out - out % L;
        for (int r = 0; r < rows; r++) {
            long row = (long) r * out * 4L;
            int yo = yOffset + r * out;
            if (bs == null) {
                MemorySegment.copy(cs, FLOAT_LE, row, y, yo, out);
                continue;
            }
            for (int j = 0; j < full; j += L) {
                FloatVector.fromMemorySegment(S, cs, row + j * 4L, LE)
                        .add(FloatVector.fromMemorySegment(S, bs, j * 4L, LE)).intoArray(y, yo + j);
            }
            for (int j = full; j < out; j++) y[yo + j] = cs.get(FLOAT_LE, row + j * 4L) + bs.get(FLOAT_LE, j * 4L);
        }
    }

    @Override
    public void gemv(float[] x, int in, FloatBuffer w, FloatBuffer bias, int out, float[] y) {
        if (out <= 0) return;
        if (partial.length < out) partial = new float[out];
        Gemv t = gemvTask;
        t.x = x; t.in = in; t.w = view(w, 0); t.bias = view(bias, 1); t.out = out; t.y = y; t.part = partial;
        int blocks = (out + GEMV_BLOCK - 1) / GEMV_BLOCK;
        // A hand-off to the workers costs more than a small product.
        if ((long) in * out < 1 << 14 || parallel.threads() <= 1) {
            t.run(0, blocks);
        } else {
            // One contiguous column range per thread: each row of W is then read in long runs, which the
            // hardware prefetchers follow (ranges of a few hundred columns start a new stream every row).
            t.blocks = blocks;
            t.parts = Math.min(blocks, parallel.threads());
            parallel.forRange(t.parts, t.byPart);
        }
        t.x = null; t.w = null; t.bias = null; t.y = null;
    }

    /** Columns {@code [from·GEMV_BLOCK, to·GEMV_BLOCK)} of a GEMV: every row of W over them, in address order. */
    static final class Gemv implements Parallel.RangeBody {
        float[] x, y, part;
        MemorySegment w, bias;
        int in, out, blocks, parts;
        final Parallel.RangeBody byPart = (p0, p1) -> run((int) ((long) blocks * p0 / parts), (int) ((long) blocks * p1 / parts));

        @Override
        public void run(int from, int to) {
            int j0 = from * GEMV_BLOCK, j1 = Math.min(out, to * GEMV_BLOCK);
            float[] y = this.y, part = this.part;
            Arrays.fill(y, j0, j1, 0f);
            for (int k0 = 0; k0 < in; k0 += FloatGemm.KC) {
                int k1 = Math.min(in, k0 + FloatGemm.KC);
                if (k0 == 0) {
                    gemvRows(x, w, out, y, j0, j1, k0, k1);
                } else {
                    // As FloatGemm: a later K block sums from zero, then joins the total.
                    Arrays.fill(part, j0, j1, 0f);
                    gemvRows(x, w, out, part, j0, j1, k0, k1);
                    addInto(y, part, j0, j1);
                }
            }
            addBias(y, bias, j0, j1);
        }
    }

    /** {@code acc[j] = fma(x[i], W[i, j], acc[j])} for i from k0 to k1 in order, j in [j0, j1); eight rows of W per pass, then the rows left one by one. */
    private static void gemvRows(float[] x, MemorySegment w, int out, float[] acc, int j0, int j1, int k0, int k1) {
        final long rowBytes = out * 4L;
        final int full = j0 + (j1 - j0) / L * L;
        int i = k0;
        // Eight rows per pass: eight concurrent read streams keep more misses in flight than four, and
        // the accumulators make one trip through L1 per eight rows. Same order of additions as four.
        for (; i + 8 <= k1; i += 8) {
            float s0 = x[i], s1 = x[i + 1], s2 = x[i + 2], s3 = x[i + 3];
            float s4 = x[i + 4], s5 = x[i + 5], s6 = x[i + 6], s7 = x[i + 7];
            FloatVector x0 = FloatVector.broadcast(S, s0), x1 = FloatVector.broadcast(S, s1);
            FloatVector x2 = FloatVector.broadcast(S, s2), x3 = FloatVector.broadcast(S, s3);
            FloatVector x4 = FloatVector.broadcast(S, s4), x5 = FloatVector.broadcast(S, s5);
            FloatVector x6 = FloatVector.broadcast(S, s6), x7 = FloatVector.broadcast(S, s7);
            long o0 = i * rowBytes, o1 = o0 + rowBytes, o2 = o1 + rowBytes, o3 = o2 + rowBytes;
            long o4 = o3 + rowBytes, o5 = o4 + rowBytes, o6 = o5 + rowBytes, o7 = o6 + rowBytes;
            for (int j = j0; j < full; j += L) {
                long jb = j * 4L;
                FloatVector a = FloatVector.fromArray(S, acc, j);
                a = x0.fma(FloatVector.fromMemorySegment(S, w, o0 + jb, LE), a);
                a = x1.fma(FloatVector.fromMemorySegment(S, w, o1 + jb, LE), a);
                a = x2.fma(FloatVector.fromMemorySegment(S, w, o2 + jb, LE), a);
                a = x3.fma(FloatVector.fromMemorySegment(S, w, o3 + jb, LE), a);
                a = x4.fma(FloatVector.fromMemorySegment(S, w, o4 + jb, LE), a);
                a = x5.fma(FloatVector.fromMemorySegment(S, w, o5 + jb, LE), a);
                a = x6.fma(FloatVector.fromMemorySegment(S, w, o6 + jb, LE), a);
                a = x7.fma(FloatVector.fromMemorySegment(S, w, o7 + jb, LE), a);
                a.intoArray(acc, j);
            }
            for (int j = full; j < j1; j++) {
                long jb = j * 4L;
                float a = acc[j];
                a = Math.fma(s0, w.get(FLOAT_LE, o0 + jb), a);
                a = Math.fma(s1, w.get(FLOAT_LE, o1 + jb), a);
                a = Math.fma(s2, w.get(FLOAT_LE, o2 + jb), a);
                a = Math.fma(s3, w.get(FLOAT_LE, o3 + jb), a);
                a = Math.fma(s4, w.get(FLOAT_LE, o4 + jb), a);
                a = Math.fma(s5, w.get(FLOAT_LE, o5 + jb), a);
                a = Math.fma(s6, w.get(FLOAT_LE, o6 + jb), a);
                a = Math.fma(s7, w.get(FLOAT_LE, o7 + jb), a);
                acc[j] = a;
            }
        }
        for (; i < k1; i++) {
            float s0 = x[i];
            FloatVector x0 = FloatVector.broadcast(S, s0);
            long o0 = i * rowBytes;
            for (int j = j0; j < full; j += L) {
                x0.fma(FloatVector.fromMemorySegment(S, w, o0 + j * 4L, LE), FloatVector.fromArray(S, acc, j)).intoArray(acc, j);
            }
            for (int j = full; j < j1; j++) acc[j] = Math.fma(s0, w.get(FLOAT_LE, o0 + j * 4L), acc[j]);
        }
    }

    /** {@code y[j] = part[j] + y[j]}: how FloatGemm adds a later K block's tile to C. */
    private static void addInto(float[] y, float[] part, int j0, int j1) {
        for (int j = j0; j < j1; j++) y[j] = part[j] + y[j];
    }

    /** {@code y[j] += bias[j]}: the matmul's epilogue, in the same order. */
    private static void addBias(float[] y, MemorySegment bias, int j0, int j1) {
        int full = j0 + (j1 - j0) / L * L;
        for (int j = j0; j < full; j += L) {
            FloatVector.fromArray(S, y, j).add(FloatVector.fromMemorySegment(S, bias, j * 4L, LE)).intoArray(y, j);
        }
        for (int j = full; j < j1; j++) y[j] = y[j] + bias.get(FLOAT_LE, j * 4L);
    }

    /** {@link QuantGemv}'s panel kernels: the codes decode in int lanes, 16 output columns per vector. */
    @Override
    public void multiply(float[] x, int rows, QuantizedMatrix w, FloatBuffer bias, float[] y, int yOffset) {
        if (!QuantGemv.panelsFit()) {
            // Not 16 float lanes (e.g. AVX2): the scalar reference, panels split over the threads.
            parallel.forRange(w.panels(), (p0, p1) -> w.multiply(x, rows, bias, y, yOffset, p0, p1));
            return;
        }
        if (rows <= 0) return;
        QuantGemv.Panels pw = panels.get(w);
        if (pw == null) {
            pw = new QuantGemv.Panels(w);
            panels.put(w, pw);
        }
        if (rows >= DEQUANTIZED_GEMM_ROWS && (long) w.in() * w.out() <= MAX_DEQUANTIZED) {
            // A prefill: the fp32 GEMM on W dequantized into reused panels (once per call, about as
            // costly as one 16-row pass of the panel kernels) runs several times faster than they do.
            QuantGemv.dequantizeAll(parallel, pw, dequantized);
            multiplyPacked(x, rows, w.in(), dequantized, bias == null ? null : view(bias, 1), w.out(), y, yOffset);
            return;
        }
        QuantGemv.Product t = product;
        t.w = pw; t.x = x; t.rows = rows; t.bias = bias == null ? null : view(bias, 1); t.y = y; t.yOffset = yOffset;
        t.run(parallel);
        t.w = null; t.x = null; t.bias = null; t.y = null;
    }

    @Override
    public void matmulTransposed(float[] x, int rows, int in, FloatBuffer e, int out, float[] y, int yOffset) {
        if (rows <= 0 || out <= 0) return;
        Transposed t = transposedTask;
        t.x = x; t.rows = rows; t.in = in; t.e = view(e, 0); t.out = out; t.y = y; t.yOffset = yOffset;
        int blocks = (out + ROW_BLOCK - 1) / ROW_BLOCK;
        if ((long) rows * in * out < 1 << 14 || parallel.threads() <= 1) {
            t.run(0, blocks);
        } else {
            parallel.forRange(blocks, t);
        }
        t.x = null; t.e = null; t.y = null;
    }

    /**
     * Rows of the table in groups of four, each group (kept in L1) dotted with every input row: the
     * table streams from memory once.
     */
    static final class Transposed implements Parallel.RangeBody {
        float[] x, y;
        MemorySegment e;
        int rows, in, out, yOffset;

        @Override
        public void run(int from, int to) {
            float[] lanes = LANES.get();
            int v = from * ROW_BLOCK, v1 = Math.min(out, to * ROW_BLOCK);
            long stride = in * 4L;
            for (; v + 8 <= v1; v += 8) {
                for (int r = 0; r < rows; r++) dot8(x, r * in, e, v * stride, stride, in, lanes, y, yOffset + r * out + v);
            }
            for (; v + 4 <= v1; v += 4) {
                for (int r = 0; r < rows; r++) dot4(x, r * in, e, v * stride, stride, in, lanes, y, yOffset + r * out + v);
            }
            for (; v < v1; v++) {
                for (int r = 0; r < rows; r++) y[yOffset + r * out + v] = dot1(x, r * in, e, v * stride, in, lanes);
            }
        }
    }

    /**
     * {@code y[yo + q] = Σ_i x[xo + i]·e[row q at byte eo + q·stride][i]} for q < 4: one accumulator per
     * row over the whole vectors, its lanes summed pairwise ({@link #sumLanes}), then the tail in order.
     */
    static void dot4(float[] x, int xo, MemorySegment e, long eo, long stride, int n, float[] lanes, float[] y, int yo) {
        final int full = n - n % L;
        final long e1 = eo + stride, e2 = e1 + stride, e3 = e2 + stride;
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
        for (int i = 0; i < full; i += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            long ib = i * 4L;
            a0 = xv.fma(FloatVector.fromMemorySegment(S, e, eo + ib, LE), a0);
            a1 = xv.fma(FloatVector.fromMemorySegment(S, e, e1 + ib, LE), a1);
            a2 = xv.fma(FloatVector.fromMemorySegment(S, e, e2 + ib, LE), a2);
            a3 = xv.fma(FloatVector.fromMemorySegment(S, e, e3 + ib, LE), a3);
        }
        if (L == 16 && full == n) {
            sum4(a0, a1, a2, a3).intoArray(y, yo, FIRST4);
            return;
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, L);
        a2.intoArray(lanes, 2 * L);
        a3.intoArray(lanes, 3 * L);
        float s0 = sumLanes(lanes, 0), s1 = sumLanes(lanes, L), s2 = sumLanes(lanes, 2 * L), s3 = sumLanes(lanes, 3 * L);
        for (int i = full; i < n; i++) {
            float xi = x[xo + i];
            long ib = i * 4L;
            s0 = Math.fma(xi, e.get(FLOAT_LE, eo + ib), s0);
            s1 = Math.fma(xi, e.get(FLOAT_LE, e1 + ib), s1);
            s2 = Math.fma(xi, e.get(FLOAT_LE, e2 + ib), s2);
            s3 = Math.fma(xi, e.get(FLOAT_LE, e3 + ib), s3);
        }
        y[yo] = s0;
        y[yo + 1] = s1;
        y[yo + 2] = s2;
        y[yo + 3] = s3;
    }

    /** {@link #dot4} for eight rows (eight read streams in flight), each row added in the same order. */
    static void dot8(float[] x, int xo, MemorySegment e, long eo, long stride, int n, float[] lanes, float[] y, int yo) {
        final int full = n - n % L;
        final long e1 = eo + stride, e2 = e1 + stride, e3 = e2 + stride, e4 = e3 + stride, e5 = e4 + stride,
                e6 = e5 + stride, e7 = e6 + stride;
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
        FloatVector a4 = FloatVector.zero(S), a5 = FloatVector.zero(S), a6 = FloatVector.zero(S), a7 = FloatVector.zero(S);
        for (int i = 0; i < full; i += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            long ib = i * 4L;
            a0 = xv.fma(FloatVector.fromMemorySegment(S, e, eo + ib, LE), a0);
            a1 = xv.fma(FloatVector.fromMemorySegment(S, e, e1 + ib, LE), a1);
            a2 = xv.fma(FloatVector.fromMemorySegment(S, e, e2 + ib, LE), a2);
            a3 = xv.fma(FloatVector.fromMemorySegment(S, e, e3 + ib, LE), a3);
            a4 = xv.fma(FloatVector.fromMemorySegment(S, e, e4 + ib, LE), a4);
            a5 = xv.fma(FloatVector.fromMemorySegment(S, e, e5 + ib, LE), a5);
            a6 = xv.fma(FloatVector.fromMemorySegment(S, e, e6 + ib, LE), a6);
            a7 = xv.fma(FloatVector.fromMemorySegment(S, e, e7 + ib, LE), a7);
        }
        if (L == 16 && full == n) {
            sum4(a0, a1, a2, a3).intoArray(y, yo, FIRST4);
            sum4(a4, a5, a6, a7).intoArray(y, yo + 4, FIRST4);
            return;
        }
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, L);
        a2.intoArray(lanes, 2 * L);
        a3.intoArray(lanes, 3 * L);
        a4.intoArray(lanes, 4 * L);
        a5.intoArray(lanes, 5 * L);
        a6.intoArray(lanes, 6 * L);
        a7.intoArray(lanes, 7 * L);
        for (int q = 0; q < 8; q++) {
            float s = sumLanes(lanes, q * L);
            long eq = eo + q * stride;
            for (int i = full; i < n; i++) s = Math.fma(x[xo + i], e.get(FLOAT_LE, eq + i * 4L), s);
            y[yo + q] = s;
        }
    }

    /** One row of {@link #dot4}, added in the same order. */
    static float dot1(float[] x, int xo, MemorySegment e, long eo, int n, float[] lanes) {
        final int full = n - n % L;
        FloatVector a0 = FloatVector.zero(S);
        for (int i = 0; i < full; i += L) {
            a0 = FloatVector.fromArray(S, x, xo + i).fma(FloatVector.fromMemorySegment(S, e, eo + i * 4L, LE), a0);
        }
        a0.intoArray(lanes, 0);
        float s0 = sumLanes(lanes, 0);
        for (int i = full; i < n; i++) s0 = Math.fma(x[xo + i], e.get(FLOAT_LE, eo + i * 4L), s0);
        return s0;
    }

    private static final jdk.incubator.vector.VectorMask<Float> FIRST4 = jdk.incubator.vector.VectorMask.fromLong(S, 0xFL);
    private static final jdk.incubator.vector.VectorMask<Float> HIGH8 = jdk.incubator.vector.VectorMask.fromLong(S, 0xFF00L);
    private static final jdk.incubator.vector.VectorShuffle<Float> ROTATE8 = shuffle(8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
    private static final jdk.incubator.vector.VectorShuffle<Float> QUARTERS_02 = shuffle(0, 1, 2, 3, 8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11);
    private static final jdk.incubator.vector.VectorShuffle<Float> QUARTERS_13 = shuffle(4, 5, 6, 7, 12, 13, 14, 15, 4, 5, 6, 7, 12, 13, 14, 15);
    private static final jdk.incubator.vector.VectorShuffle<Float> PAIRS_0 = shuffle(0, 1, 4, 5, 8, 9, 12, 13, 0, 1, 4, 5, 8, 9, 12, 13);
    private static final jdk.incubator.vector.VectorShuffle<Float> PAIRS_1 = shuffle(2, 3, 6, 7, 10, 11, 14, 15, 2, 3, 6, 7, 10, 11, 14, 15);
    private static final jdk.incubator.vector.VectorShuffle<Float> EVEN = shuffle(0, 2, 4, 6, 8, 10, 12, 14, 0, 2, 4, 6, 8, 10, 12, 14);
    private static final jdk.incubator.vector.VectorShuffle<Float> ODD = shuffle(1, 3, 5, 7, 9, 11, 13, 15, 1, 3, 5, 7, 9, 11, 13, 15);

    private static jdk.incubator.vector.VectorShuffle<Float> shuffle(int... lanes) {
        return L == 16 ? jdk.incubator.vector.VectorShuffle.fromValues(S, lanes) : null;
    }

    /**
     * The lane sums of four 16-lane vectors in lanes 0..3, each by {@link #sumLanes}'s pairwise tree
     * (the same additions in the same order, so the same bits), the four trees run side by side in
     * vector lanes: halves of two vectors share one vector at the first level, quarters of four at the
     * second.
     */
    static FloatVector sum4(FloatVector a0, FloatVector a1, FloatVector a2, FloatVector a3) {
        // Level 8: lanes 0-7 of s01 are a0[q] + a0[q + 8], lanes 8-15 a1[q] + a1[q + 8].
        FloatVector s01 = a0.blend(a1.rearrange(ROTATE8), HIGH8).add(a0.rearrange(ROTATE8).blend(a1, HIGH8));
        FloatVector s23 = a2.blend(a3.rearrange(ROTATE8), HIGH8).add(a2.rearrange(ROTATE8).blend(a3, HIGH8));
        // Level 4: quarter i of t holds the 4 sums of vector i.
        FloatVector t = s01.rearrange(QUARTERS_02).blend(s23.rearrange(QUARTERS_02), HIGH8)
                .add(s01.rearrange(QUARTERS_13).blend(s23.rearrange(QUARTERS_13), HIGH8));
        // Levels 2 and 1.
        FloatVector u = t.rearrange(PAIRS_0).add(t.rearrange(PAIRS_1));
        return u.rearrange(EVEN).add(u.rearrange(ODD));
    }

    /** The sum of {@code t[o..o+L)} as a fixed pairwise tree (overwrites them). */
    static float sumLanes(float[] t, int o) {
        for (int w = L >> 1; w > 0; w >>= 1) {
            for (int q = 0; q < w; q++) t[o + q] += t[o + q + w];
        }
        return t[o];
    }

    // ---- attention ----

    @Override
    public void attention(float[] qkv, int rows, int firstPosition, FloatBuffer keys, FloatBuffer values, int heads,
                          int headSize, float scale, float[] scores, float[] out) {
        if (scores.length / heads < firstPosition + rows) {
            throw new IllegalArgumentException("attention scratch of " + scores.length + " floats is too small for "
                    + heads + " heads over " + (firstPosition + rows) + " positions");
        }
        Attention t = attentionTask;
        t.qkv = qkv; t.rows = rows; t.first = firstPosition; t.keys = view(keys, 0); t.values = view(values, 1);
        t.headSize = headSize; t.d = heads * headSize; t.scale = scale; t.scores = scores; t.stride = scores.length / heads;
        t.out = out;
        if (parallel.threads() <= 1) {
            t.run(0, heads);
        } else {
            parallel.forRange(heads, t);
        }
        t.qkv = null; t.keys = null; t.values = null; t.scores = null; t.out = null;
    }

    /** One head per work item, all query rows of that head in turn. */
    static final class Attention implements Parallel.RangeBody {
        float[] qkv, scores, out;
        MemorySegment keys, values;
        int rows, first, headSize, d, stride;
        float scale;

        @Override
        public void run(int from, int to) {
            float[] lanes = LANES.get();
            final int hs = headSize;
            final long rowBytes = d * 4L;
            for (int h = from; h < to; h++) {
                int hc = h * hs, s0 = h * stride;
                for (int r = 0; r < rows; r++) {
                    int last = first + r, q = r * 3 * d + hc;
                    int t = 0;
                    for (; t + 4 <= last + 1; t += 4) dot4(qkv, q, keys, (t * (long) d + hc) * 4L, rowBytes, hs, lanes, scores, s0 + t);
                    for (; t <= last; t++) scores[s0 + t] = dot1(qkv, q, keys, (t * (long) d + hc) * 4L, hs, lanes);
                    float max = Float.NEGATIVE_INFINITY;
                    for (t = 0; t <= last; t++) {
                        float s = scores[s0 + t] * scale;
                        scores[s0 + t] = s;
                        if (s > max) max = s;
                    }
                    float sum = 0;
                    for (t = 0; t <= last; t++) {
                        float p = (float) Math.exp(scores[s0 + t] - max);
                        scores[s0 + t] = p;
                        sum += p;
                    }
                    float inv = 1f / sum;
                    for (t = 0; t <= last; t++) scores[s0 + t] *= inv;
                    weightedValues(scores, s0, last, values, hc, rowBytes, hs, out, r * d + hc);
                }
            }
        }
    }

    /** {@code out[o + i] = Σ_{t ≤ last} p[s0 + t]·V[t, hc + i]} for i < hs: four vectors of columns per walk over the positions. */
    private static void weightedValues(float[] p, int s0, int last, MemorySegment v, int hc, long rowBytes, int hs,
                                       float[] out, int o) {
        int i = 0;
        for (; i + 4 * L <= hs; i += 4 * L) {
            FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
            long base = (hc + i) * 4L;
            for (int t = 0; t <= last; t++) {
                FloatVector pt = FloatVector.broadcast(S, p[s0 + t]);
                long vo = t * rowBytes + base;
                a0 = FloatVector.fromMemorySegment(S, v, vo, LE).fma(pt, a0);
                a1 = FloatVector.fromMemorySegment(S, v, vo + 4L * L, LE).fma(pt, a1);
                a2 = FloatVector.fromMemorySegment(S, v, vo + 8L * L, LE).fma(pt, a2);
                a3 = FloatVector.fromMemorySegment(S, v, vo + 12L * L, LE).fma(pt, a3);
            }
            a0.intoArray(out, o + i);
            a1.intoArray(out, o + i + L);
            a2.intoArray(out, o + i + 2 * L);
            a3.intoArray(out, o + i + 3 * L);
        }
        for (; i + L <= hs; i += L) {
            FloatVector a0 = FloatVector.zero(S);
            long base = (hc + i) * 4L;
            for (int t = 0; t <= last; t++) {
                a0 = FloatVector.fromMemorySegment(S, v, t * rowBytes + base, LE).fma(FloatVector.broadcast(S, p[s0 + t]), a0);
            }
            a0.intoArray(out, o + i);
        }
        for (; i < hs; i++) {
            float a = 0;
            long base = (hc + i) * 4L;
            for (int t = 0; t <= last; t++) a = Math.fma(p[s0 + t], v.get(FLOAT_LE, t * rowBytes + base), a);
            out[o + i] = a;
        }
    }

    // ---- elementwise ----

    /** Scratch of {@link #normalize}: a row's mean and inverse deviation. */
    private final float[] stats = new float[2];

    /**
     * Statistics in double exactly as the portable kernel sums them (O(d) per row), the map in vector
     * lanes with the portable kernel's operations in its order, {@code ((x − mean)·inv)·γ + β}: the
     * same bits.
     */
    @Override
    public void normalize(float[] x, int rows, int d, boolean center, boolean divide, float eps, FloatBuffer gamma,
                          FloatBuffer beta, float[] out) {
        MemorySegment g = view(gamma, 0), b = view(beta, 1);
        int full = d - d % L;
        for (int r = 0; r < rows; r++) {
            int o = r * d;
            DecoderMath.rowStatistics(x, o, d, center, divide, eps, stats);
            float mean = stats[0], inv = stats[1];
            FloatVector vm = FloatVector.broadcast(S, mean), vi = FloatVector.broadcast(S, inv);
            for (int i = 0; i < full; i += L) {
                long ib = i * 4L;
                FloatVector.fromArray(S, x, o + i).sub(vm).mul(vi).mul(FloatVector.fromMemorySegment(S, g, ib, LE))
                        .add(FloatVector.fromMemorySegment(S, b, ib, LE)).intoArray(out, o + i);
            }
            for (int i = full; i < d; i++) {
                out[o + i] = (x[o + i] - mean) * inv * g.get(FLOAT_LE, i * 4L) + b.get(FLOAT_LE, i * 4L);
            }
        }
    }

    @Override
    public void activate(Activation activation, float[] x, int n) {
        if (n <= 0) return;
        int fn;
        switch (activation) {
            case GELU_TANH: fn = VectorErf.GELU_TANH; break;
            case GELU_ERF: fn = VectorErf.GELU; break;
            case RELU:
                for (int i = 0; i < n; i++) if (!(x[i] > 0)) x[i] = 0f;
                return;
            default:
                // SiLU and quick GELU: rare in GPT-2 checkpoints; the exact scalar form.
                for (int i = 0; i < n; i++) x[i] = activation.apply(x[i]);
                return;
        }
        long bytes = n * 4L;
        if (activations.byteSize() < bytes) activations = arena.allocate(bytes, 64);
        MemorySegment a = activations;
        MemorySegment.copy(x, 0, a, FLOAT_LE, 0, n);
        VectorErf.map(fn, a, 0, null, a, 0, n);
        MemorySegment.copy(a, FLOAT_LE, 0, x, 0, n);
    }

    @Override
    public void add(float[] x, float[] y, int n) {
        int full = n - n % L;
        for (int i = 0; i < full; i += L) FloatVector.fromArray(S, x, i).add(FloatVector.fromArray(S, y, i)).intoArray(x, i);
        for (int i = full; i < n; i++) x[i] += y[i];
    }

    // ---- memory ----

    /**
     * {@code b} from index 0 to its capacity as a native little-endian segment: a view of a direct
     * little-endian buffer (cached per buffer), else a copy into the scratch of operand {@code slot}.
     */
    private MemorySegment view(FloatBuffer b, int slot) {
        MemorySegment s = views.get(b);
        if (s != null) return s;
        if (b.isDirect() && b.order() == LE) {
            if (views.size() >= MAX_VIEWS) views.clear();
            FloatBuffer all = b.duplicate();
            ((Buffer) all).clear();
            s = MemorySegment.ofBuffer(all);
            views.put(b, s);
            return s;
        }
        int n = b.capacity();
        MemorySegment copy = copies[slot];
        if (copy == null || copy.byteSize() < n * 4L) copies[slot] = copy = arena.allocate(Math.max(4L, n * 4L), 64);
        for (int i = 0; i < n; i++) copy.setAtIndex(FLOAT_LE, i, b.get(i));
        return copy;
    }
}
