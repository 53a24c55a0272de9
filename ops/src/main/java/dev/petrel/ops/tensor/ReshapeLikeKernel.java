package dev.petrel.ops.tensor;

import dev.petrel.Tensor;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/** Operators whose output is the input's elements unchanged under another shape. */
abstract class ReshapeLikeKernel implements Kernel {
    /** The output shape; must hold exactly as many elements as {@code x}. */
    abstract int[] outputDims(KernelContext ctx, Tensor x);

    @Override
    public final void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        int[] dims = outputDims(ctx, x);
        Tensor y = ctx.output(0, x.dtype(), dims);
        ElementCopier.copyAll(x, y);
    }
}
