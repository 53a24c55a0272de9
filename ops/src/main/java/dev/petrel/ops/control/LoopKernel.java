package dev.petrel.ops.control;

import dev.petrel.Tensor;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.util.ArrayList;
import java.util.List;

/**
 * Loop: runs the body while the iteration count is below M (when given) and the condition holds.
 * Body inputs are (iteration_num, cond, carried...), body outputs (cond, carried..., scan outputs...);
 * scan outputs of all iterations are stacked along a new first axis.
 */
final class LoopKernel implements Kernel {
    private final Graph body;
    private final int carried;
    private final int scans;

    LoopKernel(Node node) {
        this.body = node.attributes().getGraph("body");
        if (body == null) throw new IllegalArgumentException("Loop needs a body graph attribute");
        this.carried = Math.max(node.inputs().size() - 2, 0);
        if (body.inputs().size() != carried + 2) {
            throw new IllegalArgumentException("Loop body has " + body.inputs().size() + " inputs; expected "
                    + (carried + 2) + " (iteration_num, cond and " + carried + " loop-carried values)");
        }
        this.scans = body.outputs().size() - 1 - carried;
        if (scans < 0) {
            throw new IllegalArgumentException("Loop body has " + body.outputs().size() + " outputs; expected at least "
                    + (carried + 1) + " (cond and " + carried + " loop-carried values)");
        }
        if (node.outputs().size() > carried + scans) {
            throw new IllegalArgumentException("Loop has " + node.outputs().size() + " outputs but its body yields only "
                    + carried + " loop-carried values and " + scans + " scan outputs");
        }
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor m = ctx.input(0);
        long trips = Long.MAX_VALUE;
        if (m != null) {
            if (m.size() != 1) throw new IllegalArgumentException("Loop trip count M (input 0) must have one element, got " + m.describe());
            trips = m.dtype() == dev.petrel.DType.INT32 ? m.ints().get(0) : m.longs().get(0);
        }
        Tensor c = ctx.input(1);
        boolean cond = c == null || TensorSlices.truth(c, "Loop condition (input 1)");

        Tensor[] state = new Tensor[carried];
        for (int i = 0; i < carried; i++) {
            state[i] = ctx.input(2 + i);
            if (state[i] == null) throw new IllegalArgumentException("Loop-carried initial value (input " + (2 + i) + ") is missing");
        }
        List<List<Tensor>> stacked = new ArrayList<>();
        for (int k = 0; k < scans; k++) stacked.add(new ArrayList<>());

        Tensor[] bodyIn = new Tensor[carried + 2];
        for (long it = 0; it < trips && cond; it++) {
            // Rank-0 iteration number and condition, as the body declares them.
            bodyIn[0] = Tensor.of(new long[] {it});
            bodyIn[1] = Tensor.of(new boolean[] {cond});
            System.arraycopy(state, 0, bodyIn, 2, carried);
            Tensor[] out = ctx.runSubgraph(body, bodyIn);
            cond = TensorSlices.truth(out[0], "Loop body condition output");
            for (int i = 0; i < carried; i++) state[i] = out[1 + i];
            for (int k = 0; k < scans; k++) stacked.get(k).add(out[1 + carried + k]);
        }

        for (int i = 0; i < carried && i < ctx.outputCount(); i++) TensorSlices.copyToOutput(ctx, i, state[i]);
        for (int k = 0; k < scans && carried + k < ctx.outputCount(); k++) {
            int o = carried + k;
            if (!ctx.hasOutput(o)) continue;
            List<Tensor> parts = stacked.get(k);
            if (parts.isEmpty()) {
                TensorSlices.copyToOutput(ctx, o, TensorSlices.emptyStack(body.outputs().get(1 + carried + k), 0));
                continue;
            }
            TensorSlices.checkSameShape(parts, "Loop scan output " + k);
            Tensor first = parts.get(0);
            Tensor dst = ctx.output(o, first.dtype(), TensorSlices.insertAxis(first.dims(), 0, parts.size()));
            for (int t = 0; t < parts.size(); t++) TensorSlices.place(parts.get(t), dst, 0, t, parts.size());
        }
    }
}
