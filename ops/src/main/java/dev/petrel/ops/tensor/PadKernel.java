package dev.petrel.ops.tensor;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Shapes;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.util.Arrays;

/**
 * Pad with modes constant, reflect, edge (and wrap from opset 19). Pads come from attributes before
 * opset 11 ('paddings' in opset 1) and from inputs after (with optional axes from opset 18);
 * negative pads crop. Each output coordinate maps, axis by axis, to an input coordinate or to the
 * constant; rows whose middle part is in the input are moved as one block.
 */
final class PadKernel implements Kernel {
    private enum Mode { CONSTANT, REFLECT, EDGE, WRAP }

    private final Mode mode;
    private final long[] attrPads;
    private final Float attrValue;
    private final boolean inputs;

    PadKernel(Node node) {
        int opset = node.opsetVersion();
        String m = node.attributes().getString("mode", "constant");
        switch (m) {
            case "constant": mode = Mode.CONSTANT; break;
            case "reflect": mode = Mode.REFLECT; break;
            case "edge": mode = Mode.EDGE; break;
            case "wrap":
                if (opset < 19) throw new IllegalArgumentException("Pad mode 'wrap' needs opset 19");
                mode = Mode.WRAP;
                break;
            default: throw new IllegalArgumentException("Pad mode '" + m + "' is not supported (constant, reflect, edge, wrap)");
        }
        inputs = opset >= 11;
        if (inputs) {
            attrPads = null;
            attrValue = null;
        } else {
            attrPads = node.attributes().getInts(opset == 1 ? "paddings" : "pads");
            if (attrPads == null) throw new IllegalArgumentException("Pad needs the 'pads' attribute before opset 11");
            attrValue = node.attributes().getFloat("value", 0f);
        }
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        int r = x.rank();
        long[] begin = new long[r];
        long[] end = new long[r];
        long constant;
        if (inputs) {
            long[] pads = ShapeArgs.ints(ctx.requireInput(1), "Pad input 'pads'");
            Tensor axesT = ctx.input(3);
            int[] axes;
            if (axesT != null) {
                axes = ShapeArgs.axes(ShapeArgs.ints(axesT, "Pad input 'axes'"), r, "Pad axes");
            } else {
                axes = new int[r];
                for (int i = 0; i < r; i++) axes[i] = i;
            }
            if (pads.length != 2 * axes.length) {
                throw new IllegalArgumentException("Pad pads " + Arrays.toString(pads) + " must have " + 2 * axes.length
                        + " entries for input " + x.describe());
            }
            for (int i = 0; i < axes.length; i++) {
                begin[axes[i]] = pads[i];
                end[axes[i]] = pads[i + axes.length];
            }
            Tensor v = ctx.input(2);
            if (v != null && v.size() > 0) {
                if (v.dtype() != x.dtype()) {
                    throw new IllegalArgumentException("Pad constant_value " + v.describe() + " must have the type of the input " + x.describe());
                }
                constant = ElementCopier.bits(v, 0);
            } else {
                constant = 0;
            }
        } else {
            if (attrPads.length != 2 * r) {
                throw new IllegalArgumentException("Pad pads " + Arrays.toString(attrPads) + " must have " + 2 * r + " entries for input " + x.describe());
            }
            for (int i = 0; i < r; i++) {
                begin[i] = attrPads[i];
                end[i] = attrPads[i + r];
            }
            constant = Scalars.bitsOf(attrValue, x.dtype());
        }
        long[] outDims = new long[r];
        for (int i = 0; i < r; i++) {
            outDims[i] = x.dim(i) + begin[i] + end[i];
            if (outDims[i] < 0) {
                throw new IllegalArgumentException("Pad crops axis " + i + " of " + x.describe() + " below zero (pads "
                        + begin[i] + ", " + end[i] + ")");
            }
        }
        int[] od = ShapeArgs.dims(outDims, "Pad output shape");
        Tensor y = ctx.output(0, x.dtype(), od);
        int w = x.dtype().byteSize();
        if (r == 0) {
            ElementCopier.copy(x, 0, y, 0, 1);
            return;
        }
        if (y.size() == 0) return;
        int[][] maps = new int[r][];
        for (int k = 0; k < r; k++) {
            int d = x.dim(k);
            if (d == 0 && mode != Mode.CONSTANT && od[k] > 0) {
                throw new IllegalArgumentException("Pad mode " + mode.name().toLowerCase() + " cannot pad the empty axis " + k + " of " + x.describe());
            }
            maps[k] = new int[od[k]];
            for (int o = 0; o < od[k]; o++) maps[k][o] = source(o - begin[k], d);
        }
        int[] inStrides = Shapes.strides(x.dims());
        int last = r - 1;
        int width = od[last];
        int inLen = x.dim(last);
        int rows = y.size() / width;
        int[] idx = new int[r];
        // The part of a row that maps straight onto the input row, moved as one block.
        int midFrom = (int) Math.max(0, Math.min(width, begin[last]));
        int midTo = (int) Math.max(midFrom, Math.min(width, begin[last] + inLen));
        for (int row = 0; row < rows; row++) {
            int out = row * width;
            int src = 0;
            for (int k = 0; k < last && src >= 0; k++) {
                int m = maps[k][idx[k]];
                src = m < 0 ? -1 : src + m * inStrides[k];
            }
            if (src < 0) {
                ElementCopier.fill(y.bytes(), out, width, constant, w);
            } else {
                int[] map = maps[last];
                for (int j = 0; j < midFrom; j++) put(x, src, map[j], y, out + j, constant, w);
                ElementCopier.copy(x, src + midFrom - (int) begin[last], y, out + midFrom, midTo - midFrom);
                for (int j = midTo; j < width; j++) put(x, src, map[j], y, out + j, constant, w);
            }
            for (int k = last - 1; k >= 0; k--) {
                if (++idx[k] < od[k]) break;
                idx[k] = 0;
            }
        }
    }

    private static void put(Tensor x, int rowStart, int m, Tensor y, int at, long constant, int w) {
        if (m < 0) ElementCopier.putBits(y.bytes(), at, constant, w);
        else ElementCopier.copy(x.bytes(), rowStart + m, y.bytes(), at, 1, w);
    }

    /** The input coordinate that output coordinate {@code i} (already shifted by the begin pad) reads, or -1 for the constant. */
    private int source(long i, int d) {
        if (i >= 0 && i < d) return (int) i;
        switch (mode) {
            case EDGE:
                return i < 0 ? 0 : d - 1;
            case WRAP:
                return (int) Math.floorMod(i, (long) d);
            case REFLECT: {
                if (d == 1) return 0;
                long period = 2L * (d - 1);
                long p = Math.floorMod(i, period);
                return (int) (p < d ? p : period - p);
            }
            default:
                return -1;
        }
    }
}
