package dev.petrel.ops.fused;

import dev.petrel.DType;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelFactory;
import dev.petrel.spi.KernelRegistry;
import dev.petrel.spi.KernelSetup;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Registers the portable kernels of Petrel's own domain {@code dev.petrel} (opset 1): the fused
 * operators the load-time graph optimizer emits (dev.petrel.optimize). They are FLOAT only, as the
 * optimizer fuses only patterns whose constants prove the values are FLOAT.
 */
public final class FusedKernels {
    /** Petrel's operator domain. */
    public static final String DOMAIN = "dev.petrel";

    private FusedKernels() {}

    public static void register(KernelRegistry r) {
        Set<DType> f = EnumSet.of(DType.FLOAT);
        // LayerNormalization as ONNX opset 17 defines it (last axis), for models exported at lower opsets.
        r.add(DOMAIN, "LayerNormalization", 1, 1, f, LayerNormKernel::new);
        r.add(DOMAIN, "Gelu", 1, 1, f, node -> new GeluKernel(node, erf(r, node)));
        r.add(DOMAIN, "FusedMatMul", 1, 1, f, new KernelFactory() {
            @Override public Kernel create(Node node) {
                return create(node, KernelSetup.NONE);
            }

            @Override public Kernel create(Node node, KernelSetup setup) {
                Kernel matMul = Delegates.create(r, node, "MatMul", 13, List.of(), 2, setup);
                return new FusedMatMulKernel(node, matMul, erf(r, node));
            }
        });
        r.add(DOMAIN, FusedMatMulNBitsKernel.OP, 1, 1, f, new KernelFactory() {
            @Override public Kernel create(Node node) {
                return create(node, KernelSetup.NONE);
            }

            @Override public Kernel create(Node node, KernelSetup setup) {
                return new FusedMatMulNBitsKernel(node, FusedMatMulNBitsKernel.productKernel(r, node, setup), erf(r, node));
            }
        });
        r.add(DOMAIN, "Attention", 1, 1, f, AttentionKernel::new);
        r.add(DOMAIN, SimplifiedLinearAttentionKernel.OP, 1, 1, f, SimplifiedLinearAttentionKernel::new);
    }

    private static Kernel erf(KernelRegistry r, Node node) {
        return Delegates.create(r, node, "Erf", 13, List.of(), 1, KernelSetup.NONE);
    }
}
