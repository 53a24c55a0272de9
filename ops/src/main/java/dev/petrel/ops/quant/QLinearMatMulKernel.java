package dev.petrel.ops.quant;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.ops.Elements;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/**
 * QLinearMatMul: the zero-point corrected int32 product, requantized with the multiplier
 * {@code a_scale * b_scale / y_scale} (computed in float, in that order, as ONNX Runtime does), rounded
 * half to even and saturated to the type of y_zero_point.
 */
final class QLinearMatMulKernel implements Kernel {
    private final IntGemm gemm = new IntGemm();
    private int[] acc = new int[0];

    @Override
    public void run(KernelContext ctx) {
        Tensor a = ctx.requireInput(0);
        Tensor aScale = ctx.requireInput(1);
        Tensor aZp = ctx.input(2);
        Tensor b = ctx.requireInput(3);
        Tensor bScale = ctx.requireInput(4);
        Tensor bZp = ctx.input(5);
        Tensor yScale = ctx.requireInput(6);
        Tensor yZp = ctx.input(7);
        gemm.prepare(a, aZp, b, bZp, "a", "b");
        int m = gemm.m;
        int n = gemm.n;
        checkVector(aScale, m, "a_scale", "rows of a");
        checkVector(bScale, n, "b_scale", "columns of b");
        checkVector(yScale, m, "y_scale", "rows of a");
        if (yZp != null) checkVector(yZp, m, "y_zero_point", "rows of a");
        DType outType = yZp == null ? DType.UINT8 : yZp.dtype();
        int lo = QuantMath.min(outType);
        int hi = QuantMath.max(outType);
        int total = gemm.batches * m * n;
        if (acc.length < total) acc = new int[total];
        gemm.compute(ctx.parallel(), acc, null);
        Tensor y = ctx.output(0, outType, gemm.outDims);
        int idx = 0;
        for (int t = 0; t < gemm.batches; t++) {
            for (int i = 0; i < m; i++) {
                float as = (float) Elements.getDouble(aScale, aScale.size() == 1 ? 0 : i);
                float ys = (float) Elements.getDouble(yScale, yScale.size() == 1 ? 0 : i);
                int z = yZp == null ? 0 : (int) Elements.getLong(yZp, yZp.size() == 1 ? 0 : i);
                for (int j = 0; j < n; j++, idx++) {
                    float multiplier = as * (float) Elements.getDouble(bScale, bScale.size() == 1 ? 0 : j) / ys;
                    float v = (float) acc[idx] * multiplier;
                    Elements.putLong(y, idx, QuantMath.saturate(Math.rint(v) + z, lo, hi));
                }
            }
        }
    }

    private static void checkVector(Tensor t, int length, String name, String what) {
        if (t.size() == 1) return;
        if (t.rank() != 1 || t.dim(0) != length) {
            throw new IllegalArgumentException("input '" + name + "' " + t.describe() + " must be a scalar or a 1-D tensor of "
                    + length + " values (one per " + what + ")");
        }
    }
}
