package dev.petrel.ops.vision;

import dev.petrel.spi.KernelRegistry;

/** Registers the portable kernels of the vision family. */
public final class VisionKernels {
    private VisionKernels() {}

    public static void register(KernelRegistry r) {
    }
}
