package dev.petrel.ops.nn;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.ops.Shapes;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/** InstanceNormalization: each (batch, channel) slice is normalized over its spatial positions, then scaled per channel. */
final class InstanceNormalizationKernel implements Kernel {
    private final double epsilon;
    private double[] inScratch;
    private double[] outScratch;

    InstanceNormalizationKernel(Node node) {
        this.epsilon = node.attributes().getFloat("epsilon", 1e-5f);
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        int[] dims = x.dims();
        if (dims.length < 2) throw new IllegalArgumentException("InstanceNormalization input must have rank >= 2, got " + x.describe());
        int channels = dims[1];
        int inner = Shapes.product(dims, 2, dims.length);
        Tensor scaleT = ctx.requireInput(1);
        Tensor biasT = ctx.requireInput(2);
        if (scaleT.size() != channels || biasT.size() != channels) {
            throw new IllegalArgumentException("InstanceNormalization scale and B must have " + channels
                    + " elements (one per channel), got " + scaleT.describe() + " and " + biasT.describe());
        }
        double[] scale = Elements.toDoubles(scaleT, null);
        double[] bias = Elements.toDoubles(biasT, null);
        double[] in = Elements.toDoubles(x, inScratch);
        inScratch = in;
        double[] out = outScratch != null && outScratch.length >= in.length ? outScratch : new double[in.length];
        outScratch = out;
        int slices = dims[0] * channels;
        for (int s = 0; s < slices; s++) {
            int c = s % channels;
            int base = s * inner;
            double mean = Moments.mean(in, base, inner);
            double k = scale[c] / Math.sqrt(Moments.variance(in, base, inner, mean) + epsilon);
            for (int j = 0; j < inner; j++) out[base + j] = (in[base + j] - mean) * k + bias[c];
        }
        Elements.storeDoubles(ctx.output(0, x.dtype(), dims), out);
    }
}
