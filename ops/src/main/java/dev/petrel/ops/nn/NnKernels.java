package dev.petrel.ops.nn;

import dev.petrel.DType;
import dev.petrel.ops.Elements;
import dev.petrel.spi.KernelRegistry;
import java.util.EnumSet;
import java.util.Set;

/** Registers the portable kernels of the nn family. */
public final class NnKernels {
    private NnKernels() {}

    private static final int LATEST = KernelRegistry.LATEST;

    public static void register(KernelRegistry r) {
        Set<DType> f = Elements.FLOATS;
        // Opsets 1-12 flatten to 2-D at axis; 13 switched to a single axis: one kernel reads node.opsetVersion().
        r.add("", "Softmax", 1, 12, f, n -> new SoftmaxKernel(n, false));
        r.add("", "Softmax", 13, LATEST, f, n -> new SoftmaxKernel(n, false));
        r.add("", "LogSoftmax", 1, 12, f, n -> new SoftmaxKernel(n, true));
        r.add("", "LogSoftmax", 13, LATEST, f, n -> new SoftmaxKernel(n, true));
        r.add("", "Hardmax", 1, 12, f, HardmaxKernel::new);
        r.add("", "Hardmax", 13, LATEST, f, HardmaxKernel::new);

        r.add("", "LayerNormalization", 17, LATEST, f, LayerNormalizationKernel::new);
        r.add("", "BatchNormalization", 6, LATEST, f, BatchNormalizationKernel::new);
        r.add("", "InstanceNormalization", 1, LATEST, f, InstanceNormalizationKernel::new);
        r.add("", "LpNormalization", 1, LATEST, f, LpNormalizationKernel::new);
        r.add("", "MeanVarianceNormalization", 9, LATEST, f, MeanVarianceNormalizationKernel::new);
        r.add("", "GroupNormalization", 18, LATEST, f, GroupNormalizationKernel::new);
        r.add("", "LRN", 1, LATEST, f, LrnKernel::new);

        r.add("", "Conv", 1, LATEST, f, ConvKernel::new);
        r.add("", "ConvTranspose", 1, LATEST, f, ConvTransposeKernel::new);

        Set<DType> maxPoolTypes = EnumSet.copyOf(f);
        maxPoolTypes.add(DType.INT8);
        maxPoolTypes.add(DType.UINT8);
        r.add("", "MaxPool", 1, LATEST, maxPoolTypes, MaxPoolKernel::new);
        r.add("", "AveragePool", 1, LATEST, f, AveragePoolKernel::new);
        r.add("", "LpPool", 1, LATEST, f, LpPoolKernel::new);
        r.add("", "GlobalAveragePool", 1, LATEST, f, n -> new GlobalPoolKernel(n, GlobalPoolKernel.Mode.AVERAGE));
        r.add("", "GlobalMaxPool", 1, LATEST, f, n -> new GlobalPoolKernel(n, GlobalPoolKernel.Mode.MAX));
        r.add("", "GlobalLpPool", 1, LATEST, f, n -> new GlobalPoolKernel(n, GlobalPoolKernel.Mode.LP));
        r.add("", "MaxUnpool", 9, LATEST, f, MaxUnpoolKernel::new);
        r.add("", "MaxRoiPool", 1, LATEST, f, MaxRoiPoolKernel::new);

        // PolyCom activations in Petrel's own domain (papers.md section 7).
        r.add("dev.petrel", "PolyReLU", 1, 1, f, PolyReluKernel::new);
        r.add("dev.petrel", "PolyNorm", 1, 1, f, PolyNormKernel::new);
    }
}
