package dev.petrel.ops.tensor;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/** GatherElements: out[i] = data[i with its axis coordinate replaced by indices[i]]; output shape = indices shape. */
final class GatherElementsKernel implements Kernel {
    private final long axis;

    GatherElementsKernel(Node node) {
        axis = node.attributes().getInt("axis", 0);
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor data = ctx.requireInput(0);
        Tensor indices = ctx.requireInput(1);
        Indices.requireIndexType(indices, "GatherElements input 'indices'");
        int r = data.rank();
        if (indices.rank() != r) {
            throw new IllegalArgumentException("GatherElements indices " + indices.describe() + " must have the rank of data " + data.describe());
        }
        if (r == 0) throw new IllegalArgumentException("GatherElements input 'data' must have rank >= 1");
        int a = ShapeArgs.axis(axis, r, "GatherElements axis");
        Indices.requireWithinOffAxis(data, indices, a, "GatherElements");
        Tensor y = ctx.output(0, data.dtype(), indices.dims());
        int n = indices.size();
        if (n == 0) return;
        int[] offsets = Indices.elementOffsets(data, indices, a, "GatherElements index");
        int w = data.dtype().byteSize();
        for (int i = 0; i < n; i++) ElementCopier.copy(data.bytes(), offsets[i], y.bytes(), i, 1, w);
    }
}
