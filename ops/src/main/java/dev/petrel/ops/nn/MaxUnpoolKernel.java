package dev.petrel.ops.nn;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.ops.Shapes;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.util.Arrays;

/**
 * MaxUnpool: zeros, with each input value placed where its Indices entry points (a flat index into the
 * unpooled shape, as MaxPool produces them). The unpooled shape is, per spatial axis,
 * (in - 1) * stride + kernel - pad_begin - pad_end; a larger optional output_shape keeps each value
 * at the same coordinates.
 */
final class MaxUnpoolKernel implements Kernel {
    private final long[] kernel;
    private final long[] strides;
    private final long[] pads;
    private double[] xs;
    private double[] ys;

    MaxUnpoolKernel(Node node) {
        this.kernel = node.attributes().getInts("kernel_shape");
        if (kernel == null) throw new IllegalArgumentException("MaxUnpool requires the kernel_shape attribute");
        this.strides = node.attributes().getInts("strides");
        this.pads = node.attributes().getInts("pads");
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor xt = ctx.requireInput(0);
        Tensor it = ctx.requireInput(1);
        Tensor shapeT = ctx.input(2);
        int[] xd = xt.dims();
        int rank = xd.length - 2;
        if (rank < 1 || kernel.length != rank) {
            throw new IllegalArgumentException("MaxUnpool input " + xt.describe() + " does not match kernel_shape " + Arrays.toString(kernel));
        }
        if (!Arrays.equals(it.dims(), xd)) {
            throw new IllegalArgumentException("MaxUnpool indices I must have the shape of X " + xt.describe() + ", got " + it.describe());
        }
        int[] inferred = xd.clone();
        for (int i = 0; i < rank; i++) {
            long st = strides == null ? 1 : strides[i];
            long p = pads == null ? 0 : pads[i] + pads[i + rank];
            inferred[2 + i] = (int) ((xd[2 + i] - 1) * st + kernel[i] - p);
        }
        int[] od = inferred;
        if (shapeT != null) {
            od = Shapes.dimsFrom(shapeT);
            if (od.length != xd.length || od[0] != xd[0] || od[1] != xd[1]) {
                throw new IllegalArgumentException("MaxUnpool output_shape " + Arrays.toString(od) + " must be [" + xd[0] + ", " + xd[1] + ", ...] of rank " + xd.length);
            }
        }
        Tensor yt = ctx.output(0, xt.dtype(), od);
        int ySize = yt.size();
        double[] y = ys = ys != null && ys.length >= ySize ? ys : new double[ySize];
        Arrays.fill(y, 0, ySize, 0);
        double[] x = xs = Elements.toDoubles(xt, xs);
        long[] idx = Shapes.longs(it);
        int inferredSize = Shapes.product(inferred, 0, inferred.length);
        boolean same = Arrays.equals(inferred, od);
        int[] outStrides = Shapes.strides(od);
        for (int i = 0; i < idx.length; i++) {
            long j = idx[i];
            if (j < 0 || j >= inferredSize) {
                throw new IllegalArgumentException("MaxUnpool index " + j + " at position " + i + " is outside the unpooled shape "
                        + Arrays.toString(inferred) + " (" + inferredSize + " elements)");
            }
            int target = (int) j;
            if (!same) {
                // Indices address the unpooled shape; output_shape only enlarges the canvas around those coordinates.
                int rem = (int) j;
                target = 0;
                for (int d = inferred.length - 1; d >= 0; d--) {
                    int c = rem % inferred[d];
                    rem /= inferred[d];
                    if (c >= od[d]) {
                        throw new IllegalArgumentException("MaxUnpool index " + j + " falls outside output_shape " + Arrays.toString(od));
                    }
                    target += c * outStrides[d];
                }
            }
            y[target] = x[i];
        }
        Elements.storeDoubles(yt, y);
    }
}
