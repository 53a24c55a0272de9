package dev.petrel.ops.vision;

import dev.petrel.DType;
import dev.petrel.spi.KernelRegistry;
import java.util.EnumSet;
import java.util.Set;

/** Registers the portable kernels of the vision family. */
public final class VisionKernels {
    private VisionKernels() {}

    public static void register(KernelRegistry r) {
        Set<DType> floats = EnumSet.of(DType.FLOAT, DType.DOUBLE, DType.FLOAT16, DType.BFLOAT16);
        r.add("", "NonMaxSuppression", 10, KernelRegistry.LATEST, floats, NonMaxSuppressionKernel::new);
        r.add("", "RoiAlign", 10, KernelRegistry.LATEST, floats, RoiAlignKernel::new);
        // Nearest resampling copies elements of any type; linear and cubic check for floating point.
        r.add("", "Resize", 10, KernelRegistry.LATEST, null, ResizeKernel::new);
        r.add("", "Upsample", 7, 10, null, UpsampleKernel::new);
        r.add("", "GridSample", 16, KernelRegistry.LATEST, floats, GridSampleKernel::new);
    }
}
