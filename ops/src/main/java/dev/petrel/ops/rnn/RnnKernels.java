package dev.petrel.ops.rnn;

import dev.petrel.DType;
import dev.petrel.spi.KernelRegistry;
import java.util.EnumSet;
import java.util.Set;

/** Registers the portable kernels of the recurrent family (RNN, GRU, LSTM). */
public final class RnnKernels {
    private RnnKernels() {}

    public static void register(KernelRegistry r) {
        Set<DType> floats = EnumSet.of(DType.FLOAT, DType.DOUBLE, DType.FLOAT16, DType.BFLOAT16);
        // Opset 7 dropped the output_sequence attribute of opset 1; 14 added layout, which the kernels read
        // with default 0, so one kernel covers every version from 7.
        r.add("", "RNN", 7, KernelRegistry.LATEST, floats, RnnKernel::new);
        r.add("", "GRU", 7, KernelRegistry.LATEST, floats, GruKernel::new);
        r.add("", "LSTM", 7, KernelRegistry.LATEST, floats, LstmKernel::new);
    }
}
