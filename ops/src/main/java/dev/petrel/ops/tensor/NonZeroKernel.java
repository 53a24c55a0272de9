package dev.petrel.ops.tensor;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/** NonZero: INT64 [rank, n] coordinates of the non-zero elements in row-major order (a scalar counts as rank 1). */
final class NonZeroKernel implements Kernel {
    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        int size = x.size();
        DType t = x.dtype();
        int n = 0;
        for (int i = 0; i < size; i++) if (Scalars.isNonZero(x.bytes(), i, t)) n++;
        int r = x.rank();
        int rows = Math.max(r, 1);
        Tensor y = ctx.output(0, DType.INT64, rows, n);
        int[] dims = x.dims();
        int[] idx = new int[r];
        int col = 0;
        for (int i = 0; i < size; i++) {
            if (Scalars.isNonZero(x.bytes(), i, t)) {
                if (r == 0) y.longs().put(col, 0);
                for (int d = 0; d < r; d++) y.longs().put(d * n + col, idx[d]);
                col++;
            }
            for (int d = r - 1; d >= 0; d--) {
                if (++idx[d] < dims[d]) break;
                idx[d] = 0;
            }
        }
    }
}
