package dev.petrel.ops.tensor;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Shapes;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.util.Arrays;

/**
 * Slice: starts, ends, axes from attributes (opset 1-9) or inputs 1-4 (opset 10+, with steps).
 * Out-of-range starts and ends (including the INT64 min/max sentinels) are clamped as the spec says.
 */
final class SliceKernel implements Kernel {
    private final long[] attrStarts;
    private final long[] attrEnds;
    private final long[] attrAxes;

    SliceKernel(Node node) {
        if (node.opsetVersion() < 10) {
            attrStarts = node.attributes().getInts("starts");
            attrEnds = node.attributes().getInts("ends");
            attrAxes = node.attributes().getInts("axes");
            if (attrStarts == null || attrEnds == null) {
                throw new IllegalArgumentException("Slice needs the 'starts' and 'ends' attributes before opset 10");
            }
        } else {
            attrStarts = attrEnds = attrAxes = null;
        }
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        long[] starts;
        long[] ends;
        long[] axes;
        long[] steps = null;
        if (attrStarts != null) {
            starts = attrStarts;
            ends = attrEnds;
            axes = attrAxes;
        } else {
            starts = ShapeArgs.ints(ctx.requireInput(1), "Slice input 'starts'");
            ends = ShapeArgs.ints(ctx.requireInput(2), "Slice input 'ends'");
            axes = ctx.input(3) == null ? null : ShapeArgs.ints(ctx.input(3), "Slice input 'axes'");
            steps = ctx.input(4) == null ? null : ShapeArgs.ints(ctx.input(4), "Slice input 'steps'");
        }
        int r = x.rank();
        int n = starts.length;
        if (ends.length != n || (axes != null && axes.length != n) || (steps != null && steps.length != n)) {
            throw new IllegalArgumentException("Slice starts " + Arrays.toString(starts) + ", ends " + Arrays.toString(ends)
                    + (axes != null ? ", axes " + Arrays.toString(axes) : "") + (steps != null ? ", steps " + Arrays.toString(steps) : "")
                    + " must have the same length");
        }
        int[] ax;
        if (axes == null) {
            if (n > r) throw new IllegalArgumentException("Slice has " + n + " starts for an input of rank " + r);
            ax = new int[n];
            for (int i = 0; i < n; i++) ax[i] = i;
        } else {
            ax = ShapeArgs.axes(axes, r, "Slice axes");
        }
        int[] inStrides = Shapes.strides(x.dims());
        int[] dims = x.dims();
        int[] strides = inStrides.clone();
        long offset = 0;
        for (int i = 0; i < n; i++) {
            int a = ax[i];
            long dim = x.dim(a);
            long step = steps == null ? 1 : steps[i];
            if (step == 0) throw new IllegalArgumentException("Slice step for axis " + a + " is 0");
            long start = starts[i];
            long end = ends[i];
            if (start < 0) start += dim;
            if (end < 0) end += dim;
            long count;
            if (dim == 0) {
                count = 0;
            } else if (step > 0) {
                start = clamp(start, 0, dim);
                end = clamp(end, 0, dim);
                count = end > start ? (end - start - 1) / step + 1 : 0;
            } else {
                start = clamp(start, 0, dim - 1);
                end = clamp(end, -1, dim - 1);
                // -Long.MIN_VALUE overflows; any step that large takes one element anyway.
                long back = step == Long.MIN_VALUE ? Long.MAX_VALUE : -step;
                count = start > end ? (start - end - 1) / back + 1 : 0;
            }
            dims[a] = (int) count;
            if (count > 0) {
                offset += start * inStrides[a];
                // A step beyond the dimension only ever takes one element; keep the stride in int range.
                strides[a] = count == 1 ? 0 : (int) (step * inStrides[a]);
            }
        }
        Tensor y = ctx.output(0, x.dtype(), dims);
        if (y.size() > 0) StridedCopy.copy(x, (int) offset, dims, strides, y, 0, ctx.parallel());
    }

    private static long clamp(long v, long lo, long hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
