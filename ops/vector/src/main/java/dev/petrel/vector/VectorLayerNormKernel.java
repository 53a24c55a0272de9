package dev.petrel.vector;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.fused.LayerNormParameters;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import dev.petrel.spi.Parallel;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code dev.petrel::LayerNormalization(X, Scale[, B])}, FLOAT, last axis, as the portable kernel
 * defines it. Per row: the mean, then the variance as the mean of squared deviations (two passes over
 * a row that stays in L1, rather than E[x²] - mean², which cancels when the mean dominates), then
 * {@code (x - mean)·inv·Scale + B}. Sums run in float lanes on values shifted by the row's first
 * element; the mean is kept as two floats (hi + lo) and the scalars in double. Rows are split between threads.
 */
final class VectorLayerNormKernel implements Kernel {
    private static final VectorSpecies<Float> S = VectorErf.S;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final java.lang.foreign.ValueLayout.OfFloat FLOAT_LE =
            java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    private static final int PARALLEL_MIN_ELEMENTS = 1 << 14;

    private final LayerNormParameters params;
    private final Parallel.RangeBody body = this::rows;
    private MemorySegment xs;
    private MemorySegment ys;
    private int n;

    VectorLayerNormKernel(Node node) {
        this(new LayerNormParameters(node));
    }

    VectorLayerNormKernel(LayerNormParameters params) {
        this.params = params;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        Tensor s = ctx.requireInput(1);
        Tensor b = ctx.input(2);
        int n = params.load(x, s, b);
        Tensor y = ctx.output(0, DType.FLOAT, x.dims());
        int rows = n == 0 ? 0 : x.size() / n;
        if (rows == 0) return;
        this.xs = Segments.of(x);
        this.ys = Segments.of(y);
        this.n = n;
        Parallel p = ctx.parallel();
        if (x.size() < PARALLEL_MIN_ELEMENTS || p.threads() <= 1) {
            rows(0, rows);
        } else {
            p.forRange(rows, body);
        }
        this.xs = null;
        this.ys = null;
    }

    private void rows(int r0, int r1) {
        rows(xs, ys, n, params.scale(), params.bias(), params.epsilon, r0, r1);
    }

    /** Normalizes rows r0..r1 (n wide) of x into y with scale g and bias bb. */
    static void rows(MemorySegment x, MemorySegment y, int n, float[] g, float[] bb, float epsilon, int r0, int r1) {
        final int l = S.length();
        final int full = n - n % l;
        // Lanes summed in order here: reduceLanes may add in another order compiled than interpreted,
        // and a run must give the same answer every time. The few tail elements run as scalars, which
        // keeps this method small (C2 compiles it sooner; until then every vector operation allocates).
        final float[] lanes = new float[l];
        for (int r = r0; r < r1; r++) {
            long row = (long) r * n * 4L;
            // Sums of x - x0 (the row's first element): a large common offset then costs no precision.
            float x0 = x.get(FLOAT_LE, row);
            FloatVector vp = FloatVector.broadcast(S, x0);
            FloatVector acc = FloatVector.zero(S);
            for (int j = 0; j < full; j += l) acc = acc.add(FloatVector.fromMemorySegment(S, x, row + j * 4L, LE).sub(vp));
            acc.intoArray(lanes, 0);
            double sum = 0;
            for (int q = 0; q < l; q++) sum += lanes[q];
            for (int j = full; j < n; j++) sum += x.get(FLOAT_LE, row + j * 4L) - x0;
            double mean = x0 + sum / n;
            // The mean as hi + lo floats: x - hi is exact when x is near the mean, so deviations keep double accuracy.
            float hi = (float) mean;
            float lo = (float) (mean - hi);
            FloatVector vm = FloatVector.broadcast(S, hi);
            FloatVector vlo = FloatVector.broadcast(S, lo);
            FloatVector sq = FloatVector.zero(S);
            for (int j = 0; j < full; j += l) {
                FloatVector d = FloatVector.fromMemorySegment(S, x, row + j * 4L, LE).sub(vm).sub(vlo);
                sq = d.fma(d, sq);
            }
            sq.intoArray(lanes, 0);
            double ss = 0;
            for (int q = 0; q < l; q++) ss += lanes[q];
            for (int j = full; j < n; j++) {
                float d = x.get(FLOAT_LE, row + j * 4L) - hi - lo;
                ss += d * d;
            }
            float inv = (float) (1.0 / Math.sqrt(ss / n + epsilon));
            FloatVector vi = FloatVector.broadcast(S, inv);
            for (int j = 0; j < full; j += l) {
                long o = row + j * 4L;
                FloatVector d = FloatVector.fromMemorySegment(S, x, o, LE).sub(vm).sub(vlo).mul(vi);
                d.fma(FloatVector.fromArray(S, g, j), FloatVector.fromArray(S, bb, j)).intoMemorySegment(y, o, LE);
            }
            for (int j = full; j < n; j++) {
                long o = row + j * 4L;
                y.set(FLOAT_LE, o, Math.fma((x.get(FLOAT_LE, o) - hi - lo) * inv, g[j], bb[j]));
            }
        }
    }
}
