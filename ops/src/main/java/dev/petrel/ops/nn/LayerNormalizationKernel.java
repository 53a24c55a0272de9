package dev.petrel.ops.nn;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.UnsupportedFeatureException;
import dev.petrel.graph.Node;
import dev.petrel.ops.Broadcast;
import dev.petrel.ops.Elements;
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
        if (t == null || !Elements.FLOATS.contains(t)) {
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
        double[] s = expand(scale, normDims, "Scale");
        double[] b = bias == null ? null : expand(bias, normDims, "B");
        double[] in = Elements.toDoubles(x, inScratch);
        inScratch = in;
        double[] out = outScratch != null && outScratch.length >= in.length ? outScratch : new double[in.length];
        outScratch = out;
        int[] statDims = dims.clone();
        for (int d = a; d < rank; d++) statDims[d] = 1;
        double[] means = new double[outer];
        double[] invStd = new double[outer];
        for (int o = 0; o < outer; o++) {
            int base = o * n;
            double mean = Moments.mean(in, base, n);
            double inv = 1.0 / Math.sqrt(Moments.variance(in, base, n, mean) + epsilon);
            means[o] = mean;
            invStd[o] = inv;
            for (int j = 0; j < n; j++) {
                double v = (in[base + j] - mean) * inv * s[j];
                out[base + j] = b == null ? v : v + b[j];
            }
        }
        Elements.storeDoubles(ctx.output(0, x.dtype(), dims), out);
        if (ctx.hasOutput(1)) Elements.storeDoubles(ctx.output(1, stashType, statDims), means);
        if (ctx.hasOutput(2)) Elements.storeDoubles(ctx.output(2, stashType, statDims), invStd);
    }

    /**
     * {@code t} broadcast (numpy rules) to {@code target} and flattened: used for per-element scale and
     * bias operands that may be given in a smaller, broadcastable shape.
     */
    private static double[] expand(Tensor t, int[] target, String what) {
        double[] src = Elements.toDoubles(t);
        int[] td = t.dims();
        int n = Shapes.product(target, 0, target.length);
        if (td.length > target.length) {
            throw new IllegalArgumentException(what + " has shape " + t.describe() + ", which does not broadcast to "
                    + Arrays.toString(target));
        }
        for (int i = 0; i < td.length; i++) {
            int d = td[i];
            int o = target[target.length - td.length + i];
            if (d != 1 && d != o) {
                throw new IllegalArgumentException(what + " has shape " + t.describe() + ", which does not broadcast to "
                        + Arrays.toString(target));
            }
        }
        if (src.length == n) return src;
        int[] st = Broadcast.strides(td, target);
        double[] out = new double[n];
        int rank = target.length;
        int[] idx = new int[rank];
        for (int i = 0; i < n; i++) {
            int off = 0;
            for (int d = 0; d < rank; d++) off += idx[d] * st[d];
            out[i] = src[off];
            for (int d = rank - 1; d >= 0; d--) {
                if (++idx[d] < target[d]) break;
                idx[d] = 0;
            }
        }
        return out;
    }
}
