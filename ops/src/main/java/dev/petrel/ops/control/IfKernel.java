package dev.petrel.ops.control;

import dev.petrel.Tensor;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/** If: runs then_branch or else_branch, which see the enclosing scope, and returns its outputs. */
final class IfKernel implements Kernel {
    private final Graph thenBranch;
    private final Graph elseBranch;

    IfKernel(Node node) {
        this.thenBranch = node.attributes().getGraph("then_branch");
        this.elseBranch = node.attributes().getGraph("else_branch");
        if (thenBranch == null || elseBranch == null) {
            throw new IllegalArgumentException("If needs both then_branch and else_branch graph attributes");
        }
        int outs = node.outputs().size();
        if (thenBranch.outputs().size() != outs || elseBranch.outputs().size() != outs) {
            throw new IllegalArgumentException("If has " + outs + " outputs but then_branch has "
                    + thenBranch.outputs().size() + " and else_branch " + elseBranch.outputs().size());
        }
    }

    @Override
    public void run(KernelContext ctx) {
        boolean cond = TensorSlices.truth(ctx.requireInput(0), "If condition (input 0)");
        Tensor[] results = ctx.runSubgraph(cond ? thenBranch : elseBranch);
        for (int i = 0; i < results.length && i < ctx.outputCount(); i++) {
            if (results[i] == null) {
                throw new IllegalArgumentException((cond ? "then" : "else") + "_branch produced no output " + i);
            }
            TensorSlices.copyToOutput(ctx, i, results[i]);
        }
    }
}
