package dev.petrel.ops.math;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.ops.Shapes;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/**
 * TopK: the {@code k} largest (or smallest) elements along {@code axis} and their INT64 indices.
 * {@code k} is an attribute up to opset 9 and the second input from opset 10. Equal values keep
 * their order of appearance (lower index first), as ONNX Runtime returns them; the result is always
 * sorted, which {@code sorted=0} permits.
 */
final class TopKKernel implements Kernel {
    private final long axis;
    private final long kAttr;
    private final boolean kFromInput;
    private final boolean largest;
    private int[] order = new int[0];
    private int[] tmp = new int[0];
    private double[] dkeys = new double[0];
    private long[] lkeys = new long[0];
    private boolean useDouble;

    TopKKernel(Node node) {
        this.axis = node.attributes().getInt("axis", -1);
        this.kFromInput = node.opsetVersion() >= 10;
        this.kAttr = kFromInput ? -1 : node.attributes().requireInt("k");
        this.largest = node.attributes().getInt("largest", 1) != 0;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        long k = kFromInput ? Elements.scalarLong(ctx.requireInput(1), "TopK input K") : kAttr;
        int rank = x.rank();
        if (rank == 0) throw new IllegalArgumentException("TopK input must have rank >= 1, got " + x.describe());
        int ax = Shapes.axis(axis, rank);
        int[] dims = x.dims();
        int n = dims[ax];
        if (k < 0 || k > n) {
            throw new IllegalArgumentException("TopK k=" + k + " must be in [0, " + n + "] for axis " + ax + " of " + x.describe());
        }
        int kk = (int) k;
        int[] outDims = dims.clone();
        outDims[ax] = kk;
        Tensor values = ctx.output(0, x.dtype(), outDims);
        Tensor indices = ctx.hasOutput(1) ? ctx.output(1, DType.INT64, outDims) : null;
        int outer = Shapes.product(dims, 0, ax);
        int inner = Shapes.product(dims, ax + 1, rank);
        if (order.length < n) {
            order = new int[n];
            tmp = new int[n];
        }
        useDouble = x.dtype().isFloatingPoint();
        if (useDouble && dkeys.length < n) dkeys = new double[n];
        if (!useDouble && lkeys.length < n) lkeys = new long[n];
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int base = o * n * inner + i;
                for (int j = 0; j < n; j++) {
                    order[j] = j;
                    if (useDouble) dkeys[j] = Elements.getDouble(x, base + j * inner);
                    else lkeys[j] = Elements.orderKey(x, base + j * inner);
                }
                sort(0, n);
                int outBase = o * kk * inner + i;
                for (int j = 0; j < kk; j++) {
                    int src = order[j];
                    Elements.copyElement(x, base + src * inner, values, outBase + j * inner);
                    if (indices != null) indices.longs().put(outBase + j * inner, src);
                }
            }
        }
    }

    /** True when element {@code a} goes strictly before element {@code b}. */
    private boolean before(int a, int b) {
        if (useDouble) {
            int c = Double.compare(dkeys[a], dkeys[b]);
            return largest ? c > 0 : c < 0;
        }
        return largest ? lkeys[a] > lkeys[b] : lkeys[a] < lkeys[b];
    }

    /** Stable merge sort of order[from, to): ties keep their index order. */
    private void sort(int from, int to) {
        if (to - from < 2) return;
        if (to - from <= 16) {
            for (int i = from + 1; i < to; i++) {
                int v = order[i];
                int j = i - 1;
                while (j >= from && before(v, order[j])) {
                    order[j + 1] = order[j];
                    j--;
                }
                order[j + 1] = v;
            }
            return;
        }
        int mid = (from + to) >>> 1;
        sort(from, mid);
        sort(mid, to);
        int i = from;
        int j = mid;
        int o = from;
        while (i < mid && j < to) tmp[o++] = before(order[j], order[i]) ? order[j++] : order[i++];
        while (i < mid) tmp[o++] = order[i++];
        while (j < to) tmp[o++] = order[j++];
        System.arraycopy(tmp, from, order, from, to - from);
    }
}
