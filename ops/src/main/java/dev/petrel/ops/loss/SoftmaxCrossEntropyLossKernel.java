package dev.petrel.ops.loss;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.ops.Shapes;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/**
 * SoftmaxCrossEntropyLoss: log-softmax of the scores [N, C, d1..dk] over the class axis 1, then the
 * negative log-likelihood of the targets. The optional output 1 is that log-softmax, shaped like the
 * scores. Computed in double, rounded to the scores' type.
 */
final class SoftmaxCrossEntropyLossKernel implements Kernel {
    private final NllReducer nll;

    SoftmaxCrossEntropyLossKernel(Node node) {
        this.nll = new NllReducer(node);
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        int[] dims = x.dims();
        if (dims.length < 2) {
            throw new IllegalArgumentException("input 0 (scores) must have shape [N, C] or [N, C, d1, ..., dk], got "
                    + x.describe());
        }
        double[] logp = Elements.toDoubles(Elements.requireFloating(x, "input 0 (scores)"));
        logSoftmaxAxis1(logp, dims[0], dims[1], Shapes.product(dims, 2, dims.length));
        nll.run(ctx, logp, dims, x.dtype(), ctx.requireInput(1), ctx.input(2));
        if (ctx.outputCount() > 1 && ctx.hasOutput(1)) {
            Elements.storeDoubles(ctx.output(1, x.dtype(), dims), logp);
        }
    }

    /** In place; the maximum is subtracted first so large scores do not overflow. */
    private static void logSoftmaxAxis1(double[] a, int n, int c, int inner) {
        for (int b = 0; b < n; b++) {
            for (int d = 0; d < inner; d++) {
                int base = b * c * inner + d;
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < c; k++) max = Math.max(max, a[base + k * inner]);
                if (max == Double.NEGATIVE_INFINITY) max = 0;
                double sum = 0;
                for (int k = 0; k < c; k++) sum += Math.exp(a[base + k * inner] - max);
                double shift = max + Math.log(sum);
                for (int k = 0; k < c; k++) a[base + k * inner] -= shift;
            }
        }
    }
}
