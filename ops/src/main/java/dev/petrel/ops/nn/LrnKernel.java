package dev.petrel.ops.nn;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.ops.Shapes;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/**
 * LRN: each value is divided by (bias + alpha / size * sum of squares over the channel window)^beta,
 * the window spanning channels [c - floor((size-1)/2), c + ceil((size-1)/2)].
 */
final class LrnKernel implements Kernel {
    private final double alpha;
    private final double beta;
    private final double bias;
    private final int size;
    private double[] inScratch;
    private double[] outScratch;

    LrnKernel(Node node) {
        this.alpha = node.attributes().getFloat("alpha", 1e-4f);
        this.beta = node.attributes().getFloat("beta", 0.75f);
        this.bias = node.attributes().getFloat("bias", 1.0f);
        long s = node.attributes().requireInt("size");
        if (s <= 0) throw new IllegalArgumentException("LRN size must be positive, got " + s);
        this.size = (int) s;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        int[] dims = x.dims();
        if (dims.length < 2) throw new IllegalArgumentException("LRN input must have rank >= 2, got " + x.describe());
        int channels = dims[1];
        int inner = Shapes.product(dims, 2, dims.length);
        double[] in = Elements.toDoubles(x, inScratch);
        inScratch = in;
        double[] out = outScratch != null && outScratch.length >= in.length ? outScratch : new double[in.length];
        outScratch = out;
        int before = (size - 1) / 2;
        int after = size - 1 - before;
        for (int b = 0; b < dims[0]; b++) {
            int nb = b * channels * inner;
            for (int c = 0; c < channels; c++) {
                int lo = Math.max(0, c - before);
                int hi = Math.min(channels - 1, c + after);
                for (int j = 0; j < inner; j++) {
                    double sq = 0;
                    for (int k = lo; k <= hi; k++) {
                        double v = in[nb + k * inner + j];
                        sq += v * v;
                    }
                    int i = nb + c * inner + j;
                    out[i] = in[i] / Math.pow(bias + alpha / size * sq, beta);
                }
            }
        }
        Elements.storeDoubles(ctx.output(0, x.dtype(), dims), out);
    }
}
