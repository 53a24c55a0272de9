package dev.petrel.ops.loss;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/**
 * NegativeLogLikelihoodLoss: input 0 holds log-probabilities [N, C, d1..dk], input 1 the class of each
 * position [N, d1..dk], optional input 2 per-class weights [C]. Computed in double, rounded to the
 * input's type.
 */
final class NegativeLogLikelihoodLossKernel implements Kernel {
    private final NllReducer nll;

    NegativeLogLikelihoodLossKernel(Node node) {
        this.nll = new NllReducer(node);
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        Tensor target = ctx.requireInput(1);
        double[] logp = Elements.toDoubles(Elements.requireFloating(x, "input 0 (input)"));
        nll.run(ctx, logp, x.dims(), x.dtype(), target, ctx.input(2));
    }
}
