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
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Kernels on the Panama Vector API. Registered above the portable kernels; unavailable (and skipped)
 * when the JVM runs without the {@code jdk.incubator.vector} module.
 */
public final class VectorBackend implements Backend {
    /**
     * Products run by the optional warm-up ({@code -Dpetrel.vector.warmup=true}); enough for C2 to
     * compile the micro-kernels (checked with -XX:+PrintCompilation).
     */
    private static final int WARMUP_ROUNDS = 6000;
    private static final AtomicBoolean WARMED = new AtomicBoolean();

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
        // -Dpetrel.vector.disable=true measures the portable kernels alone in the same build.
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent() && !Boolean.getBoolean("petrel.vector.disable");
    }

    @Override
    public void register(KernelRegistry registry) {
        if (WARMED.compareAndSet(false, true)) {
            // Off by default: on this 2-core machine a background warm-up competed with model loading
            // and did not shorten the first run of `petrel embed` (JIT compilation costs the same
            // either way). A server that wants its first request at full speed can turn it on.
            if (!Boolean.getBoolean("petrel.vector.warmup")) {
                FloatGemm.skipWarmUp();
            } else {
                // Overlaps model loading; the first product waits for what is left of it.
                Thread t = new Thread(() -> FloatGemm.warmUp(WARMUP_ROUNDS), "petrel-vector-warmup");
                t.setDaemon(true);
                t.start();
            }
        }
        Set<DType> f = EnumSet.of(DType.FLOAT);
        registry.add("", "MatMul", 1, KernelRegistry.LATEST, f, new KernelFactory() {
            @Override public Kernel create(Node node) { return create(node, KernelSetup.NONE); }
            @Override public Kernel create(Node node, KernelSetup setup) { return new VectorMatMulKernel(node, setup); }
        });
        registry.add("", "Transpose", 1, KernelRegistry.LATEST, f, new KernelFactory() {
            @Override public Kernel create(Node node) { return create(node, KernelSetup.NONE); }
            @Override public Kernel create(Node node, KernelSetup setup) { return new VectorTransposeKernel(node, setup); }
        });
        registry.add("", "Gemm", 7, KernelRegistry.LATEST, f, new KernelFactory() {
            @Override public Kernel create(Node node) { return create(node, KernelSetup.NONE); }
            @Override public Kernel create(Node node, KernelSetup setup) { return new VectorGemmKernel(node, setup); }
        });
        registry.add("dev.petrel", "DynamicQuantMatMul", 1, KernelRegistry.LATEST, f, new KernelFactory() {
            @Override public Kernel create(Node node) { return create(node, KernelSetup.NONE); }
            @Override public Kernel create(Node node, KernelSetup setup) { return new VectorDynamicQuantMatMulKernel(node, setup); }
        });
        registry.add("com.microsoft", "MatMulNBits", 1, KernelRegistry.LATEST, f, new KernelFactory() {
            @Override public Kernel create(Node node) { return create(node, KernelSetup.NONE); }
            @Override public Kernel create(Node node, KernelSetup setup) { return new VectorMatMulNBitsKernel(node, setup); }
        });
        registry.add("dev.petrel", "FusedMatMulNBits", 1, 1, f, new KernelFactory() {
            @Override public Kernel create(Node node) { return create(node, KernelSetup.NONE); }
            @Override public Kernel create(Node node, KernelSetup setup) { return new VectorMatMulNBitsKernel(node, setup); }
        });
        registry.add("com.microsoft", "MatMulBnb4", 1, KernelRegistry.LATEST, f, new KernelFactory() {
            @Override public Kernel create(Node node) { return create(node, KernelSetup.NONE); }
            @Override public Kernel create(Node node, KernelSetup setup) { return new VectorMatMulBnb4Kernel(node, setup); }
        });
        registry.add("", "DequantizeLinear", 10, KernelRegistry.LATEST, EnumSet.of(DType.UINT8, DType.INT8), new KernelFactory() {
            @Override public Kernel create(Node node) { return create(node, KernelSetup.NONE); }
            @Override public Kernel create(Node node, KernelSetup setup) { return new VectorDequantizeLinearKernel(node, setup); }
        });
        ElementwiseKernels.register(registry);
        AttentionKernels.register(registry);
        VisionKernels.register(registry);
    }
}
