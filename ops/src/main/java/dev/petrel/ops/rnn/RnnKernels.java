package dev.petrel.ops.rnn;

import dev.petrel.spi.KernelRegistry;

/** Registers the portable kernels of the recurrent family (RNN, GRU, LSTM). */
public final class RnnKernels {
    private RnnKernels() {}

    public static void register(KernelRegistry r) {
    }
}
