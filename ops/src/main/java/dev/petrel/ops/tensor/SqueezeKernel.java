package dev.petrel.ops.tensor;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.spi.KernelContext;
import java.util.Arrays;

/** Squeeze: removes the listed size-1 dimensions (attribute before opset 13, input 1 after), or all of them. */
final class SqueezeKernel extends ReshapeLikeKernel {
    private final long[] attrAxes;
    private final boolean axesInput;

    SqueezeKernel(Node node) {
        axesInput = node.opsetVersion() >= 13;
        attrAxes = axesInput ? null : node.attributes().getInts("axes");
    }

    @Override
    int[] outputDims(KernelContext ctx, Tensor x) {
        long[] axes = attrAxes;
        if (axesInput && ctx.input(1) != null) axes = ShapeArgs.ints(ctx.input(1), "Squeeze input 'axes'");
        int r = x.rank();
        boolean[] drop = new boolean[r];
        if (axes == null) {
            for (int i = 0; i < r; i++) drop[i] = x.dim(i) == 1;
        } else {
            for (int a : ShapeArgs.axes(axes, r, "Squeeze axes")) {
                if (x.dim(a) != 1) {
                    throw new IllegalArgumentException("Squeeze axis " + a + " of input " + x.describe() + " has size "
                            + x.dim(a) + ", not 1 (axes " + Arrays.toString(axes) + ")");
                }
                drop[a] = true;
            }
        }
        int n = 0;
        for (boolean b : drop) if (!b) n++;
        int[] out = new int[n];
        for (int i = 0, j = 0; i < r; i++) if (!drop[i]) out[j++] = x.dim(i);
        return out;
    }
}
