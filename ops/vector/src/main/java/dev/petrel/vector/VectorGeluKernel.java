package dev.petrel.vector;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/**
 * {@code dev.petrel::Gelu(X)}, FLOAT, {@code approximate} "none" ({@code 0.5·x·(1 + erf(x/√2))} with
 * {@link VectorErf}'s erf) or "tanh", evaluated as {@code x·sigmoid(2u)} with
 * {@code u = √(2/π)·(x + 0.044715·x³)}: the same value as {@code 0.5·x·(1 + tanh(u))} without the
 * cancellation of {@code 1 + tanh} for negative x. The loop is {@link VectorErf#map}.
 */
final class VectorGeluKernel implements Kernel {
    private final int fn;

    VectorGeluKernel(Node node) {
        this.fn = parse(node.attributes().getString("approximate", "none"));
    }

    /** {@link VectorErf#GELU} or {@link VectorErf#GELU_TANH}; rejects what Gelu does not define. */
    static int parse(String approximate) {
        if (!approximate.equals("none") && !approximate.equals("tanh")) {
            throw new IllegalArgumentException("Gelu approximate must be \"none\" or \"tanh\", got \"" + approximate + "\"");
        }
        return approximate.equals("tanh") ? VectorErf.GELU_TANH : VectorErf.GELU;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        Tensor y = ctx.output(0, DType.FLOAT, x.dims());
        VectorErf.map(fn, Segments.of(x), 0, null, Segments.of(y), 0, x.size());
    }
}
