package dev.petrel.ops.control;

import dev.petrel.spi.KernelRegistry;

/** Registers the portable kernels of the control family. */
public final class ControlKernels {
    private ControlKernels() {}

    public static void register(KernelRegistry r) {
    }
}
