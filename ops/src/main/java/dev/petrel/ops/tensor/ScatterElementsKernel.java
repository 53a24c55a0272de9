package dev.petrel.ops.tensor;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/**
 * ScatterElements (and the deprecated Scatter of opset 9-10): a copy of data where
 * out[i with its axis coordinate replaced by indices[i]] (op)= updates[i]. Reductions from opset 16
 * (add, mul) and 18 (max, min); duplicates are applied in index order.
 */
final class ScatterElementsKernel implements Kernel {
    private final long axis;
    private final Scalars.Reduction reduction;

    ScatterElementsKernel(Node node) {
        axis = node.attributes().getInt("axis", 0);
        reduction = Scalars.Reduction.of(node, "ScatterElements");
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor data = ctx.requireInput(0);
        Tensor indices = ctx.requireInput(1);
        Tensor updates = ctx.requireInput(2);
        Indices.requireIndexType(indices, "ScatterElements input 'indices'");
        int r = data.rank();
        if (r == 0) throw new IllegalArgumentException("ScatterElements input 'data' must have rank >= 1");
        if (indices.rank() != r || !updates.hasDims(indices.dims())) {
            throw new IllegalArgumentException("ScatterElements needs indices and updates of one shape and data's rank: data "
                    + data.describe() + ", indices " + indices.describe() + ", updates " + updates.describe());
        }
        if (updates.dtype() != data.dtype()) {
            throw new IllegalArgumentException("ScatterElements updates " + updates.describe() + " must have the type of data " + data.describe());
        }
        int a = ShapeArgs.axis(axis, r, "ScatterElements axis");
        Indices.requireWithinOffAxis(data, indices, a, "ScatterElements");
        Tensor y = ctx.output(0, data.dtype(), data.dims());
        ElementCopier.copyAll(data, y);
        int n = indices.size();
        if (n == 0) return;
        int[] offsets = Indices.elementOffsets(data, indices, a, "ScatterElements index");
        for (int i = 0; i < n; i++) Scalars.combine(y.bytes(), offsets[i], updates.bytes(), i, data.dtype(), reduction);
    }
}
