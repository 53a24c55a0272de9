package dev.petrel.ops.tensor;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/**
 * Compress: the slices along 'axis' (or the elements of the flattened input) whose condition entry
 * is true; a condition shorter than the axis leaves the remaining slices out.
 */
final class CompressKernel implements Kernel {
    private final Long axis;

    CompressKernel(Node node) {
        axis = node.attributes().has("axis") ? node.attributes().getInt("axis", 0) : null;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        Tensor cond = ctx.requireInput(1);
        if (cond.rank() != 1) throw new IllegalArgumentException("Compress condition must be 1-D, got " + cond.describe());
        int outer;
        int dim;
        int inner;
        int a = -1;
        if (axis == null) {
            outer = 1;
            dim = x.size();
            inner = 1;
        } else {
            a = ShapeArgs.axis(axis, x.rank(), "Compress axis");
            outer = 1;
            for (int d = 0; d < a; d++) outer *= x.dim(d);
            dim = x.dim(a);
            inner = 1;
            for (int d = a + 1; d < x.rank(); d++) inner *= x.dim(d);
        }
        int len = cond.size();
        int kept = 0;
        for (int i = 0; i < len; i++) {
            if (Scalars.isNonZero(cond.bytes(), i, cond.dtype())) {
                if (i >= dim) {
                    throw new IllegalArgumentException("Compress condition " + cond.describe() + " selects index " + i
                            + ", beyond the " + dim + " slices of " + x.describe());
                }
                kept++;
            }
        }
        int[] dims;
        if (a < 0) {
            dims = new int[] {kept};
        } else {
            dims = x.dims();
            dims[a] = kept;
        }
        Tensor y = ctx.output(0, x.dtype(), dims);
        int out = 0;
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < len && i < dim; i++) {
                if (!Scalars.isNonZero(cond.bytes(), i, cond.dtype())) continue;
                ElementCopier.copy(x, (o * dim + i) * inner, y, out, inner);
                out += inner;
            }
        }
    }
}
