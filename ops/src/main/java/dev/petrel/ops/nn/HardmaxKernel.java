package dev.petrel.ops.nn;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.ops.Shapes;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/**
 * Hardmax: 1 at the first maximum of each slice, 0 elsewhere. Opsets 1-12 flatten to 2-D at
 * {@code axis} (default 1); 13+ work along one axis (default -1).
 */
final class HardmaxKernel implements Kernel {
    private final boolean coerce2d;
    private final long axis;
    private double[] inScratch;
    private double[] outScratch;

    HardmaxKernel(Node node) {
        this.coerce2d = node.opsetVersion() < 13;
        this.axis = node.attributes().getInt("axis", coerce2d ? 1 : -1);
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        int[] dims = x.dims();
        int rank = dims.length;
        int outer = 1;
        int n = 1;
        int inner = 1;
        if (rank > 0) {
            int a = Shapes.axis(axis, rank);
            outer = Shapes.product(dims, 0, a);
            n = coerce2d ? Shapes.product(dims, a, rank) : dims[a];
            inner = coerce2d ? 1 : Shapes.product(dims, a + 1, rank);
        }
        Tensor y = ctx.output(0, x.dtype(), dims);
        if (x.size() == 0) return;
        double[] in = Elements.toDoubles(x, inScratch);
        inScratch = in;
        double[] out = outScratch != null && outScratch.length >= in.length ? outScratch : new double[in.length];
        outScratch = out;
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int base = o * n * inner + i;
                int best = 0;
                double max = in[base];
                for (int j = 0; j < n; j++) {
                    double v = in[base + j * inner];
                    out[base + j * inner] = 0;
                    if (v > max) {
                        max = v;
                        best = j;
                    }
                }
                out[base + best * inner] = 1;
            }
        }
        Elements.storeDoubles(y, out);
    }
}
