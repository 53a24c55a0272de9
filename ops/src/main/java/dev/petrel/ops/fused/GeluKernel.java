package dev.petrel.ops.fused;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/** {@code dev.petrel::Gelu(X)}, FLOAT, attribute {@code approximate} "none" (erf) or "tanh". */
final class GeluKernel implements Kernel {
    private final GeluFunction gelu;

    GeluKernel(Node node, Kernel erf) {
        this.gelu = new GeluFunction(node.attributes().getString("approximate", "none"), erf);
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        Tensor y = ctx.output(0, DType.FLOAT, x.dims());
        gelu.apply(ctx, x.floats(), y.floats(), x.size());
    }
}
