package dev.petrel.vector;

import dev.petrel.DType;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelFactory;
import dev.petrel.spi.KernelRegistry;
import dev.petrel.spi.KernelSetup;
import java.util.EnumSet;

/** Registers the vector kernels of convolutional vision models (Conv and pooling), FLOAT only. */
final class VisionKernels {
    private VisionKernels() {}

    static void register(KernelRegistry r) {
        r.add("", "Conv", 1, KernelRegistry.LATEST, EnumSet.of(DType.FLOAT), new KernelFactory() {
            @Override public Kernel create(Node node) { return create(node, KernelSetup.NONE); }
            @Override public Kernel create(Node node, KernelSetup setup) { return new VectorConvKernel(node, setup); }
        });
        pool(r, "MaxPool", (n, s) -> new VectorPoolKernel(n, s, true));
        pool(r, "AveragePool", (n, s) -> new VectorPoolKernel(n, s, false));
        pool(r, "GlobalAveragePool", (n, s) -> new VectorGlobalPoolKernel(n, s, false));
        pool(r, "GlobalMaxPool", (n, s) -> new VectorGlobalPoolKernel(n, s, true));
    }

    private static void pool(KernelRegistry r, String op, java.util.function.BiFunction<Node, KernelSetup, Kernel> make) {
        r.add("", op, 1, KernelRegistry.LATEST, EnumSet.of(DType.FLOAT), new KernelFactory() {
            @Override public Kernel create(Node node) { return create(node, KernelSetup.NONE); }
            @Override public Kernel create(Node node, KernelSetup setup) { return make.apply(node, setup); }
        });
    }
}
