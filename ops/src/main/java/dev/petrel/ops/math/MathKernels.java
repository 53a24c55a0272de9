package dev.petrel.ops.math;

import dev.petrel.spi.KernelRegistry;

/** Registers the portable kernels of the math family. */
public final class MathKernels {
    private MathKernels() {}

    public static void register(KernelRegistry r) {
        LinalgKernels.register(r);
    }
}
