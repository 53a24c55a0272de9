package dev.petrel.vector;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import dev.petrel.spi.KernelSetup;
import dev.petrel.spi.Parallel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * FLOAT Conv with 1-D or 2-D windows: groups, strides, dilations, explicit pads and every auto_pad.
 *
 * <ul>
 *   <li>Every output channel reading one input channel (group = C: depth-wise, any multiplier): the
 *       direct {@link DepthwiseConv}.</li>
 *   <li>Otherwise, per batch item and group, one {@link FloatGemm} product Y[M/g, OH*OW] = W[M/g, C/g*kH*kW]
 *       x col: the weight rows are A (already row-major in ONNX layout: a bulk copy), and the unfolded
 *       input (im2col) is written straight into B's micro-kernel panels, so there is no separate col
 *       matrix and the product lands in NCHW order. Large maps are unfolded in chunks of output
 *       positions (see {@link #chunkFloats}). A pointwise, unstrided, unpadded Conv packs X itself as B.
 *       The bias is added in one vector pass over each output row (the product's fused bias is per
 *       column; the pass reads M x OH*OW floats that are still in cache).</li>
 *   <li>With a constant weight and one group, when it wastes less of the micro-kernel's tiles: the
 *       product the other way round, positions as rows, Y^T[N*OH*OW, M] = col[N*OH*OW, C*kH*kW] x W^T,
 *       with W packed into panels once per model (shared like a MatMul weight), the input unfolded
 *       straight into A's rows (a patch of a non-overlapping patch embedding is kW-long runs of the
 *       input) and the bias fused into the product's tiles; the result is transposed to NCHW. A ViT
 *       patch embedding (M = 192, 196 positions) fills 4 x 48 tiles exactly this way, where the
 *       NCHW product computes 240 positions for 196 and re-copies the weights every run.</li>
 * </ul>
 * 3-D windows and other element types run the portable kernel.
 */
final class VectorConvKernel implements Kernel {
    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Below this many unfolded elements the im2col runs on the calling thread. */
    private static final long IM2COL_PARALLEL_MIN = 1L << 16;

    private final Node node;
    private final KernelSetup setup;
    private final ConvGeometry window;
    private final int group;
    private Kernel portable;

    private final FloatGemm gemm = new FloatGemm();
    private final PackedMatrix cols = new PackedMatrix();
    private DepthwiseConv depthwise;
    private float[] xGroup = new float[0];
    private float[] weights = new float[0];
    private float[] biases = new float[0];

    // The geometry of the last input shape, reused while the shapes stay the same.
    private int[] lastX, lastW;
    private ConvGeometry.Resolved geometry;

    // The im2col being split over threads, in fields so that the parallel body allocates nothing.
    private int chunkFrom, chunkTo;
    /**
     * Floats of unfolded input per chunk of output positions (16 MiB): enough for the patch embeddings
     * and usual 3x3 layers in one chunk. Not final so that tests can force chunking.
     */
    static int chunkFloats = 1 << 22;
    private final Parallel.RangeBody im2colBody = (c0, c1) -> im2col(c0, c1);

    /** The weight when it is a constant of the model, else null. */
    private final Tensor constantWeight;
    /** W^T in B panels for the positions-as-rows product, shared by the model's sessions; made on first use. */
    private PackedMatrix weightPanels;
    /** The positions-as-rows product, native like the activations ([N*OH*OW, M]), kept across runs. */
    private MemorySegment rowsProduct;
    private float[] transposeIn = new float[0], transposeOut = new float[0];
    // The row unfold being split over threads, in fields so that the parallel body allocates nothing.
    private float[] unfoldA;
    private int unfoldChannels;
    private final Parallel.RangeBody unfoldRowsBody = this::unfoldRows;

    /** Which product a Conv with a constant weight and one group takes; tests force each. */
    enum Layout { AUTO, POSITIONS_AS_COLUMNS, POSITIONS_AS_ROWS }

    static Layout layout = Layout.AUTO;

    VectorConvKernel(Node node, KernelSetup setup) {
        this.node = node;
        this.setup = setup;
        this.window = new ConvGeometry(node);
        long g = node.attributes().getInt("group", 1);
        if (g < 1 || g > Integer.MAX_VALUE) throw new IllegalArgumentException("Conv group must be >= 1, got " + g);
        this.group = (int) g;
        Tensor w = setup.constantInput(1);
        this.constantWeight = w != null && w.dtype() == DType.FLOAT ? w : null;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        Tensor w = ctx.requireInput(1);
        Tensor b = ctx.input(2);
        int rank = x.rank();
        if (x.dtype() != DType.FLOAT || w.dtype() != DType.FLOAT || (b != null && b.dtype() != DType.FLOAT)
                || rank < 3 || rank > 4 || w.rank() != rank) {
            if (portable == null) {
                portable = b == null ? Segments.portableKernel(node, setup, x.dtype(), w.dtype())
                        : Segments.portableKernel(node, setup, x.dtype(), w.dtype(), b.dtype());
            }
            portable.run(ctx);
            return;
        }
        FloatGemm.awaitWarm();
        int[] xd = x.dims();
        int[] wd = w.dims();
        int g = group;
        int batch = xd[0];
        int channels = xd[1];
        int m = wd[0];
        if (channels % g != 0 || m % g != 0 || wd[1] * g != channels) {
            throw new IllegalArgumentException("Conv with group " + g + ": X has " + channels + " channels and W is " + w.describe()
                    + "; expected W of shape [M, C/group, ...] with M and C divisible by group");
        }
        if (b != null && b.size() != m) {
            throw new IllegalArgumentException("Conv bias B must have " + m + " elements, got " + b.describe());
        }
        ConvGeometry.Resolved r = resolve(xd, wd);
        Tensor y = ctx.output(0, DType.FLOAT, r.outDims(batch, m));
        if (y.size() == 0) return;
        MemorySegment xs = Segments.of(x);
        MemorySegment ws = Segments.of(w);
        MemorySegment ys = Segments.of(y);
        float[] bias = null;
        if (b != null) {
            if (biases.length < m) biases = new float[m];
            MemorySegment.copy(Segments.of(b), FLOAT_LE, 0, biases, 0, m);
            bias = biases;
        }
        int cg = channels / g;
        int mg = m / g;
        Parallel par = ctx.parallel();
        if (cg == 1) {
            int wSize = m * r.kernelSize();
            if (weights.length < wSize) weights = new float[wSize];
            MemorySegment.copy(ws, FLOAT_LE, 0, weights, 0, wSize);
            if (depthwise == null) depthwise = new DepthwiseConv();
            depthwise.run(par, xs, weights, bias, ys, r, batch, channels, m);
            return;
        }
        int inSize = r.inSize();
        int outSize = r.outSize();
        int k = cg * r.kernelSize();
        if (positionsAsRows(w, batch, m, outSize, k)) {
            productByRows(par, xs, b, ys, r, batch, channels, m);
            return;
        }
        boolean pointwise = r.kernelSize() == 1 && r.sH == 1 && r.sW == 1 && r.padTop == 0 && r.padLeft == 0
                && r.outH == r.inH && r.outW == r.inW;
        // Output positions in chunks whose unfolded panels stay within a budget, so a large map never
        // needs its whole im2col at once; the usual vision layers take one chunk.
        int chunk = (int) Math.min(outSize, Math.max(FloatGemm.NRW, (chunkFloats / k) / FloatGemm.NRW * FloatGemm.NRW));
        for (int n = 0; n < batch; n++) {
            for (int gi = 0; gi < g; gi++) {
                long xOff = ((long) n * channels + (long) gi * cg) * inSize;
                long yOff = ((long) n * m + (long) gi * mg) * outSize;
                gemm.packA(par, ws, (long) gi * mg * k, k, 1, mg, k);
                // A pointwise Conv in one chunk packs X itself as B; everything else unfolds from a heap copy.
                boolean direct = pointwise && chunk == outSize;
                if (!direct) copyGroup(xs, xOff, cg * inSize);
                for (int p0 = 0; p0 < outSize; p0 += chunk) {
                    int p1 = Math.min(outSize, p0 + chunk);
                    if (direct) {
                        cols.pack(xs, xOff, k, outSize, false);
                    } else {
                        unfold(par, cg, r, p0, p1);
                    }
                    gemm.multiply(par, cols, ys, (yOff + p0) * 4L, outSize);
                }
                if (bias != null) addBias(ys, yOff, bias, gi * mg, mg, outSize);
            }
        }
    }

    /**
     * Whether the product takes positions as rows: one group, a constant weight, the unfolded input and
     * the product within the chunk budget, and fewer tile elements computed than with positions as
     * columns (rows come in 4s and columns in panels of {@link FloatGemm#NRW}, so the two layouts
     * pad differently: 196 positions x 192 channels is exact as rows, 240 x 192 as columns).
     */
    private boolean positionsAsRows(Tensor w, int batch, int m, int outSize, int k) {
        if (group != 1 || w != constantWeight || layout == Layout.POSITIONS_AS_COLUMNS) return false;
        long rows = (long) batch * outSize;
        if (rows * k > chunkFloats || rows * m > chunkFloats) return false;
        if (layout == Layout.POSITIONS_AS_ROWS) return true;
        long asRows = roundUp(rows, FloatGemm.MR) * roundUp(m, FloatGemm.NRW);
        long asColumns = batch * roundUp(m, FloatGemm.MR) * roundUp(outSize, FloatGemm.NRW);
        return asRows < asColumns;
    }

    private static long roundUp(long n, int to) {
        return (n + to - 1) / to * to;
    }

    /** Y = (col x W^T + bias)^T per batch item, positions as the product's rows (see the class comment). */
    private void productByRows(Parallel par, MemorySegment xs, Tensor b, MemorySegment ys, ConvGeometry.Resolved r,
                               int batch, int channels, int m) {
        int positions = r.outSize();
        int k = channels * r.kernelSize();
        int rows = batch * positions;
        if (weightPanels == null) {
            Tensor w = constantWeight;
            weightPanels = setup.shared(List.of(w, "vector-gemm-panels-" + FloatGemm.NRW + "-transposed"),
                    () -> PackedMatrix.of(Segments.of(w), 0, k, m, true));
        }
        copyGroup(xs, 0, batch * channels * r.inSize());
        unfoldA = gemm.rowsOfA(rows, k);
        unfoldChannels = channels;
        try {
            if ((long) rows * k < IM2COL_PARALLEL_MIN || par.threads() <= 1) unfoldRows(0, rows);
            else par.forRange(rows, unfoldRowsBody);
        } finally {
            unfoldA = null;
        }
        long bytes = (long) rows * m * 4L;
        if (rowsProduct == null || rowsProduct.byteSize() < bytes) rowsProduct = Arena.ofAuto().allocate(bytes, 64);
        gemm.epilogue(b == null ? null : Segments.of(b), m, FloatGemm.ACT_NONE, -1, null);
        gemm.multiply(par, weightPanels, rowsProduct, 0, m);
        // [N][positions][M] -> [N][M][positions], through heap copies: two bulk copies and a blocked
        // transpose beat element-wise segment access.
        int size = rows * m;
        if (transposeIn.length < size) {
            transposeIn = new float[size];
            transposeOut = new float[size];
        }
        float[] in = transposeIn, out = transposeOut;
        MemorySegment.copy(rowsProduct, FLOAT_LE, 0, in, 0, size);
        final int tb = 16;
        for (int n = 0; n < batch; n++) {
            int base = n * positions * m;
            for (int i0 = 0; i0 < positions; i0 += tb) {
                int i1 = Math.min(positions, i0 + tb);
                for (int j0 = 0; j0 < m; j0 += tb) {
                    int j1 = Math.min(m, j0 + tb);
                    for (int i = i0; i < i1; i++) {
                        for (int j = j0; j < j1; j++) out[base + j * positions + i] = in[base + i * m + j];
                    }
                }
            }
        }
        MemorySegment.copy(out, 0, ys, FLOAT_LE, 0, size);
    }

    /**
     * Rows [q0, q1) of the unfolded input as A's rows: row q = n*OH*OW + oy*OW + ox holds, at column
     * (c, ky, kx), X[n, c, oy*sH - padTop + ky*dH, ox*sW - padLeft + kx*dW] (zero in the padding).
     * With dW = 1 each (c, ky) is one run of the input row, copied in bulk.
     */
    private void unfoldRows(int q0, int q1) {
        final ConvGeometry.Resolved r = geometry;
        final float[] x = xGroup, a = unfoldA;
        final int channels = unfoldChannels;
        final int kH = r.kH, kW = r.kW, inH = r.inH, inW = r.inW, outW = r.outW, positions = r.outSize();
        final int k = channels * kH * kW;
        for (int q = q0; q < q1; q++) {
            int n = q / positions, pos = q - n * positions;
            int oy = pos / outW, ox = pos - oy * outW;
            int ix0 = ox * r.sW - r.padLeft;
            int kxLo = 0, kxHi = kW;
            if (r.dW == 1) {
                kxLo = Math.min(kW, Math.max(0, -ix0));
                kxHi = Math.max(kxLo, Math.min(kW, inW - ix0));
            }
            int dst = q * k;
            for (int c = 0; c < channels; c++) {
                int plane = (n * channels + c) * inH * inW;
                for (int ky = 0; ky < kH; ky++, dst += kW) {
                    int iy = oy * r.sH - r.padTop + ky * r.dH;
                    if (iy < 0 || iy >= inH) {
                        Arrays.fill(a, dst, dst + kW, 0f);
                        continue;
                    }
                    int src = plane + iy * inW + ix0;
                    if (r.dW == 1) {
                        if (kxLo > 0) Arrays.fill(a, dst, dst + kxLo, 0f);
                        if (kxHi > kxLo) System.arraycopy(x, src + kxLo, a, dst + kxLo, kxHi - kxLo);
                        if (kxHi < kW) Arrays.fill(a, dst + kxHi, dst + kW, 0f);
                    } else {
                        for (int kx = 0; kx < kW; kx++) {
                            int ix = ix0 + kx * r.dW;
                            a[dst + kx] = ix >= 0 && ix < inW ? x[src + kx * r.dW] : 0f;
                        }
                    }
                }
            }
        }
    }

    private ConvGeometry.Resolved resolve(int[] xd, int[] wd) {
        if (geometry != null && Arrays.equals(xd, lastX) && Arrays.equals(wd, lastW)) return geometry;
        int[] kernel = Arrays.copyOfRange(wd, 2, wd.length);
        int[] ks = window.kernelShape();
        if (ks != null && !Arrays.equals(ks, kernel)) {
            throw new IllegalArgumentException("Conv kernel_shape " + Arrays.toString(ks) + " does not match W " + Arrays.toString(wd));
        }
        geometry = window.resolve(xd, kernel);
        lastX = xd.clone();
        lastW = wd.clone();
        return geometry;
    }

    /** Copies {@code elems} input elements from element offset {@code xOff} to {@link #xGroup}. */
    private void copyGroup(MemorySegment xs, long xOff, int elems) {
        if (xGroup.length < elems) xGroup = new float[elems];
        MemorySegment.copy(xs, FLOAT_LE, xOff * 4L, xGroup, 0, elems);
    }

    /** Unfolds output positions [p0, p1) of the group in {@link #xGroup} into {@link #cols}' panels. */
    private void unfold(Parallel par, int cg, ConvGeometry.Resolved r, int p0, int p1) {
        int nrw = FloatGemm.NRW;
        int k = cg * r.kernelSize();
        int p = p1 - p0;
        cols.k = k;
        cols.n = p;
        cols.panels = (p + nrw - 1) / nrw;
        int size = Math.max(1, cols.panels * k * nrw);
        if (cols.data.length < size) cols.data = new float[size];
        geometry = r;
        chunkFrom = p0;
        chunkTo = p1;
        if ((long) k * p < IM2COL_PARALLEL_MIN || par.threads() <= 1 || cg < 2) {
            im2col(0, cg);
        } else {
            par.forRange(cg, im2colBody);
        }
    }

    /**
     * Rows (c, ky, kx) of the unfolded input for channels [c0, c1) of the group in {@link #xGroup}, output
     * positions [chunkFrom, chunkTo): element p is X[c, oy*sH - padTop + ky*dH, ox*sW - padLeft + kx*dW]
     * (zero in the padding) for position p = oy*outW + ox, written to panel q / NRW, lane q % NRW with
     * q = p - chunkFrom; the lanes past the chunk's last position are zeroed.
     */
    private void im2col(int c0, int c1) {
        final ConvGeometry.Resolved r = geometry;
        final float[] x = xGroup;
        final float[] d = cols.data;
        final int nrw = FloatGemm.NRW;
        final int k = cols.k;
        final int panelStride = k * nrw;
        final int outW = r.outW, inH = r.inH, inW = r.inW, sW = r.sW;
        final int p0 = chunkFrom, p1 = chunkTo;
        final int oy0 = p0 / outW, oy1 = (p1 - 1) / outW;
        final int tail = cols.panels * nrw - (p1 - p0);
        final int lastPanel = (cols.panels - 1) * panelStride;
        final int kSize = r.kernelSize();
        for (int c = c0; c < c1; c++) {
            int cBase = c * inH * inW;
            for (int ky = 0; ky < r.kH; ky++) {
                for (int kx = 0; kx < r.kW; kx++) {
                    int row = c * kSize + ky * r.kW + kx;
                    int rowOff = row * nrw;
                    int ix0 = -r.padLeft + kx * r.dW;
                    // Output columns whose input column ix = ox*sW + ix0 lies in [0, inW).
                    int oxLo = ix0 >= 0 ? 0 : Math.min(outW, (-ix0 + sW - 1) / sW);
                    int oxHi = inW - 1 - ix0 < 0 ? 0 : Math.min(outW, (inW - 1 - ix0) / sW + 1);
                    if (oxHi < oxLo) oxHi = oxLo;
                    for (int oy = oy0; oy <= oy1; oy++) {
                        int rowPos = oy * outW - p0;
                        // This output row's columns inside the chunk.
                        int from = Math.max(0, -rowPos), to = Math.min(outW, p1 - p0 - rowPos);
                        int iy = oy * r.sH - r.padTop + ky * r.dH;
                        if (iy < 0 || iy >= inH) {
                            zero(d, panelStride, rowOff, rowPos + from, rowPos + to);
                            continue;
                        }
                        int lo = Math.max(from, Math.min(oxLo, to)), hi = Math.max(lo, Math.min(oxHi, to));
                        if (lo > from) zero(d, panelStride, rowOff, rowPos + from, rowPos + lo);
                        int src = cBase + iy * inW + lo * sW + ix0;
                        int q = rowPos + lo;
                        int end = rowPos + hi;
                        while (q < end) {
                            int panel = q / nrw;
                            int lane = q - panel * nrw;
                            int len = Math.min(end - q, nrw - lane);
                            int dst = panel * panelStride + rowOff + lane;
                            if (sW == 1) {
                                System.arraycopy(x, src, d, dst, len);
                                src += len;
                            } else {
                                for (int i = 0; i < len; i++, src += sW) d[dst + i] = x[src];
                            }
                            q += len;
                        }
                        if (hi < to) zero(d, panelStride, rowOff, rowPos + hi, rowPos + to);
                    }
                    if (tail > 0) Arrays.fill(d, lastPanel + rowOff + nrw - tail, lastPanel + rowOff + nrw, 0f);
                }
            }
        }
    }

    /** Zeros positions [from, to) of the unfolded row at {@code rowOff} within each panel. */
    private static void zero(float[] d, int panelStride, int rowOff, int from, int to) {
        final int nrw = FloatGemm.NRW;
        while (from < to) {
            int panel = from / nrw;
            int lane = from - panel * nrw;
            int len = Math.min(to - from, nrw - lane);
            int dst = panel * panelStride + rowOff + lane;
            Arrays.fill(d, dst, dst + len, 0f);
            from += len;
        }
    }

    /** Adds bias[b0 + i] to row i of the rows x cols block of Y at element offset {@code yOff}. */
    private static void addBias(MemorySegment y, long yOff, float[] bias, int b0, int rows, int cols) {
        var s = FloatGemm.S;
        int l = s.length();
        for (int i = 0; i < rows; i++) {
            long o = (yOff + (long) i * cols) * 4L;
            FloatVector vb = FloatVector.broadcast(s, bias[b0 + i]);
            int j = 0;
            for (; j + l <= cols; j += l) {
                long oj = o + j * 4L;
                FloatVector.fromMemorySegment(s, y, oj, LE).add(vb).intoMemorySegment(y, oj, LE);
            }
            if (j < cols) {
                VectorMask<Float> mask = s.indexInRange(j, cols);
                long oj = o + j * 4L;
                FloatVector.fromMemorySegment(s, y, oj, LE, mask).add(vb).intoMemorySegment(y, oj, LE, mask);
            }
        }
    }
}
