package dev.petrel.vector;

import dev.petrel.spi.Parallel;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Direct convolution for Conv nodes where every output channel reads a single input channel (group =
 * C, any channel multiplier): SLAB's 5x5 DWC, MobileNet-style 3x3. Each input plane is copied into a
 * zero-bordered scratch plane, so the loops need no bounds tests; with a horizontal stride of 1 the
 * output is vectorized along the width, four output rows at a time so that four independent FMA
 * chains hide the FMA latency (a 7-wide SLA map fills a single vector per row, and one chain of 25
 * dependent FMAs would be latency-bound). Wider strides run a scalar loop over the same plane.
 *
 * <p>Planes are dealt to threads in parts, each with its own scratch; an instance serves one call at a time.
 */
final class DepthwiseConv {
    private static final VectorSpecies<Float> S = FloatGemm.S;
    private static final int L = S.length();
    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Below this many multiply-adds the planes run on the calling thread. */
    private static final long PARALLEL_MIN = 1L << 16;

    /** One zero-bordered plane per part, with the geometry its border was zeroed for. */
    private float[][] planes = new float[1][];
    private int[][] planeKeys = new int[1][];
    /** The current call's scratch geometry: padded height and width, interior origin and size. */
    private final int[] key = new int[6];

    // The call being split over threads, in fields so that the parallel body allocates nothing.
    private MemorySegment xs, ys;
    private float[] w, bias;
    private ConvGeometry.Resolved g;
    private int channels, m, planeCount, parts, hp, wp;
    private final Parallel.RangeBody body = this::runParts;

    /**
     * y[n, oc] = bias[oc] + conv(x[n, oc / (m / channels)], w[oc]) for every batch item and output
     * channel; {@code w} holds kH x kW taps per output channel.
     */
    void run(Parallel par, MemorySegment xs, float[] w, float[] bias, MemorySegment ys, ConvGeometry.Resolved g,
             int batch, int channels, int m) {
        int rowsNeeded = (g.outH - 1) * g.sH + (g.kH - 1) * g.dH + 1;
        int colsNeeded = (g.outW - 1) * g.sW + (g.kW - 1) * g.dW + 1;
        if (g.sW == 1) {
            // The last vector of a row reads up to a whole vector past the last output column.
            colsNeeded = ((g.outW + L - 1) / L) * L + (g.kW - 1) * g.dW;
        }
        this.hp = Math.max(rowsNeeded, g.padTop + g.inH);
        this.wp = Math.max(colsNeeded, g.padLeft + g.inW);
        key[0] = hp; key[1] = wp; key[2] = g.padTop; key[3] = g.padLeft; key[4] = g.inH; key[5] = g.inW;
        this.xs = xs;
        this.ys = ys;
        this.w = w;
        this.bias = bias;
        this.g = g;
        this.channels = channels;
        this.m = m;
        this.planeCount = batch * m;
        long work = (long) planeCount * g.outSize() * g.kernelSize();
        int threads = work < PARALLEL_MIN ? 1 : Math.min(par.threads(), planeCount);
        int p = threads <= 1 ? 1 : Math.min(planeCount, threads * 2);
        if (planes.length < p) {
            planes = Arrays.copyOf(planes, p);
            planeKeys = Arrays.copyOf(planeKeys, p);
        }
        this.parts = p;
        try {
            if (p == 1) {
                runParts(0, 1);
            } else {
                par.forRange(p, body);
            }
        } finally {
            this.xs = null;
            this.ys = null;
        }
    }

    private void runParts(int t0, int t1) {
        for (int t = t0; t < t1; t++) {
            int from = (int) ((long) planeCount * t / parts);
            int to = (int) ((long) planeCount * (t + 1) / parts);
            float[] plane = plane(t);
            for (int q = from; q < to; q++) convolvePlane(q, plane);
        }
    }

    /** Part t's scratch plane, its border zeroed for the current geometry. */
    private float[] plane(int t) {
        int size = hp * wp;
        // The interior is rewritten for every plane at the same place, so the border stays zero as long
        // as the geometry (padded size, interior placement) is the same.
        float[] p = planes[t];
        if (p == null || p.length < size) {
            p = planes[t] = new float[size];
            planeKeys[t] = key.clone();
        } else if (!Arrays.equals(planeKeys[t], key)) {
            Arrays.fill(p, 0, size, 0f);
            planeKeys[t] = key.clone();
        }
        return p;
    }

