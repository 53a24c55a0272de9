package dev.petrel.ops.signal;

import dev.petrel.DType;
import dev.petrel.spi.KernelRegistry;
import java.util.EnumSet;
import java.util.Set;

/** Registers the portable kernels of the signal family: DFT, STFT, windows and mel filter banks. */
public final class SignalKernels {
    private SignalKernels() {}

    public static void register(KernelRegistry r) {
        Set<DType> floats = EnumSet.of(DType.FLOAT, DType.DOUBLE, DType.FLOAT16, DType.BFLOAT16);
        Set<DType> sizes = EnumSet.of(DType.INT32, DType.INT64);
        int latest = KernelRegistry.LATEST;
        r.add("", "DFT", 17, latest, floats, DftKernel::new);
        r.add("", "STFT", 17, latest, floats, StftKernel::new);
        r.add("", "HannWindow", 17, latest, sizes, node -> new WindowKernel(node, WindowKernel.Shape.HANN));
        r.add("", "HammingWindow", 17, latest, sizes, node -> new WindowKernel(node, WindowKernel.Shape.HAMMING));
        r.add("", "BlackmanWindow", 17, latest, sizes, node -> new WindowKernel(node, WindowKernel.Shape.BLACKMAN));
        r.add("", "MelWeightMatrix", 17, latest, sizes, MelWeightMatrixKernel::new);
    }
}
