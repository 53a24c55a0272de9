package dev.petrel.vector;

import dev.petrel.DType;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelFactory;
import dev.petrel.spi.KernelRegistry;
import dev.petrel.spi.KernelSetup;
import java.util.EnumSet;

/** Registers the vector kernels for the fused attention of Petrel's own domain ({@code dev.petrel}, opset 1). */
final class AttentionKernels {
    private AttentionKernels() {}

    static void register(KernelRegistry r) {
        r.add("dev.petrel", "Attention", 1, 1, EnumSet.of(DType.FLOAT), new KernelFactory() {
            @Override public Kernel create(Node node) { return create(node, KernelSetup.NONE); }
            @Override public Kernel create(Node node, KernelSetup setup) { return new VectorAttentionKernel(node, setup); }
        });
        r.add("dev.petrel", "SimplifiedLinearAttention", 1, 1, EnumSet.of(DType.FLOAT), VectorLinearAttentionKernel::new);
    }
}
