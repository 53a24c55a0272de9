package dev.petrel.ops.nn;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.ops.Shapes;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/**
 * MeanVarianceNormalization: (X - mean) / (sqrt(variance) + 1e-9) with mean and variance taken over
 * {@code axes} (default [0, 2, 3]), as the operator's function body defines.
 */
final class MeanVarianceNormalizationKernel implements Kernel {
    private static final double EPSILON = 1e-9;
    private final long[] axes;
    private double[] inScratch;
    private double[] outScratch;

    MeanVarianceNormalizationKernel(Node node) {
        long[] a = node.attributes().getInts("axes");
        this.axes = a == null ? new long[] {0, 2, 3} : a;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        int[] dims = x.dims();
        int rank = dims.length;
        boolean[] reduced = new boolean[rank];
        for (long ax : axes) reduced[Shapes.axis(ax, rank)] = true;
        // Each element maps to the slot of its kept coordinates; reduced axes get stride 0.
        int[] slotStride = new int[rank];
        int slots = 1;
        for (int d = rank - 1; d >= 0; d--) {
            if (!reduced[d]) {
                slotStride[d] = slots;
                slots *= dims[d];
            }
        }
        int total = x.size();
        double[] in = Elements.toDoubles(x, inScratch);
        inScratch = in;
        double[] out = outScratch != null && outScratch.length >= in.length ? outScratch : new double[in.length];
        outScratch = out;
        int[] slotOf = new int[total];
        int[] idx = new int[rank];
        int slot = 0;
        for (int i = 0; i < total; i++) {
            slotOf[i] = slot;
            for (int d = rank - 1; d >= 0; d--) {
                idx[d]++;
                slot += slotStride[d];
                if (idx[d] < dims[d]) break;
                slot -= slotStride[d] * dims[d];
                idx[d] = 0;
            }
        }
        double[] sum = new double[slots];
        int[] count = new int[slots];
        for (int i = 0; i < total; i++) {
            sum[slotOf[i]] += in[i];
            count[slotOf[i]]++;
        }
        for (int s = 0; s < slots; s++) sum[s] = count[s] == 0 ? 0 : sum[s] / count[s];
        double[] sq = new double[slots];
        for (int i = 0; i < total; i++) {
            double d = in[i] - sum[slotOf[i]];
            sq[slotOf[i]] += d * d;
        }
        for (int s = 0; s < slots; s++) sq[s] = Math.sqrt(count[s] == 0 ? 0 : sq[s] / count[s]) + EPSILON;
        for (int i = 0; i < total; i++) out[i] = (in[i] - sum[slotOf[i]]) / sq[slotOf[i]];
        Elements.storeDoubles(ctx.output(0, x.dtype(), dims), out);
    }
}
