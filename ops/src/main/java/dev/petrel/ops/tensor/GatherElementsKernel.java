package dev.petrel.ops.tensor;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Shapes;
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
        for (int d = 0; d < r; d++) {
            if (d != a && indices.dim(d) > data.dim(d)) {
                throw new IllegalArgumentException("GatherElements indices " + indices.describe() + " exceed data "
                        + data.describe() + " in dimension " + d);
            }
        }
        Tensor y = ctx.output(0, data.dtype(), indices.dims());
        int n = indices.size();
        if (n == 0) return;
        int[] dStrides = Shapes.strides(data.dims());
        int[] idims = indices.dims();
        int[] pos = new int[r];
        int base = 0;
        int w = data.dtype().byteSize();
        int dim = data.dim(a);
        for (int i = 0; i < n; i++) {
            int k = Indices.get(indices, i, dim, "GatherElements index");
            ElementCopier.copy(data.bytes(), base + k * dStrides[a], y.bytes(), i, 1, w);
            for (int d = r - 1; d >= 0; d--) {
                pos[d]++;
                if (d != a) base += dStrides[d];
                if (pos[d] < idims[d]) break;
                if (d != a) base -= dStrides[d] * idims[d];
                pos[d] = 0;
            }
        }
    }
}
