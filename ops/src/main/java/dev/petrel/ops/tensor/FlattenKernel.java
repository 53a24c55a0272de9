package dev.petrel.ops.tensor;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.spi.KernelContext;

/** Flatten: [d0..d(axis-1)] and [d(axis)..] each collapsed into one dimension. */
final class FlattenKernel extends ReshapeLikeKernel {
    private final long axis;

    FlattenKernel(Node node) {
        axis = node.attributes().getInt("axis", 1);
    }

    @Override
    int[] outputDims(KernelContext ctx, Tensor x) {
        int r = x.rank();
        long a = axis < 0 ? axis + r : axis;
        if (a < 0 || a > r) throw new IllegalArgumentException("Flatten axis " + axis + " is out of range for rank " + r);
        long outer = 1;
        long inner = 1;
        for (int i = 0; i < r; i++) {
            if (i < a) outer *= x.dim(i);
            else inner *= x.dim(i);
        }
        return ShapeArgs.dims(new long[] {outer, inner}, "Flatten output shape");
    }
}
