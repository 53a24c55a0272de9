package dev.petrel.ops.nn;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.ops.Shapes;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/**
 * GroupNormalization: channels are split into {@code num_groups} groups, each normalized over its
 * channels and spatial positions. Scale and bias are per channel (opset 21) or, in opset 18, per group.
 */
final class GroupNormalizationKernel implements Kernel {
    private final double epsilon;
    private final int numGroups;
    private final boolean perGroupParams;
    private double[] inScratch;
    private double[] outScratch;

    GroupNormalizationKernel(Node node) {
        this.epsilon = node.attributes().getFloat("epsilon", 1e-5f);
        long g = node.attributes().requireInt("num_groups");
        if (g <= 0) throw new IllegalArgumentException("GroupNormalization num_groups must be positive, got " + g);
        this.numGroups = (int) g;
        this.perGroupParams = node.opsetVersion() < 21;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        int[] dims = x.dims();
        if (dims.length < 2) throw new IllegalArgumentException("GroupNormalization input must have rank >= 2, got " + x.describe());
        int channels = dims[1];
        if (channels % numGroups != 0) {
            throw new IllegalArgumentException("GroupNormalization: " + channels + " channels are not divisible by num_groups " + numGroups);
        }
        int perGroup = channels / numGroups;
        int inner = Shapes.product(dims, 2, dims.length);
        Tensor scaleT = ctx.requireInput(1);
        Tensor biasT = ctx.requireInput(2);
        int expected = perGroupParams ? numGroups : channels;
        if (scaleT.size() != expected || biasT.size() != expected) {
            throw new IllegalArgumentException("GroupNormalization scale and bias must have " + expected + " elements ("
                    + (perGroupParams ? "one per group" : "one per channel") + "), got " + scaleT.describe() + " and " + biasT.describe());
        }
        double[] scale = Elements.toDoubles(scaleT, null);
        double[] bias = Elements.toDoubles(biasT, null);
        double[] in = Elements.toDoubles(x, inScratch);
        inScratch = in;
        double[] out = outScratch != null && outScratch.length >= in.length ? outScratch : new double[in.length];
        outScratch = out;
        int len = perGroup * inner;
        for (int s = 0; s < dims[0] * numGroups; s++) {
            int g = s % numGroups;
            int base = s * len;
            double mean = Moments.mean(in, base, len);
            double inv = 1.0 / Math.sqrt(Moments.variance(in, base, len, mean) + epsilon);
            for (int c = 0; c < perGroup; c++) {
                int p = perGroupParams ? g : g * perGroup + c;
                int cb = base + c * inner;
                for (int j = 0; j < inner; j++) out[cb + j] = (in[cb + j] - mean) * inv * scale[p] + bias[p];
            }
        }
        Elements.storeDoubles(ctx.output(0, x.dtype(), dims), out);
    }
}
