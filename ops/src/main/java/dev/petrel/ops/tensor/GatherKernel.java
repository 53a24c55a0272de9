package dev.petrel.ops.tensor;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Shapes;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import dev.petrel.spi.Parallel;

/**
 * Gather along one axis: output shape data[:axis] + indices.shape + data[axis+1:]. Each index selects
 * a contiguous block of data[axis+1:], so axis 0 (an embedding lookup) copies whole rows.
 */
final class GatherKernel implements Kernel {
    /** Below this many elements splitting the blocks over threads costs more than it saves. */
    private static final int PARALLEL_ELEMENTS = 1 << 16;

    private final long axis;

    GatherKernel(Node node) {
        axis = node.attributes().getInt("axis", 0);
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor data = ctx.requireInput(0);
        Tensor indices = ctx.requireInput(1);
        Indices.requireIndexType(indices, "Gather input 'indices'");
        int r = data.rank();
        if (r == 0) throw new IllegalArgumentException("Gather input 'data' must have rank >= 1, got " + data.describe());
        int a = ShapeArgs.axis(axis, r, "Gather axis");
        int q = indices.rank();
        long[] outDims = new long[r - 1 + q];
        for (int d = 0; d < a; d++) outDims[d] = data.dim(d);
        for (int d = 0; d < q; d++) outDims[a + d] = indices.dim(d);
        for (int d = a + 1; d < r; d++) outDims[q + d - 1] = data.dim(d);
        Tensor y = ctx.output(0, data.dtype(), ShapeArgs.dims(outDims, "Gather output shape"));
        int outer = Shapes.product(data.dims(), 0, a);
        int inner = Shapes.product(data.dims(), a + 1, r);
        int dim = data.dim(a);
        int n = indices.size();
        int[] idx = new int[n];
        for (int k = 0; k < n; k++) idx[k] = Indices.get(indices, k, dim, "Gather index");
        if (inner == 0) return;
        int blocks = outer * n;
        Parallel.RangeBody body = (from, to) -> {
            for (int b = from; b < to; b++) {
                int o = b / n;
                int k = b - o * n;
                ElementCopier.copy(data, (o * dim + idx[k]) * inner, y, b * inner, inner);
            }
        };
        if ((long) blocks * inner >= PARALLEL_ELEMENTS) ctx.parallel().forRange(blocks, body);
        else body.run(0, blocks);
    }
}
