package dev.petrel.ops.nn;

import dev.petrel.spi.KernelRegistry;

/** Registers the portable kernels of the nn family. */
public final class NnKernels {
    private NnKernels() {}

    public static void register(KernelRegistry r) {
    }
}
