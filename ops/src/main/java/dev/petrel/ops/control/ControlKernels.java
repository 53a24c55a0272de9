package dev.petrel.ops.control;

import dev.petrel.spi.KernelRegistry;

/** Registers the portable kernels of the control family, and of the recurrent family (package rnn). */
public final class ControlKernels {
    private ControlKernels() {}

    public static void register(KernelRegistry r) {
        // Types are not restricted: the subgraphs decide what flows through, and each kernel checks its condition.
        r.add("", "If", 1, KernelRegistry.LATEST, null, IfKernel::new);
        r.add("", "Loop", 1, KernelRegistry.LATEST, null, LoopKernel::new);
        r.add("", "Scan", 8, KernelRegistry.LATEST, null, ScanKernel::new);
        dev.petrel.ops.rnn.RnnKernels.register(r);
    }
}
