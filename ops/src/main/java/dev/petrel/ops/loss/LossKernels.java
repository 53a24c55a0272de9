package dev.petrel.ops.loss;

import dev.petrel.DType;
import dev.petrel.spi.KernelRegistry;
import java.util.EnumSet;
import java.util.Set;

/** Registers the portable kernels of the loss family. */
public final class LossKernels {
    private LossKernels() {}

    public static void register(KernelRegistry r) {
        Set<DType> f = EnumSet.of(DType.FLOAT, DType.DOUBLE, DType.FLOAT16, DType.BFLOAT16);
        // Opset 13 only widened the type list (bfloat16); the semantics are those of opset 12.
        r.add("", "NegativeLogLikelihoodLoss", 12, KernelRegistry.LATEST, f, NegativeLogLikelihoodLossKernel::new);
        r.add("", "SoftmaxCrossEntropyLoss", 12, KernelRegistry.LATEST, f, SoftmaxCrossEntropyLossKernel::new);
    }
}
