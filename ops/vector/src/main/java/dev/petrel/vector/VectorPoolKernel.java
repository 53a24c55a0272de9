package dev.petrel.vector;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import dev.petrel.spi.KernelSetup;
import dev.petrel.spi.Parallel;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * FLOAT MaxPool and AveragePool over 1-D and 2-D windows (strides, dilations, pads, auto_pad,
 * ceil_mode, count_include_pad). As in {@link DepthwiseConv}, each input plane is copied into a scratch
 * plane whose border holds the padding value (-inf for the maximum, 0 for the sum), so the window loops
 * have no bounds tests; with a horizontal stride of 1 they run along the width in vectors. The average
 * divides by the per-axis tap counts (the portable kernel's rule: input taps, plus explicit padding with
 * count_include_pad, never the positions a ceil_mode window reaches beyond the padding), which factor
 * into a row count times a column count.
 *
 * <p>MaxPool's Indices output, 3-D windows, padding as wide as the window and other element types run
 * the portable kernel.
 */
final class VectorPoolKernel implements Kernel {
    private static final VectorSpecies<Float> S = FloatGemm.S;
    private static final int L = S.length();
    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final long PARALLEL_MIN = 1L << 16;

    private final Node node;
    private final KernelSetup setup;
    private final boolean max;
    private final boolean includePad;
    private final ConvGeometry window;
    private final int[] kernelShape;
    private Kernel portable;

    private int[] lastX;
    private ConvGeometry.Resolved geometry;
    /** Per output row and column: the reciprocal tap counts of the average (row count, column count). */
    private float[] rowCount, colCount;

    private float[][] planes = new float[1][];
    private int[][] planeKeys = new int[1][];
    private final int[] key = new int[6];
    // The call being split over threads, in fields so that the parallel body allocates nothing.
    private MemorySegment xs, ys;
    private int planeCount, parts, hp, wp;
    private final Parallel.RangeBody body = this::runParts;

    VectorPoolKernel(Node node, KernelSetup setup, boolean max) {
        this.node = node;
        this.setup = setup;
        this.max = max;
        this.includePad = !max && node.attributes().getInt("count_include_pad", 0) != 0;
        this.window = new ConvGeometry(node);
        this.kernelShape = window.kernelShape();
        if (kernelShape == null) throw new IllegalArgumentException(node.opType() + " requires the kernel_shape attribute");
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        int rank = x.rank();
        if (x.dtype() != DType.FLOAT || rank < 3 || rank > 4 || kernelShape.length != rank - 2 || (max && ctx.hasOutput(1))
                || !resolve(x.dims())) {
            if (portable == null) portable = Segments.portableKernel(node, setup, x.dtype());
            portable.run(ctx);
            return;
        }
        ConvGeometry.Resolved g = geometry;
        int[] xd = x.dims();
        Tensor y = ctx.output(0, DType.FLOAT, g.outDims(xd[0], xd[1]));
        if (y.size() == 0) return;
        hp = Math.max((g.outH - 1) * g.sH + (g.kH - 1) * g.dH + 1, g.padTop + g.inH);
        int cols = (g.outW - 1) * g.sW + (g.kW - 1) * g.dW + 1;
        if (g.sW == 1) cols = ((g.outW + L - 1) / L) * L + (g.kW - 1) * g.dW;
        wp = Math.max(cols, g.padLeft + g.inW);
        key[0] = hp; key[1] = wp; key[2] = g.padTop; key[3] = g.padLeft; key[4] = g.inH; key[5] = g.inW;
        xs = Segments.of(x);
        ys = Segments.of(y);
        planeCount = xd[0] * xd[1];
        long work = (long) planeCount * g.outSize() * g.kernelSize();
        int threads = work < PARALLEL_MIN ? 1 : Math.min(ctx.parallel().threads(), planeCount);
        int p = threads <= 1 ? 1 : Math.min(planeCount, threads * 2);
        if (planes.length < p) {
            planes = Arrays.copyOf(planes, p);
            planeKeys = Arrays.copyOf(planeKeys, p);
        }
        parts = p;
        try {
            if (p == 1) {
                runParts(0, 1);
            } else {
                ctx.parallel().forRange(p, body);
            }
        } finally {
            xs = null;
            ys = null;
        }
    }

