package dev.petrel.ops.nn;

import dev.petrel.Tensor;
import dev.petrel.UnsupportedFeatureException;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.ops.Shapes;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/**
 * BatchNormalization over channel axis 1. Inference uses the given mean and variance. With
 * {@code training_mode=1} (opset 14+) the statistics come from the batch (population variance over every
 * axis but 1), and the optional outputs 1 and 2 are the running statistics blended with
 * {@code momentum}, as the spec's reference formula defines. Opsets 6-8 with {@code spatial=0} take
 * per-feature parameters of shape [C, D1, ...].
 */
final class BatchNormalizationKernel implements Kernel {
    private final double epsilon;
    private final double momentum;
    private final boolean training;
    private final boolean legacy;
    private final boolean spatial;
    private double[] inScratch;
    private double[] outScratch;

    BatchNormalizationKernel(Node node) {
        this.epsilon = node.attributes().getFloat("epsilon", 1e-5f);
        this.momentum = node.attributes().getFloat("momentum", 0.9f);
        this.legacy = node.opsetVersion() < 14;
        this.training = !legacy && node.attributes().getInt("training_mode", 0) != 0;
        this.spatial = node.opsetVersion() >= 9 || node.attributes().getInt("spatial", 1) != 0;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        if (legacy) {
            for (int i = 1; i < ctx.outputCount(); i++) {
                if (ctx.hasOutput(i)) {
                    throw new UnsupportedFeatureException("BatchNormalization before opset 14: training outputs (mean, var, saved_mean, saved_var) are not supported");
                }
            }
        }
        int[] dims = x.dims();
        if (dims.length < 2) throw new IllegalArgumentException("BatchNormalization input X must have rank >= 2, got " + x.describe());
        int batch = dims[0];
        int channels = dims[1];
        int inner = Shapes.product(dims, 2, dims.length);
        // Per-feature parameters (spatial=0) index by channel and position: treat each as its own "channel".
        int groups = channels;
        int groupInner = inner;
        int perFeature = Shapes.product(dims, 1, dims.length);
        Tensor scaleT = ctx.requireInput(1);
        if (!spatial && scaleT.size() == perFeature && perFeature != channels) {
            groups = perFeature;
            groupInner = 1;
        }
        double[] scale = params(scaleT, groups, "scale");
        double[] bias = params(ctx.requireInput(2), groups, "B");
        double[] mean = params(ctx.requireInput(3), groups, "input_mean");
        double[] var = params(ctx.requireInput(4), groups, "input_var");
        double[] in = Elements.toDoubles(x, inScratch);
        inScratch = in;
        double[] out = outScratch != null && outScratch.length >= in.length ? outScratch : new double[in.length];
        outScratch = out;
        double[] useMean = mean;
        double[] useVar = var;
        if (training) {
            useMean = new double[groups];
            useVar = new double[groups];
            long count = (long) batch * groupInner;
            for (int g = 0; g < groups; g++) {
                double sum = 0;
                for (int b = 0; b < batch; b++) {
                    int base = (b * groups + g) * groupInner;
                    for (int j = 0; j < groupInner; j++) sum += in[base + j];
                }
                double m = count == 0 ? 0 : sum / count;
                double sq = 0;
                for (int b = 0; b < batch; b++) {
                    int base = (b * groups + g) * groupInner;
                    for (int j = 0; j < groupInner; j++) {
                        double d = in[base + j] - m;
                        sq += d * d;
                    }
                }
                useMean[g] = m;
                useVar[g] = count == 0 ? 0 : sq / count;
            }
        }
        for (int g = 0; g < groups; g++) {
            double k = scale[g] / Math.sqrt(useVar[g] + epsilon);
            double c = bias[g] - useMean[g] * k;
            for (int b = 0; b < batch; b++) {
                int base = (b * groups + g) * groupInner;
                for (int j = 0; j < groupInner; j++) out[base + j] = in[base + j] * k + c;
            }
        }
        Elements.storeDoubles(ctx.output(0, x.dtype(), dims), out);
        if (training) {
            Tensor meanT = ctx.requireInput(3);
            if (ctx.hasOutput(1)) {
                double[] r = new double[groups];
                for (int g = 0; g < groups; g++) r[g] = mean[g] * momentum + useMean[g] * (1 - momentum);
                Elements.storeDoubles(ctx.output(1, meanT.dtype(), meanT.dims()), r);
            }
            if (ctx.hasOutput(2)) {
                Tensor varT = ctx.requireInput(4);
                double[] r = new double[groups];
                for (int g = 0; g < groups; g++) r[g] = var[g] * momentum + useVar[g] * (1 - momentum);
                Elements.storeDoubles(ctx.output(2, varT.dtype(), varT.dims()), r);
            }
        }
    }

    private static double[] params(Tensor t, int expected, String name) {
        if (t.size() != expected) {
            throw new IllegalArgumentException("BatchNormalization input " + name + " must have " + expected
                    + " elements (one per channel), got " + t.describe());
        }
        return Elements.toDoubles(t, null);
    }
}
