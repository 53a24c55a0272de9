package dev.petrel.ops.fused;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import dev.petrel.spi.KernelRegistry;
import dev.petrel.spi.KernelSetup;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code dev.petrel::FusedMatMulNBits(A, B, scales[, zero_points[, g_idx[, bias[, residual]]]])}, FLOAT:
 * {@code act(MatMulNBits(A, B, scales, zero_points, g_idx, bias)) + residual}, with the attributes of
 * {@code com.microsoft::MatMulNBits} (K, N, bits, block_size, accuracy_level) plus {@code activation}
 * ("none", "relu", "gelu") and {@code approximate} as {@code dev.petrel::FusedMatMul}'s; the residual
 * broadcasts as Add's. The optimizer makes it from a MatMulNBits followed by a Relu or Gelu and/or a
 * residual Add. The product runs on the registered MatMulNBits kernel (the fastest backend's), the rest in
 * place; the vector backend fuses all of it into the product.
 */
final class FusedMatMulNBitsKernel implements Kernel {
    static final String OP = "FusedMatMulNBits";

    private final Kernel product;
    private final int n;
    private final boolean relu;
    private final GeluFunction gelu;
    private SubContext sub;
    private SubContext apart;
    /** The product's inputs of the current run (kept across runs: a run allocates nothing here). */
    private final Tensor[] productInputs;

    FusedMatMulNBitsKernel(Node node, Kernel product, Kernel erf) {
        this.product = product;
        this.productInputs = new Tensor[Math.min(6, node.inputs().size())];
        this.n = (int) node.attributes().requireInt("N");
        FusedMatMulAttributes attrs = new FusedMatMulAttributes(node);
        this.relu = attrs.activation == FusedMatMulAttributes.Activation.RELU;
        this.gelu = attrs.activation == FusedMatMulAttributes.Activation.GELU ? new GeluFunction(attrs.approximate, erf) : null;
    }

    /** The com.microsoft::MatMulNBits node of the product: the first six inputs, the attributes less the epilogue's. */
    static Node productNode(Node fused) {
        List<Attribute> attrs = new ArrayList<>();
        for (Attribute a : fused.attributes().all()) {
            if (!a.name().equals("activation") && !a.name().equals("approximate")) attrs.add(a);
        }
        List<String> ins = fused.inputs().subList(0, Math.min(6, fused.inputs().size()));
        return new Node(fused.name(), "MatMulNBits", "com.microsoft", 1, ins, fused.outputs().subList(0, 1), new Attributes(attrs));
    }

    static Kernel productKernel(KernelRegistry registry, Node fused, KernelSetup setup) {
        Node node = productNode(fused);
        DType[] types = new DType[node.inputs().size()];
        java.util.Arrays.fill(types, DType.FLOAT);
        if (types.length > 1) types[1] = DType.UINT8;
        KernelRegistry.Entry e = registry.find(node, types);
        if (e == null) throw new IllegalStateException("no kernel for com.microsoft::MatMulNBits to run " + fused);
        return e.factory().create(node, setup);
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor a = ctx.requireInput(0);
        Tensor residual = ctx.input(6);
        if (residual != null && residual.dtype() != DType.FLOAT) {
            throw new IllegalArgumentException(OP + " residual must be FLOAT, got " + residual.describe());
        }
        Tensor[] ins = productInputs;
        for (int i = 0; i < ins.length; i++) ins[i] = ctx.input(i);
        // A residual of the product's shape is added in place; another broadcasts with the product into the output.
        boolean inPlace = residual == null || java.util.Arrays.equals(residual.dims(), productDims(a));
        SubContext s = inPlace ? (sub == null ? sub = new SubContext(ctx, true) : sub) : (apart == null ? apart = new SubContext(ctx, false) : apart);
        product.run(s.inputs(ins));
        java.util.Arrays.fill(ins, null);
        FusedMatMulKernel.activateAndAdd(ctx, s.result(), relu, gelu, residual, inPlace);
    }

    private int[] productDims(Tensor a) {
        int[] d = a.dims();
        if (d.length > 0) d[d.length - 1] = n;
        return d;
    }
}
