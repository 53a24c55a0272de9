package dev.petrel.ops.tensor;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/**
 * OneHot: a new axis of size depth inserted at 'axis'; values[1] where the position equals the index
 * (negative indices count from depth), values[0] elsewhere, including for indices out of range.
 */
final class OneHotKernel implements Kernel {
    private final long axis;

    OneHotKernel(Node node) {
        axis = node.attributes().getInt("axis", -1);
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor indices = ctx.requireInput(0);
        Tensor depthT = ctx.requireInput(1);
        Tensor values = ctx.requireInput(2);
        if (depthT.size() != 1) throw new IllegalArgumentException("OneHot depth must have one element, got " + depthT.describe());
        if (values.size() != 2) throw new IllegalArgumentException("OneHot values must have two elements [off, on], got " + values.describe());
        double depthValue = Scalars.toDouble(depthT.bytes(), 0, depthT.dtype());
        if (!(depthValue >= 1) || depthValue > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("OneHot depth must be a positive integer, got " + depthValue);
        }
        int depth = (int) depthValue;
        int r = indices.rank();
        long a = axis < 0 ? axis + r + 1 : axis;
        if (a < 0 || a > r) throw new IllegalArgumentException("OneHot axis " + axis + " is out of range for indices of rank " + r);
        long[] outDims = new long[r + 1];
        for (int d = 0, j = 0; d <= r; d++) outDims[d] = d == a ? depth : indices.dim(j++);
        Tensor y = ctx.output(0, values.dtype(), ShapeArgs.dims(outDims, "OneHot output shape"));
        int w = values.dtype().byteSize();
        long off = ElementCopier.bits(values, 0);
        long on = ElementCopier.bits(values, 1);
        ElementCopier.fill(y.bytes(), 0, y.size(), off, w);
        int inner = 1;
        for (int d = (int) a; d < r; d++) inner *= indices.dim(d);
        int n = indices.size();
        for (int i = 0; i < n; i++) {
            double v = Scalars.toDouble(indices.bytes(), i, indices.dtype());
            long idx = (long) v;
            if (idx < 0) idx += depth;
            if (idx < 0 || idx >= depth) continue;
            int outer = i / inner;
            int in = i % inner;
            ElementCopier.putBits(y.bytes(), (outer * depth + (int) idx) * inner + in, on, w);
        }
    }
}
