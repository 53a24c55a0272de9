package dev.petrel.ops.tensor;

import dev.petrel.Tensor;
import dev.petrel.ops.Shapes;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.util.Arrays;

/**
 * Tile: output dimension i is d[i] * repeats[i]. Seen as the shape [r0, d0, r1, d1, ...] the output
 * is a strided view of the input with stride 0 on the repeat axes, so {@link StridedCopy} does it.
 */
final class TileKernel implements Kernel {
    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        long[] repeats = ShapeArgs.ints(ctx.requireInput(1), "Tile input 'repeats'");
        int r = x.rank();
        if (repeats.length != r) {
            throw new IllegalArgumentException("Tile repeats " + Arrays.toString(repeats) + " must have one entry per dimension of " + x.describe());
        }
        long[] outDims = new long[r];
        for (int i = 0; i < r; i++) {
            if (repeats[i] < 0) throw new IllegalArgumentException("Tile repeats " + Arrays.toString(repeats) + " contain a negative value");
            outDims[i] = x.dim(i) * repeats[i];
            if (outDims[i] > Integer.MAX_VALUE) outDims[i] = Long.MAX_VALUE;
        }
        int[] dims = ShapeArgs.dims(outDims, "Tile output shape");
        Tensor y = ctx.output(0, x.dtype(), dims);
        if (y.size() == 0) return;
        int[] inStrides = Shapes.strides(x.dims());
        int[] vDims = new int[2 * r];
        int[] vStrides = new int[2 * r];
        for (int i = 0; i < r; i++) {
            vDims[2 * i] = (int) repeats[i];
            vDims[2 * i + 1] = x.dim(i);
            vStrides[2 * i + 1] = inStrides[i];
        }
        StridedCopy.copy(x, 0, vDims, vStrides, y, 0, ctx.parallel());
    }
}
