package dev.petrel.ops.nn;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.UnsupportedFeatureException;
import dev.petrel.graph.Node;
import dev.petrel.ops.Shapes;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.util.Arrays;

/**
 * LayerNormalization (opset 17): normalizes over the trailing dimensions from {@code axis}, then applies
 * Scale and the optional B (broadcast to the normalized shape). Statistics are accumulated in double
 * whatever the input type; the optional Mean and InvStdDev outputs keep the normalized dimensions as 1s
 * and have the element type {@code stash_type} names.
 */
final class LayerNormalizationKernel implements Kernel {
    private final long axis;
    private final double epsilon;
    private final DType stashType;
    private double[] inScratch;
    private double[] outScratch;

    LayerNormalizationKernel(Node node) {
        this.axis = node.attributes().getInt("axis", -1);
        this.epsilon = node.attributes().getFloat("epsilon", 1e-5f);
        long stash = node.attributes().getInt("stash_type", 1);
        DType t = DType.fromOnnx((int) stash);
        if (t == null || !NnIO.FLOATS.contains(t)) {
            throw new UnsupportedFeatureException("LayerNormalization stash_type " + stash + " is not supported; expected a floating-point type");
        }
        this.stashType = t;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        Tensor scale = ctx.requireInput(1);
        Tensor bias = ctx.input(2);
        int[] dims = x.dims();
        int rank = dims.length;
        int a = Shapes.axis(axis, rank);
        int outer = Shapes.product(dims, 0, a);
        int n = Shapes.product(dims, a, rank);
        int[] normDims = Arrays.copyOfRange(dims, a, rank);
        double[] s = NnIO.expand(scale, normDims, "Scale");
        double[] b = bias == null ? null : NnIO.expand(bias, normDims, "B");
        double[] in = NnIO.doubles(x, inScratch);
        inScratch = in;
        double[] out = outScratch != null && outScratch.length >= in.length ? outScratch : new double[in.length];
        outScratch = out;
        int[] statDims = dims.clone();
        for (int d = a; d < rank; d++) statDims[d] = 1;
        double[] means = new double[outer];
        double[] invStd = new double[outer];
        for (int o = 0; o < outer; o++) {
            int base = o * n;
            double sum = 0;
            for (int j = 0; j < n; j++) sum += in[base + j];
            double mean = n == 0 ? 0 : sum / n;
            double sq = 0;
            for (int j = 0; j < n; j++) {
                double d = in[base + j] - mean;
                sq += d * d;
            }
            double inv = 1.0 / Math.sqrt((n == 0 ? 0 : sq / n) + epsilon);
            means[o] = mean;
            invStd[o] = inv;
            for (int j = 0; j < n; j++) {
                double v = (in[base + j] - mean) * inv * s[j];
                out[base + j] = b == null ? v : v + b[j];
            }
        }
        NnIO.write(ctx.output(0, x.dtype(), dims), out);
        if (ctx.hasOutput(1)) NnIO.write(ctx.output(1, stashType, statDims), means);
        if (ctx.hasOutput(2)) NnIO.write(ctx.output(2, stashType, statDims), invStd);
    }
}
