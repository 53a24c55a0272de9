package dev.petrel.ops.nn;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.ops.Shapes;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import dev.petrel.spi.Parallel;
import java.nio.FloatBuffer;

/**
 * Softmax and LogSoftmax (they share every loop but the last). Opsets 1-12 flatten the input to 2-D at
 * {@code axis} (default 1) and normalize each row; opset 13+ normalizes along the single {@code axis}
 * (default -1). Both are viewed as [outer, n, inner] with the reduction over n. The maximum is
 * subtracted first so large inputs do not overflow.
 */
final class SoftmaxKernel implements Kernel {
    private final boolean log;
    private final boolean coerce2d;
    private final long axis;
    private float[] rowScratch;
    private double[] inScratch;
    private double[] outScratch;

    SoftmaxKernel(Node node, boolean log) {
        this.log = log;
        this.coerce2d = node.opsetVersion() < 13;
        this.axis = node.attributes().getInt("axis", coerce2d ? 1 : -1);
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        int[] dims = x.dims();
        int rank = dims.length;
        int outer;
        int n;
        int inner;
        if (rank == 0) {
            outer = 1;
            n = 1;
            inner = 1;
        } else {
            int a = Shapes.axis(axis, rank);
            outer = Shapes.product(dims, 0, a);
            if (coerce2d) {
                n = Shapes.product(dims, a, rank);
                inner = 1;
            } else {
                n = dims[a];
                inner = Shapes.product(dims, a + 1, rank);
            }
        }
        Tensor y = ctx.output(0, x.dtype(), dims);
        if (x.size() == 0) return;
        if (x.dtype() == DType.FLOAT && inner == 1) {
            lastAxisFloat(ctx.parallel(), x.floats(), y.floats(), outer, n);
            return;
        }
        double[] in = Elements.toDoubles(x, inScratch);
        inScratch = in;
        double[] out = outScratch != null && outScratch.length >= in.length ? outScratch : new double[in.length];
        outScratch = out;
        strided(in, out, outer, n, inner);
        Elements.storeDoubles(y, out);
    }

    /** The attention hot path: contiguous rows of floats. */
    private void lastAxisFloat(Parallel par, FloatBuffer in, FloatBuffer out, int rows, int n) {
        boolean shared = par.threads() == 1;
        if (shared && (rowScratch == null || rowScratch.length < n)) rowScratch = new float[n];
        par.forRange(rows, (from, to) -> {
            float[] row = shared ? rowScratch : new float[n];
            for (int r = from; r < to; r++) {
                int base = r * n;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    float v = in.get(base + j);
                    row[j] = v;
                    if (v > max) max = v;
                }
                if (max == Float.NEGATIVE_INFINITY) max = 0f;
                if (log) {
                    double sum = 0;
                    for (int j = 0; j < n; j++) sum += Math.exp(row[j] - max);
                    float shift = (float) (max + Math.log(sum));
                    for (int j = 0; j < n; j++) out.put(base + j, row[j] - shift);
                } else {
                    float sum = 0f;
                    for (int j = 0; j < n; j++) {
                        float e = (float) Math.exp(row[j] - max);
                        row[j] = e;
                        sum += e;
                    }
                    float inv = 1f / sum;
                    for (int j = 0; j < n; j++) out.put(base + j, row[j] * inv);
                }
            }
        });
    }

    private void strided(double[] in, double[] out, int outer, int n, int inner) {
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int base = o * n * inner + i;
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) max = Math.max(max, in[base + j * inner]);
                if (max == Double.NEGATIVE_INFINITY) max = 0;
                double sum = 0;
                for (int j = 0; j < n; j++) {
                    double e = Math.exp(in[base + j * inner] - max);
                    out[base + j * inner] = e;
                    sum += e;
                }
                if (log) {
                    double shift = max + Math.log(sum);
                    for (int j = 0; j < n; j++) out[base + j * inner] = in[base + j * inner] - shift;
                } else {
                    double inv = 1.0 / sum;
                    for (int j = 0; j < n; j++) out[base + j * inner] *= inv;
                }
            }
        }
    }
}
