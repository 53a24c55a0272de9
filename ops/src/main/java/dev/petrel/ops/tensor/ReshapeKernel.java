package dev.petrel.ops.tensor;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.spi.KernelContext;
import java.util.Arrays;

/** Reshape: shape from the {@code shape} attribute (opset 1-4) or input 1 (opset 5+). */
final class ReshapeKernel extends ReshapeLikeKernel {
    private final long[] attrShape;
    private final boolean allowZero;

    ReshapeKernel(Node node) {
        if (node.opsetVersion() < 5) {
            attrShape = node.attributes().getInts("shape");
            if (attrShape == null) throw new IllegalArgumentException("Reshape needs the 'shape' attribute before opset 5");
        } else {
            attrShape = null;
        }
        allowZero = node.opsetVersion() >= 14 && node.attributes().getInt("allowzero", 0) != 0;
    }

    @Override
    int[] outputDims(KernelContext ctx, Tensor x) {
        long[] shape = attrShape != null ? attrShape : ShapeArgs.ints(ctx.requireInput(1), "Reshape input 'shape'");
        return resolve(x.dims(), shape, allowZero);
    }

    /** Applies the 0 (copy) and -1 (infer) rules of Reshape. */
    static int[] resolve(int[] in, long[] shape, boolean allowZero) {
        long[] out = shape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < out.length; i++) {
            long d = out[i];
            if (d == -1) {
                if (infer >= 0) throw new IllegalArgumentException("Reshape shape " + Arrays.toString(shape) + " has more than one -1");
                infer = i;
                continue;
            }
            if (d == 0 && !allowZero) {
                if (i >= in.length) {
                    throw new IllegalArgumentException("Reshape shape " + Arrays.toString(shape) + " copies dimension " + i
                            + " with 0, but the input " + Arrays.toString(in) + " has rank " + in.length);
                }
                d = in[i];
                out[i] = d;
            }
            if (d < 0) throw new IllegalArgumentException("Reshape shape " + Arrays.toString(shape) + " has invalid dimension " + d);
            known *= d;
            if (known > Integer.MAX_VALUE) throw new IllegalArgumentException("Reshape shape " + Arrays.toString(shape) + " is too large");
        }
        long size = 1;
        for (int d : in) size *= d;
        if (infer >= 0) {
            if (allowZero && known == 0) {
                throw new IllegalArgumentException("Reshape shape " + Arrays.toString(shape) + " has both 0 and -1 with allowzero=1");
            }
            if (known == 0 || size % known != 0) {
                throw new IllegalArgumentException("cannot reshape " + Arrays.toString(in) + " to " + Arrays.toString(shape)
                        + ": the -1 dimension cannot be inferred");
            }
            out[infer] = size / known;
        } else if (known != size) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(in) + " (" + size + " elements) to "
                    + Arrays.toString(shape) + " (" + known + " elements)");
        }
        return ShapeArgs.dims(out, "Reshape output shape");
    }
}
