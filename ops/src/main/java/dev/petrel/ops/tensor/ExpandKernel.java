package dev.petrel.ops.tensor;

import dev.petrel.Tensor;
import dev.petrel.ops.Broadcast;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/** Expand: the input broadcast (both ways) with the shape given in input 1. */
final class ExpandKernel implements Kernel {
    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        int[] shape = ShapeArgs.dims(ShapeArgs.ints(ctx.requireInput(1), "Expand input 'shape'"), "Expand shape");
        int[] out = Broadcast.shape(x.dims(), shape);
        ShapeArgs.size(out, "Expand output shape");
        Tensor y = ctx.output(0, x.dtype(), out);
        if (y.size() > 0) StridedCopy.copy(x, 0, out, Broadcast.strides(x.dims(), out), y, 0, ctx.parallel());
    }
}
