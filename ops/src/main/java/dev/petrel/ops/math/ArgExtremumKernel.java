package dev.petrel.ops.math;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.ops.Shapes;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/**
 * ArgMax and ArgMin: the INT64 index of the largest (smallest) element along {@code axis}. Ties go
 * to the first occurrence, or the last with {@code select_last_index}; a NaN wins over numbers, as
 * in ONNX Runtime's float comparisons through Eigen.
 */
final class ArgExtremumKernel implements Kernel {
    private final boolean max;
    private final long axis;
    private final boolean keepdims;
    private final boolean selectLast;

    ArgExtremumKernel(boolean max, Node node) {
        this.max = max;
        this.axis = node.attributes().getInt("axis", 0);
        this.keepdims = node.attributes().getInt("keepdims", 1) != 0;
        this.selectLast = node.attributes().getInt("select_last_index", 0) != 0;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        int[] dims = x.dims();
        int rank = dims.length;
        int ax = Shapes.axis(axis, rank);
        int n = rank == 0 ? 1 : dims[ax];
        int outer = Shapes.product(dims, 0, Math.min(ax, rank));
        int inner = rank == 0 ? 1 : Shapes.product(dims, ax + 1, rank);
        int[] outDims;
        if (rank == 0) {
            outDims = new int[0];
        } else if (keepdims) {
            outDims = dims.clone();
            outDims[ax] = 1;
        } else {
            outDims = new int[rank - 1];
            for (int d = 0, o = 0; d < rank; d++) if (d != ax) outDims[o++] = dims[d];
        }
        Tensor y = ctx.output(0, DType.INT64, outDims);
        if (y.size() == 0) return;
        if (n == 0) {
            throw new IllegalArgumentException("cannot take Arg" + (max ? "Max" : "Min") + " over the empty axis " + ax + " of " + x.describe());
        }
        boolean floating = x.dtype().isFloatingPoint();
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int base = o * n * inner + i;
                int best = 0;
                if (floating) {
                    double bv = Elements.getDouble(x, base);
                    for (int j = 1; j < n; j++) {
                        double v = Elements.getDouble(x, base + j * inner);
                        if (Double.isNaN(bv)) break;
                        boolean better = Double.isNaN(v) || (max ? v > bv : v < bv) || (selectLast && v == bv);
                        if (better) {
                            best = j;
                            bv = v;
                        }
                    }
                } else {
                    long bv = Elements.orderKey(x, base);
                    for (int j = 1; j < n; j++) {
                        long v = Elements.orderKey(x, base + j * inner);
                        if ((max ? v > bv : v < bv) || (selectLast && v == bv)) {
                            best = j;
                            bv = v;
                        }
                    }
                }
                y.longs().put(o * inner + i, best);
            }
        }
    }
}
