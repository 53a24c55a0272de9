package dev.petrel.ops.quant;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/** MatMulInteger: int32 product of 8-bit matrices after subtracting their zero points. */
final class MatMulIntegerKernel implements Kernel {
    private final IntGemm gemm = new IntGemm();

    @Override
    public void run(KernelContext ctx) {
        gemm.prepare(ctx.requireInput(0), ctx.input(2), ctx.requireInput(1), ctx.input(3), "A", "B");
        Tensor y = ctx.output(0, DType.INT32, gemm.outDims);
        gemm.compute(ctx.parallel(), null, y.ints());
    }
}