    /** Resolves the geometry for input dims {@code xd}; false when the portable kernel should take it. */
    private boolean resolve(int[] xd) {
        if (geometry != null && Arrays.equals(xd, lastX)) return true;
        ConvGeometry.Resolved g = window.resolve(xd, kernelShape);
        // A window that could lie wholly in the padding has no maximum and no average: the portable
        // kernel's answer is the reference there.
        if (g.padTop > (g.kH - 1) * g.dH || g.padLeft > (g.kW - 1) * g.dW
                || g.padBottom > (g.kH - 1) * g.dH || g.padRight > (g.kW - 1) * g.dW) {
            return false;
        }
        if (!max) {
            rowCount = counts(g.outH, g.sH, g.kH, g.dH, g.padTop, g.padBottom, g.inH);
            colCount = counts(g.outW, g.sW, g.kW, g.dW, g.padLeft, g.padRight, g.inW);
        }
        geometry = g;
        lastX = xd.clone();
        return true;
    }

    /** Taps of each output position along one axis that count toward the average (at least 1). */
    private float[] counts(int out, int s, int k, int d, int pb, int pe, int in) {
        float[] c = new float[out + L];
        Arrays.fill(c, 1f);
        for (int o = 0; o < out; o++) {
            int n = 0;
            for (int t = 0; t < k; t++) {
                int i = o * s - pb + t * d;
                if ((i >= 0 && i < in) || (includePad && i >= -pb && i < in + pe)) n++;
            }
            c[o] = Math.max(1, n);
        }
        return c;
    }

    private void runParts(int t0, int t1) {
        for (int t = t0; t < t1; t++) {
            int from = (int) ((long) planeCount * t / parts);
            int to = (int) ((long) planeCount * (t + 1) / parts);
            float[] plane = plane(t);
            for (int q = from; q < to; q++) poolPlane(q, plane);
        }
    }

    private float[] plane(int t) {
        int size = hp * wp;
        float[] p = planes[t];
        if (p == null || p.length < size || !Arrays.equals(planeKeys[t], key)) {
            if (p == null || p.length < size) p = planes[t] = new float[size];
            // The interior is rewritten at the same place for every plane; the border keeps this value.
            Arrays.fill(p, 0, size, max ? Float.NEGATIVE_INFINITY : 0f);
            planeKeys[t] = key.clone();
        }
        return p;
    }

    private void poolPlane(int q, float[] x) {
        final ConvGeometry.Resolved g = geometry;
        long inOff = (long) q * g.inSize();
        for (int iy = 0; iy < g.inH; iy++) {
            MemorySegment.copy(xs, FLOAT_LE, (inOff + (long) iy * g.inW) * 4L, x, (g.padTop + iy) * wp + g.padLeft, g.inW);
        }
        long outOff = (long) q * g.outSize() * 4L;
        if (g.sW == 1) {
            vectorRows(x, outOff);
        } else {
            scalarRows(x, outOff);
        }
    }

    private void vectorRows(float[] x, long outOff) {
        final ConvGeometry.Resolved g = geometry;
        final MemorySegment y = ys;
        final int wp = this.wp, kH = g.kH, kW = g.kW, dW = g.dW, outW = g.outW;
        final boolean max = this.max;
        FloatVector init = FloatVector.broadcast(S, max ? Float.NEGATIVE_INFINITY : 0f);
        for (int oy = 0; oy < g.outH; oy++) {
            int rowBase = oy * g.sH * wp;
            for (int ox = 0; ox < outW; ox += L) {
                FloatVector a = init;
                int r = rowBase + ox;
                for (int ky = 0; ky < kH; ky++, r += g.dH * wp) {
                    for (int kx = 0, c = r; kx < kW; kx++, c += dW) {
                        FloatVector v = FloatVector.fromArray(S, x, c);
                        a = max ? a.lanewise(VectorOperators.MAX, v) : a.add(v);
                    }
                }
                if (!max) a = a.div(FloatVector.fromArray(S, colCount, ox).mul(rowCount[oy]));
                long o = outOff + ((long) oy * outW + ox) * 4L;
                if (ox + L <= outW) {
                    a.intoMemorySegment(y, o, LE);
                } else {
                    VectorMask<Float> m = S.indexInRange(ox, outW);
                    a.intoMemorySegment(y, o, LE, m);
                }
            }
        }
    }

    private void scalarRows(float[] x, long outOff) {
        final ConvGeometry.Resolved g = geometry;
        long o = outOff;
        for (int oy = 0; oy < g.outH; oy++) {
            for (int ox = 0; ox < g.outW; ox++, o += 4) {
                float a = max ? Float.NEGATIVE_INFINITY : 0f;
                int r = oy * g.sH * wp + ox * g.sW;
                for (int ky = 0; ky < g.kH; ky++, r += g.dH * wp) {
                    for (int kx = 0; kx < g.kW; kx++) {
                        float v = x[r + kx * g.dW];
                        a = max ? Math.max(a, v) : a + v;
                    }
                }
                if (!max) a /= colCount[ox] * rowCount[oy];
                ys.set(FLOAT_LE, o, a);
            }
        }
    }
}
