package dev.petrel.ops.fused;

import dev.petrel.DType;
import dev.petrel.PetrelException;
import dev.petrel.Tensor;
import dev.petrel.graph.Graph;
import dev.petrel.spi.KernelContext;
import dev.petrel.spi.Parallel;

/**
 * The context a fused kernel hands to one of its steps: chosen input tensors, and output 0 either
 * forwarded to the fused node's own output or kept in a scratch tensor reused while the shape stays.
 */
final class SubContext implements KernelContext {
    private final KernelContext parent;
    private final boolean forward;
    private Tensor[] inputs = new Tensor[0];
    private Tensor scratch;
    private Tensor result;

    /** @param forward true: the step writes the parent's output 0; false: a scratch tensor */
    SubContext(KernelContext parent, boolean forward) {
        this.parent = parent;
        this.forward = forward;
    }

    SubContext inputs(Tensor... in) {
        this.inputs = in;
        this.result = null;
        return this;
    }

    /** What the step wrote to output 0 in its last run. */
    Tensor result() {
        return result;
    }

    @Override public int inputCount() { return inputs.length; }

    @Override
    public Tensor input(int i) {
        return i < inputs.length ? inputs[i] : null;
    }

    @Override
    public Tensor requireInput(int i) {
        Tensor t = input(i);
        if (t == null) throw new PetrelException("required input " + i + " is missing");
        return t;
    }

    @Override public int outputCount() { return 1; }

    @Override public boolean hasOutput(int i) { return i == 0; }

    @Override
    public Tensor output(int i, DType dtype, int... dims) {
        if (i != 0) throw new PetrelException("a fused step wrote output " + i + "; only output 0 is kept");
        if (forward) {
            result = parent.output(0, dtype, dims);
        } else {
            if (scratch == null || scratch.dtype() != dtype || !scratch.hasDims(dims)) scratch = Tensor.allocate(dtype, dims);
            result = scratch;
        }
        return result;
    }

    @Override
    public Tensor[] runSubgraph(Graph graph, Tensor... in) {
        return parent.runSubgraph(graph, in);
    }

    @Override
    public Parallel parallel() {
        return parent.parallel();
    }
}
