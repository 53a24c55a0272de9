package dev.petrel.ops.tensor;

import dev.petrel.spi.KernelRegistry;

/** Registers the portable kernels of the tensor family. */
public final class TensorKernels {
    private TensorKernels() {}

    public static void register(KernelRegistry r) {
    }
}
