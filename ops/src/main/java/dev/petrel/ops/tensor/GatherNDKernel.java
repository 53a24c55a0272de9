package dev.petrel.ops.tensor;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Shapes;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/**
 * GatherND with batch_dims b: each index tuple (last axis of indices, length m) selects the block
 * data[batch, i1..im, ...]; output shape indices.shape[:-1] + data.shape[b+m:].
 */
final class GatherNDKernel implements Kernel {
    private final int batchDims;

    GatherNDKernel(Node node) {
        long b = node.attributes().getInt("batch_dims", 0);
        if (b < 0) throw new IllegalArgumentException("GatherND batch_dims must be >= 0, got " + b);
        batchDims = (int) b;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor data = ctx.requireInput(0);
        Tensor indices = ctx.requireInput(1);
        Indices.requireIndexType(indices, "GatherND input 'indices'");
        int r = data.rank();
        int q = indices.rank();
        int b = batchDims;
        if (r < 1 || q < 1) throw new IllegalArgumentException("GatherND needs data and indices of rank >= 1, got "
                + data.describe() + " and " + indices.describe());
        if (b >= Math.min(r, q)) throw new IllegalArgumentException("GatherND batch_dims " + b + " must be less than the ranks of "
                + data.describe() + " and " + indices.describe());
        int m = indices.dim(q - 1);
        if (m < 1 || m > r - b) {
            throw new IllegalArgumentException("GatherND indices " + indices.describe() + " have tuples of length " + m
                    + ", which must be in [1, " + (r - b) + "] for data " + data.describe() + " and batch_dims " + b);
        }
        for (int d = 0; d < b; d++) {
            if (data.dim(d) != indices.dim(d)) {
                throw new IllegalArgumentException("GatherND batch dimension " + d + " differs: data " + data.describe()
                        + ", indices " + indices.describe());
            }
        }
        long[] outDims = new long[q - 1 + r - b - m];
        int o = 0;
        for (int d = 0; d < q - 1; d++) outDims[o++] = indices.dim(d);
        for (int d = b + m; d < r; d++) outDims[o++] = data.dim(d);
        Tensor y = ctx.output(0, data.dtype(), ShapeArgs.dims(outDims, "GatherND output shape"));
        int batches = Shapes.product(data.dims(), 0, b);
        int tuples = Shapes.product(indices.dims(), b, q - 1);
        int block = Shapes.product(data.dims(), b + m, r);
        int batchSize = Shapes.product(data.dims(), b, r);
        int[] strides = Shapes.strides(data.dims());
        for (int bi = 0; bi < batches; bi++) {
            for (int t = 0; t < tuples; t++) {
                int tuple = bi * tuples + t;
                int src = bi * batchSize;
                for (int j = 0; j < m; j++) {
                    src += Indices.get(indices, tuple * m + j, data.dim(b + j), "GatherND index") * strides[b + j];
                }
                ElementCopier.copy(data, src, y, tuple * block, block);
            }
        }
    }
}
