package dev.petrel.vector;

import dev.petrel.spi.Backend;
import dev.petrel.spi.KernelRegistry;

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
    }
}
