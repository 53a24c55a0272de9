package dev.petrel.ops.nn;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.ops.Shapes;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/** LpNormalization: divides each slice along {@code axis} by its L1 or L2 norm; an all-zero slice stays zero. */
final class LpNormalizationKernel implements Kernel {
    private final long axis;
    private final int p;
    private double[] inScratch;
    private double[] outScratch;

    LpNormalizationKernel(Node node) {
        this.axis = node.attributes().getInt("axis", -1);
        long pv = node.attributes().getInt("p", 2);
        if (pv != 1 && pv != 2) throw new IllegalArgumentException("LpNormalization p must be 1 or 2, got " + pv);
        this.p = (int) pv;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        int[] dims = x.dims();
        int a = Shapes.axis(axis, dims.length);
        int outer = Shapes.product(dims, 0, a);
        int n = dims[a];
        int inner = Shapes.product(dims, a + 1, dims.length);
        double[] in = Elements.toDoubles(x, inScratch);
        inScratch = in;
        double[] out = outScratch != null && outScratch.length >= in.length ? outScratch : new double[in.length];
        outScratch = out;
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int base = o * n * inner + i;
                double norm = 0;
                for (int j = 0; j < n; j++) {
                    double v = in[base + j * inner];
                    norm += p == 1 ? Math.abs(v) : v * v;
                }
                if (p == 2) norm = Math.sqrt(norm);
                double inv = norm == 0 ? 0 : 1.0 / norm;
                for (int j = 0; j < n; j++) out[base + j * inner] = in[base + j * inner] * inv;
            }
        }
        Elements.storeDoubles(ctx.output(0, x.dtype(), dims), out);
    }
}