    private void convolvePlane(int q, float[] plane) {
        final ConvGeometry.Resolved g = this.g;
        int n = q / m;
        int oc = q - n * m;
        int ic = oc / (m / channels);
        long inOff = ((long) n * channels + ic) * g.inSize();
        final int wp = this.wp;
        for (int iy = 0; iy < g.inH; iy++) {
            MemorySegment.copy(xs, FLOAT_LE, (inOff + (long) iy * g.inW) * 4L, plane, (g.padTop + iy) * wp + g.padLeft, g.inW);
        }
        int kSize = g.kernelSize();
        int wOff = oc * kSize;
        float b = bias == null ? 0f : bias[oc];
        long outOff = (long) q * g.outSize() * 4L;
        if (g.sW == 1) {
            vectorRows(plane, wOff, b, outOff);
        } else {
            scalarRows(plane, wOff, b, outOff);
        }
    }

    private void vectorRows(float[] x, int wOff, float b, long outOff) {
        final ConvGeometry.Resolved g = this.g;
        final float[] w = this.w;
        final MemorySegment y = ys;
        final int wp = this.wp, kH = g.kH, kW = g.kW, dW = g.dW;
        final int outW = g.outW, outH = g.outH;
        final int rowStep = g.sH * wp, tapRowStep = g.dH * wp;
        FloatVector vb = FloatVector.broadcast(S, b);
        int oy = 0;
        for (; oy + 4 <= outH; oy += 4) {
            for (int ox = 0; ox < outW; ox += L) {
                FloatVector a0 = vb, a1 = vb, a2 = vb, a3 = vb;
                int r = oy * rowStep + ox;
                for (int ky = 0; ky < kH; ky++, r += tapRowStep) {
                    int wi = wOff + ky * kW;
                    for (int kx = 0, c = r; kx < kW; kx++, c += dW) {
                        FloatVector wv = FloatVector.broadcast(S, w[wi + kx]);
                        a0 = FloatVector.fromArray(S, x, c).fma(wv, a0);
                        a1 = FloatVector.fromArray(S, x, c + rowStep).fma(wv, a1);
                        a2 = FloatVector.fromArray(S, x, c + 2 * rowStep).fma(wv, a2);
                        a3 = FloatVector.fromArray(S, x, c + 3 * rowStep).fma(wv, a3);
                    }
                }
                long o = outOff + ((long) oy * outW + ox) * 4L;
                long rowBytes = outW * 4L;
                if (ox + L <= outW) {
                    a0.intoMemorySegment(y, o, LE);
                    a1.intoMemorySegment(y, o + rowBytes, LE);
                    a2.intoMemorySegment(y, o + 2 * rowBytes, LE);
                    a3.intoMemorySegment(y, o + 3 * rowBytes, LE);
                } else {
                    VectorMask<Float> mask = S.indexInRange(ox, outW);
                    a0.intoMemorySegment(y, o, LE, mask);
                    a1.intoMemorySegment(y, o + rowBytes, LE, mask);
                    a2.intoMemorySegment(y, o + 2 * rowBytes, LE, mask);
                    a3.intoMemorySegment(y, o + 3 * rowBytes, LE, mask);
                }
            }
        }
        for (; oy < outH; oy++) {
            for (int ox = 0; ox < outW; ox += L) {
                FloatVector a0 = vb;
                int r = oy * rowStep + ox;
                for (int ky = 0; ky < kH; ky++, r += tapRowStep) {
                    int wi = wOff + ky * kW;
                    for (int kx = 0, c = r; kx < kW; kx++, c += dW) {
                        a0 = FloatVector.fromArray(S, x, c).fma(FloatVector.broadcast(S, w[wi + kx]), a0);
                    }
                }
                long o = outOff + ((long) oy * outW + ox) * 4L;
                if (ox + L <= outW) {
                    a0.intoMemorySegment(y, o, LE);
                } else {
                    a0.intoMemorySegment(y, o, LE, S.indexInRange(ox, outW));
                }
            }
        }
    }

    private void scalarRows(float[] x, int wOff, float b, long outOff) {
        final ConvGeometry.Resolved g = this.g;
        final float[] w = this.w;
        final int wp = this.wp;
        long o = outOff;
        for (int oy = 0; oy < g.outH; oy++) {
            for (int ox = 0; ox < g.outW; ox++, o += 4) {
                float acc = b;
                int r = oy * g.sH * wp + ox * g.sW;
                for (int ky = 0; ky < g.kH; ky++, r += g.dH * wp) {
                    int wi = wOff + ky * g.kW;
                    for (int kx = 0; kx < g.kW; kx++) acc += x[r + kx * g.dW] * w[wi + kx];
                }
                ys.set(FLOAT_LE, o, acc);
            }
        }
    }
}
