package dev.petrel.ops.tensor;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/** Concat along one axis: for each outer index, the inputs' blocks one after another. */
final class ConcatKernel implements Kernel {
    private final long axis;

    ConcatKernel(Node node) {
        // Opset 1-3 made the axis optional with default 1.
        axis = node.opsetVersion() < 4 ? node.attributes().getInt("axis", 1) : node.attributes().requireInt("axis");
    }

    @Override
    public void run(KernelContext ctx) {
        int n = ctx.inputCount();
        Tensor first = ctx.requireInput(0);
        int r = first.rank();
        if (r == 0) throw new IllegalArgumentException("Concat cannot join rank-0 tensors");
        int a = ShapeArgs.axis(axis, r, "Concat axis");
        Tensor[] in = new Tensor[n];
        long total = 0;
        for (int i = 0; i < n; i++) {
            Tensor t = ctx.requireInput(i);
            if (t.dtype() != first.dtype()) {
                throw new IllegalArgumentException("Concat input " + i + " is " + t.describe() + ", input 0 is " + first.describe());
            }
            if (t.rank() != r) throw new IllegalArgumentException("Concat input " + i + " is " + t.describe() + ", input 0 has rank " + r);
            for (int d = 0; d < r; d++) {
                if (d != a && t.dim(d) != first.dim(d)) {
                    throw new IllegalArgumentException("Concat input " + i + " is " + t.describe() + ", dimension " + d
                            + " must be " + first.dim(d) + " as in input 0 " + first.describe());
                }
            }
            total += t.dim(a);
            in[i] = t;
        }
        long[] outDims = first.shape();
        outDims[a] = total;
        int[] dims = ShapeArgs.dims(outDims, "Concat output shape");
        Tensor y = ctx.output(0, first.dtype(), dims);
        int outer = 1;
        for (int d = 0; d < a; d++) outer *= dims[d];
        int inner = 1;
        for (int d = a + 1; d < r; d++) inner *= dims[d];
        int rowOut = dims[a] * inner;
        int offset = 0;
        for (Tensor t : in) {
            int block = t.dim(a) * inner;
            for (int o = 0; o < outer; o++) ElementCopier.copy(t, o * block, y, o * rowOut + offset, block);
            offset += block;
        }
    }
}
