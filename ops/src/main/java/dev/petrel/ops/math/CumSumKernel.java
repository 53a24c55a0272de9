package dev.petrel.ops.math;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.ops.Shapes;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/**
 * CumSum along the axis given by the second input (a scalar). {@code exclusive} leaves the current
 * element out of its own sum; {@code reverse} sums from the end. The running sum is kept in the
 * element type's precision (float for FLOAT and the 16-bit floats, like ONNX Runtime).
 */
final class CumSumKernel implements Kernel {
    private final boolean exclusive;
    private final boolean reverse;

    CumSumKernel(Node node) {
        this.exclusive = node.attributes().getInt("exclusive", 0) != 0;
        this.reverse = node.attributes().getInt("reverse", 0) != 0;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        Tensor axisT = ctx.requireInput(1);
        if (axisT.rank() > 1) {
            throw new IllegalArgumentException("CumSum axis must be a scalar, got " + axisT.describe());
        }
        int rank = x.rank();
        if (rank == 0) throw new IllegalArgumentException("CumSum input must have rank >= 1, got " + x.describe());
        int ax = Shapes.axis(Elements.scalarLong(axisT, "CumSum axis"), rank);
        int[] dims = x.dims();
        Tensor y = ctx.output(0, x.dtype(), dims);
        int n = dims[ax];
        int outer = Shapes.product(dims, 0, ax);
        int inner = Shapes.product(dims, ax + 1, rank);
        DType t = x.dtype();
        boolean floating = t.isFloatingPoint();
        boolean dbl = t == DType.DOUBLE;
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int base = o * n * inner + i;
                float fs = 0f;
                double ds = 0;
                long ls = 0;
                for (int s = 0; s < n; s++) {
                    int j = reverse ? n - 1 - s : s;
                    int at = base + j * inner;
                    if (floating) {
                        double v = Elements.getDouble(x, at);
                        if (exclusive) Elements.putDouble(y, at, dbl ? ds : fs);
                        if (dbl) ds += v; else fs += (float) v;
                        if (!exclusive) Elements.putDouble(y, at, dbl ? ds : fs);
                    } else {
                        long v = Elements.getLong(x, at);
                        if (exclusive) Elements.putLong(y, at, ls);
                        ls += v;
                        if (!exclusive) Elements.putLong(y, at, ls);
                    }
                }
            }
        }
    }
}
