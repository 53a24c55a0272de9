package dev.petrel.ops.tensor;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/** Shape: the input's dimensions as INT64, optionally the range [start, end) of them (opset 15+), clamped. */
final class ShapeKernel implements Kernel {
    private final long start;
    private final Long end;

    ShapeKernel(Node node) {
        boolean ranged = node.opsetVersion() >= 15;
        start = ranged ? node.attributes().getInt("start", 0) : 0;
        end = ranged && node.attributes().has("end") ? node.attributes().getInt("end", 0) : null;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        int r = x.rank();
        int from = clamp(start, r);
        int to = end == null ? r : clamp(end, r);
        int n = Math.max(to - from, 0);
        Tensor y = ctx.output(0, DType.INT64, n);
        for (int i = 0; i < n; i++) y.longs().put(i, x.dim(from + i));
    }

    private static int clamp(long v, int rank) {
        if (v < 0) v += rank;
        return (int) Math.max(0, Math.min(rank, v));
    }
}
