package dev.petrel.ops.nn;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/**
 * {@code dev.petrel:PolyNorm} (opset 1), PolyCom's normalized polynomial activation (Zhuo et al., ICLR
 * 2025): {@code Y = weight[0]·N(x³) + weight[1]·N(x²) + weight[2]·N(x) + bias}, where
 * {@code N(u) = u / sqrt(mean(u²) + epsilon)} with the mean taken over the last axis (the FFN hidden
 * dimension of each token).
 *
 * <p>Inputs: X (float, double, float16 or bfloat16, rank >= 1); weight, 3 elements of X's type, with
 * <b>weight[0] multiplying the cubic term</b>; bias, optional, 1 element (absent = 0). Attribute
 * {@code epsilon} (float, default 1e-6, PolyCom's value). Output Y has X's type and shape. Computed in
 * double and rounded once: the mean of x⁶ overflows float long before x³ itself does.
 */
final class PolyNormKernel implements Kernel {
    private final double epsilon;
    private double[] in;
    private double[] out;

    PolyNormKernel(Node node) {
        this.epsilon = node.attributes().getFloat("epsilon", 1e-6f);
        if (!(epsilon >= 0)) throw new IllegalArgumentException("PolyNorm epsilon must be >= 0, got " + epsilon);
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = Elements.requireFloating(ctx.requireInput(0), "PolyNorm input X");
        if (x.rank() < 1) throw new IllegalArgumentException("PolyNorm input X must have rank >= 1, got " + x.describe());
        double[] w = weights(ctx.requireInput(1), "PolyNorm");
        double b = bias(ctx.input(2), "PolyNorm");
        double[] v = in = Elements.toDoubles(x, in);
        int size = x.size();
        int d = x.dim(x.rank() - 1);
        double[] y = out = out != null && out.length >= size ? out : new double[size];
        for (int row = 0; d > 0 && row < size / d; row++) {
            int o = row * d;
            double s1 = 0, s2 = 0, s3 = 0;
            for (int j = 0; j < d; j++) {
                double a = v[o + j];
                double a2 = a * a;
                s1 += a2;
                s2 += a2 * a2;
                s3 += a2 * a2 * a2;
            }
            double c1 = w[2] / Math.sqrt(s1 / d + epsilon);
            double c2 = w[1] / Math.sqrt(s2 / d + epsilon);
            double c3 = w[0] / Math.sqrt(s3 / d + epsilon);
            for (int j = 0; j < d; j++) {
                double a = v[o + j];
                y[o + j] = ((c3 * a + c2) * a + c1) * a + b;
            }
        }
        Elements.storeDoubles(ctx.output(0, x.dtype(), x.dims()), y);
    }

    /** The 3 polynomial coefficients, cubic first. */
    static double[] weights(Tensor w, String op) {
        if (w.size() != 3) throw new IllegalArgumentException(op + " weight must have 3 elements (cubic, square, linear), got " + w.describe());
        Elements.requireFloating(w, op + " weight");
        return Elements.toDoubles(w);
    }

    /** The scalar bias, 0 when absent. */
    static double bias(Tensor b, String op) {
        if (b == null) return 0;
        if (b.size() != 1) throw new IllegalArgumentException(op + " bias must have 1 element, got " + b.describe());
        Elements.requireFloating(b, op + " bias");
        return Elements.getDouble(b, 0);
    }
}
