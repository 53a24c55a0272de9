package dev.petrel.ops.tensor;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/** Size: the input's element count as an INT64 scalar. */
final class SizeKernel implements Kernel {
    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        ctx.output(0, DType.INT64).longs().put(0, x.size());
    }
}
