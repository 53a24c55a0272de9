package dev.petrel.vector;

import dev.petrel.DType;
import dev.petrel.graph.Node;
import dev.petrel.spi.Backend;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelFactory;
import dev.petrel.spi.KernelSetup;
import dev.petrel.spi.KernelRegistry;
import java.util.EnumSet;
import java.util.Set;

/**
 * Kernels on the Panama Vector API. Registered above the portable kernels; unavailable (and skipped)
 * when the JVM runs without the {@code jdk.incubator.vector} module.
 */
public final class VectorBackend implements Backend {
    @Override
    public String name() {
        return "vector";
    }

    @Override
    public int priority() {
        return 10;
    }

    @Override
    public boolean isAvailable() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    @Override
    public void register(KernelRegistry registry) {
        Set<DType> f = EnumSet.of(DType.FLOAT);
        registry.add("", "MatMul", 1, KernelRegistry.LATEST, f, new KernelFactory() {
            @Override public Kernel create(Node node) { return create(node, KernelSetup.NONE); }
            @Override public Kernel create(Node node, KernelSetup setup) { return new VectorMatMulKernel(node, setup); }
        });
        registry.add("", "Gemm", 7, KernelRegistry.LATEST, f, new KernelFactory() {
            @Override public Kernel create(Node node) { return create(node, KernelSetup.NONE); }
            @Override public Kernel create(Node node, KernelSetup setup) { return new VectorGemmKernel(node, setup); }
        });
    }
}
