package dev.petrel.ops.tensor;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Shapes;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.util.Arrays;

/**
 * ScatterND: a copy of data where each index tuple (last axis of indices, length k) selects the block
 * data[i1..ik, ...] that the matching block of updates replaces or, from opset 16, is combined into.
 */
final class ScatterNDKernel implements Kernel {
    private final Scalars.Reduction reduction;

    ScatterNDKernel(Node node) {
        reduction = Scalars.Reduction.of(node, "ScatterND");
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor data = ctx.requireInput(0);
        Tensor indices = ctx.requireInput(1);
        Tensor updates = ctx.requireInput(2);
        Indices.requireIndexType(indices, "ScatterND input 'indices'");
        int r = data.rank();
        int q = indices.rank();
        if (q < 1) throw new IllegalArgumentException("ScatterND indices must have rank >= 1, got " + indices.describe());
        int k = indices.dim(q - 1);
        if (k > r) throw new IllegalArgumentException("ScatterND index tuples of length " + k + " exceed the rank of data " + data.describe());
        int[] expected = new int[q - 1 + r - k];
        for (int d = 0; d < q - 1; d++) expected[d] = indices.dim(d);
        for (int d = k; d < r; d++) expected[q - 1 + d - k] = data.dim(d);
        if (!updates.hasDims(expected) || updates.dtype() != data.dtype()) {
            throw new IllegalArgumentException("ScatterND updates " + updates.describe() + " must be " + data.dtype()
                    + Arrays.toString(expected) + " for data " + data.describe() + " and indices " + indices.describe());
        }
        Tensor y = ctx.output(0, data.dtype(), data.dims());
        ElementCopier.copyAll(data, y);
        int tuples = Shapes.product(indices.dims(), 0, q - 1);
        int block = Shapes.product(data.dims(), k, r);
        int[] strides = Shapes.strides(data.dims());
        int w = data.dtype().byteSize();
        for (int t = 0; t < tuples; t++) {
            int dst = 0;
            for (int j = 0; j < k; j++) dst += Indices.get(indices, t * k + j, data.dim(j), "ScatterND index") * strides[j];
            if (reduction == Scalars.Reduction.NONE) {
                ElementCopier.copy(updates.bytes(), t * block, y.bytes(), dst, block, w);
            } else {
                for (int e = 0; e < block; e++) Scalars.combine(y.bytes(), dst + e, updates.bytes(), t * block + e, data.dtype(), reduction);
            }
        }
    }
}
