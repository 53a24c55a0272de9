package dev.petrel.ops.nn;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/**
 * {@code dev.petrel:PolyReLU} (opset 1), PolyCom's polynomial activation (Zhuo et al., ICLR 2025):
 * {@code r = max(x, 0)}, {@code Y = weight[0]·r³ + weight[1]·r² + weight[2]·r + bias}, element-wise.
 *
 * <p>Inputs: X (float, double, float16 or bfloat16, any shape); weight, 3 elements of X's type, with
 * <b>weight[0] multiplying the cubic term</b> (the order of PolyCom's {@code weight} parameter); bias,
 * optional, 1 element (absent = 0). No attributes. Output Y has X's type and shape. Computed in double
 * and rounded once, so r³ cannot overflow for half-precision inputs on the way.
 */
final class PolyReluKernel implements Kernel {
    private double[] in;
    private double[] out;

    PolyReluKernel(Node node) {
        if (!node.attributes().all().isEmpty()) {
            throw new IllegalArgumentException("PolyReLU takes no attributes, got " + node.attributes().all());
        }
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = Elements.requireFloating(ctx.requireInput(0), "PolyReLU input X");
        double[] w = PolyNormKernel.weights(ctx.requireInput(1), "PolyReLU");
        double b = PolyNormKernel.bias(ctx.input(2), "PolyReLU");
        double[] v = in = Elements.toDoubles(x, in);
        int n = x.size();
        double[] y = out = out != null && out.length >= n ? out : new double[n];
        for (int i = 0; i < n; i++) {
            double r = v[i] > 0 ? v[i] : 0;
            // Horner: ((w0 r + w1) r + w2) r + b.
            y[i] = ((w[0] * r + w[1]) * r + w[2]) * r + b;
        }
        Elements.storeDoubles(ctx.output(0, x.dtype(), x.dims()), y);
    }
}
