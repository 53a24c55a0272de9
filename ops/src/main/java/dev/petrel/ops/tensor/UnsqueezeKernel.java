package dev.petrel.ops.tensor;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.spi.KernelContext;

/** Unsqueeze: inserts size-1 dimensions at the given axes of the output (attribute before opset 13, input 1 after). */
final class UnsqueezeKernel extends ReshapeLikeKernel {
    private final long[] attrAxes;

    UnsqueezeKernel(Node node) {
        if (node.opsetVersion() < 13) {
            attrAxes = node.attributes().getInts("axes");
            if (attrAxes == null) throw new IllegalArgumentException("Unsqueeze needs the 'axes' attribute before opset 13");
        } else {
            attrAxes = null;
        }
    }

    @Override
    int[] outputDims(KernelContext ctx, Tensor x) {
        long[] axes = attrAxes != null ? attrAxes : ShapeArgs.ints(ctx.requireInput(1), "Unsqueeze input 'axes'");
        int r = x.rank() + axes.length;
        boolean[] inserted = new boolean[r];
        for (int a : ShapeArgs.axes(axes, r, "Unsqueeze axes")) inserted[a] = true;
        int[] out = new int[r];
        for (int i = 0, j = 0; i < r; i++) out[i] = inserted[i] ? 1 : x.dim(j++);
        return out;
    }
}
