package dev.petrel.vector;

import dev.petrel.DType;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelFactory;
import dev.petrel.spi.KernelRegistry;
import dev.petrel.spi.KernelSetup;
import java.util.EnumSet;
import java.util.Set;

/** Registers the vector elementwise and fused kernels (FLOAT): Erf, Add/Sub/Mul/Div, Gelu, LayerNormalization, FusedMatMul. */
final class ElementwiseKernels {
    /** Petrel's operator domain, as the portable fused kernels register it. */
    private static final String PETREL = "dev.petrel";

    private ElementwiseKernels() {}

    static void register(KernelRegistry r) {
        Set<DType> f = EnumSet.of(DType.FLOAT);
        r.add("", "Erf", 9, KernelRegistry.LATEST, f, node -> new VectorErf(node, KernelSetup.NONE));
        binary(r, "Add", VectorBinaryKernel.Op.ADD);
        binary(r, "Sub", VectorBinaryKernel.Op.SUB);
        binary(r, "Mul", VectorBinaryKernel.Op.MUL);
        binary(r, "Div", VectorBinaryKernel.Op.DIV);
        r.add(PETREL, "Gelu", 1, 1, f, VectorGeluKernel::new);
        r.add(PETREL, "LayerNormalization", 1, 1, f, VectorLayerNormKernel::new);
        r.add(PETREL, "FusedMatMul", 1, 1, f, new KernelFactory() {
            @Override public Kernel create(Node node) { return create(node, KernelSetup.NONE); }
            @Override public Kernel create(Node node, KernelSetup setup) { return new VectorFusedMatMulKernel(node, setup); }
        });
    }

    private static void binary(KernelRegistry r, String op, VectorBinaryKernel.Op kind) {
        r.add("", op, 7, KernelRegistry.LATEST, EnumSet.of(DType.FLOAT), new KernelFactory() {
            @Override public Kernel create(Node node) { return create(node, KernelSetup.NONE); }
            @Override public Kernel create(Node node, KernelSetup setup) { return new VectorBinaryKernel(kind, node, setup); }
        });
    }
}
