package dev.petrel.ops.tensor;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/**
 * Trilu over the last two axes of a batch of matrices: keeps j - i >= k (upper) or j - i <= k
 * (lower), zeroes the rest. Zero is the all-zero bit pattern in every element type.
 */
final class TriluKernel implements Kernel {
    private final boolean upper;

    TriluKernel(Node node) {
        upper = node.attributes().getInt("upper", 1) != 0;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        if (x.rank() < 2) throw new IllegalArgumentException("Trilu input must have rank >= 2, got " + x.describe());
        long k = ctx.input(1) == null ? 0 : ShapeArgs.scalar(ctx.input(1), "Trilu input 'k'");
        int n = x.dim(x.rank() - 2);
        int m = x.dim(x.rank() - 1);
        Tensor y = ctx.output(0, x.dtype(), x.dims());
        if (y.size() == 0) return;
        int batches = y.size() / (n * m);
        int w = x.dtype().byteSize();
        for (int b = 0; b < batches; b++) {
            for (int i = 0; i < n; i++) {
                int row = (b * n + i) * m;
                // Columns [from, to) are kept; the rest of the row is zero.
                long from = upper ? Math.max(0, Math.min(m, i + k)) : 0;
                long to = upper ? m : Math.max(0, Math.min(m, i + k + 1));
                if (to < from) to = from;
                ElementCopier.fill(y.bytes(), row, (int) from, 0, w);
                ElementCopier.copy(x, row + (int) from, y, row + (int) from, (int) (to - from));
                ElementCopier.fill(y.bytes(), row + (int) to, m - (int) to, 0, w);
            }
        }
    }
}
