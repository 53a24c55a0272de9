package dev.petrel.ops.tensor;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.util.Arrays;

/**
 * Split along one axis into the given sizes (attribute before opset 13, input 1 from 13 and in
 * opset 1), or into equal parts: from opset 18 with a smaller last part when the axis does not
 * divide evenly.
 */
final class SplitKernel implements Kernel {
    private final long axis;
    private final long[] attrSplit;
    private final boolean splitInput;
    private final boolean unevenLast;
    private final long numOutputs;

    SplitKernel(Node node) {
        int opset = node.opsetVersion();
        axis = node.attributes().getInt("axis", 0);
        attrSplit = opset < 13 ? node.attributes().getInts("split") : null;
        splitInput = opset >= 13 || opset == 1;
        unevenLast = opset >= 18;
        numOutputs = opset >= 18 ? node.attributes().getInt("num_outputs", -1) : -1;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        int r = x.rank();
        int a = ShapeArgs.axis(axis, r, "Split axis");
        int dim = x.dim(a);
        int outputs = ctx.outputCount();
        long[] split = attrSplit;
        if (split == null && splitInput && ctx.input(1) != null) split = ShapeArgs.ints(ctx.input(1), "Split input 'split'");
        int[] sizes = new int[outputs];
        if (split != null) {
            if (split.length != outputs) {
                throw new IllegalArgumentException("Split sizes " + Arrays.toString(split) + " have " + split.length
                        + " entries for " + outputs + " outputs");
            }
            long sum = 0;
            for (int i = 0; i < outputs; i++) {
                if (split[i] < 0) throw new IllegalArgumentException("Split sizes " + Arrays.toString(split) + " contain a negative size");
                sum += split[i];
                sizes[i] = (int) Math.min(split[i], Integer.MAX_VALUE);
            }
            if (sum != dim) {
                throw new IllegalArgumentException("Split sizes " + Arrays.toString(split) + " add up to " + sum
                        + ", but axis " + a + " of " + x.describe() + " has size " + dim);
            }
        } else {
            if (numOutputs > 0 && numOutputs != outputs) {
                throw new IllegalArgumentException("Split num_outputs is " + numOutputs + " but the node lists " + outputs + " outputs");
            }
            int chunk;
            if (dim % outputs == 0) {
                chunk = dim / outputs;
            } else if (unevenLast) {
                chunk = (dim + outputs - 1) / outputs;
            } else {
                throw new IllegalArgumentException("Split cannot cut axis " + a + " of " + x.describe() + " into "
                        + outputs + " equal parts");
            }
            int left = dim;
            for (int i = 0; i < outputs; i++) {
                sizes[i] = Math.min(chunk, left);
                left -= sizes[i];
            }
        }
        int outer = 1;
        for (int d = 0; d < a; d++) outer *= x.dim(d);
        int inner = 1;
        for (int d = a + 1; d < r; d++) inner *= x.dim(d);
        int rowIn = dim * inner;
        int offset = 0;
        for (int i = 0; i < outputs; i++) {
            int block = sizes[i] * inner;
            if (ctx.hasOutput(i)) {
                int[] dims = x.dims();
                dims[a] = sizes[i];
                Tensor y = ctx.output(i, x.dtype(), dims);
                for (int o = 0; o < outer; o++) ElementCopier.copy(x, o * rowIn + offset, y, o * block, block);
            }
            offset += block;
        }
    }
}
