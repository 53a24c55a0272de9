package dev.petrel.ops.tensor;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/** SpaceToDepth: [N, C, H, W] to [N, C*b*b, H/b, W/b], output channel (bh, bw, c); a strided view of the input. */
final class SpaceToDepthKernel implements Kernel {
    private final int block;

    SpaceToDepthKernel(Node node) {
        long b = node.attributes().requireInt("blocksize");
        if (b < 1 || b > 65536) throw new IllegalArgumentException("SpaceToDepth blocksize must be positive, got " + b);
        block = (int) b;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        if (x.rank() != 4) throw new IllegalArgumentException("SpaceToDepth input must be 4-D, got " + x.describe());
        int n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
        int b = block;
        if (h % b != 0 || w % b != 0) {
            throw new IllegalArgumentException("SpaceToDepth height and width of " + x.describe() + " must be divisible by blocksize " + b);
        }
        Tensor y = ctx.output(0, x.dtype(), ShapeArgs.dims(new long[] {n, (long) c * b * b, h / b, w / b}, "SpaceToDepth output shape"));
        if (y.size() == 0) return;
        int hw = h * w;
        int[] dims = {n, b, b, c, h / b, w / b};
        int[] strides = {c * hw, w, 1, hw, b * w, b};
        StridedCopy.copy(x, 0, dims, strides, y, 0, ctx.parallel());
    }
}
