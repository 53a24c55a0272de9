package dev.petrel.ops.quant;

import dev.petrel.spi.KernelRegistry;

/** Registers the portable kernels of the quant family. */
public final class QuantKernels {
    private QuantKernels() {}

    public static void register(KernelRegistry r) {
    }
}
