package dev.petrel.ops.fused;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.UnsupportedFeatureException;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.nio.FloatBuffer;

/**
 * {@code dev.petrel::FusedMatMul(A, B[, bias[, residual]])}, FLOAT: {@code act(A·B + bias) + residual}
 * with MatMul's numpy semantics (the residual broadcasting as Add's), bias a 1-D vector over the last output axis, {@code activation} "none", "relu" or "gelu"
 * (with {@code approximate} as Gelu's). With {@code transB=1} B is a 2-D [N, K] matrix used transposed.
 * The product runs on the registered MatMul kernel (the fastest backend's), bias and activation in place.
 */
final class FusedMatMulKernel implements Kernel {
    private final Kernel matMul;
    private final boolean transB;
    private final boolean relu;
    private final GeluFunction gelu;
    private SubContext sub;
    private SubContext apart;
    private float[] row = new float[0];
    private float[] col = new float[0];

    FusedMatMulKernel(Node node, Kernel matMul, Kernel erf) {
        this.matMul = matMul;
        FusedMatMulAttributes attrs = new FusedMatMulAttributes(node);
        this.transB = attrs.transB;
        this.relu = attrs.activation == FusedMatMulAttributes.Activation.RELU;
        this.gelu = attrs.activation == FusedMatMulAttributes.Activation.GELU ? new GeluFunction(attrs.approximate, erf) : null;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor a = ctx.requireInput(0);
        Tensor b = ctx.requireInput(1);
        Tensor bias = ctx.input(2);
        Tensor residual = ctx.input(3);
        boolean inPlace = FusedMatMulAttributes.residualInPlace(residual, FusedMatMulAttributes.productDims(a, b, transB));
        // A residual of another shape: the product goes to scratch, then broadcasts with it into the output.
        KernelContext target = ctx;
        if (!inPlace) {
            if (apart == null) apart = new SubContext(ctx, false);
            target = apart;
        }
        Tensor y;
        if (transB) {
            y = multiplyTransposed(target, a, b);
        } else {
            SubContext s = inPlace ? (sub == null ? sub = new SubContext(ctx, true) : sub) : apart;
            matMul.run(s.inputs(a, b));
            y = s.result();
        }
        int n = y.rank() == 0 ? 1 : y.dim(y.rank() - 1);
        int size = y.size();
        FloatBuffer out = y.floats();
        FusedMatMulAttributes.checkBias(bias, n);
        if (bias != null) {
            FloatBuffer bv = bias.floats();
            if (col.length < n) col = new float[n];
            for (int j = 0; j < n; j++) col[j] = bv.get(j);
            for (int base = 0; base < size; base += n) {
                for (int j = 0; j < n; j++) out.put(base + j, out.get(base + j) + col[j]);
            }
        }
        if (residual != null && residual.dtype() != DType.FLOAT) {
            throw new IllegalArgumentException("FusedMatMul residual must be FLOAT, got " + residual.describe());
        }
        activateAndAdd(ctx, y, relu, gelu, residual, inPlace);
    }

    /**
     * The epilogue after the bias, in place on the product {@code y}: Relu (NaN and -0 kept) or GELU, then
     * the residual, added in place when {@code inPlace} (it has y's shape), else broadcast with y into the
     * node's output 0. Shared with {@link FusedMatMulNBitsKernel}.
     */
    static void activateAndAdd(KernelContext ctx, Tensor y, boolean relu, GeluFunction gelu, Tensor residual, boolean inPlace) {
        FloatBuffer out = y.floats();
        int size = y.size();
        if (relu) {
            for (int i = 0; i < size; i++) if (!(out.get(i) >= 0f) && !Float.isNaN(out.get(i))) out.put(i, 0f);
        } else if (gelu != null) {
            gelu.apply(ctx, out, out, size);
        }
        if (residual == null) return;
        if (inPlace) {
            FloatBuffer rv = residual.floats();
            for (int i = 0; i < size; i++) out.put(i, out.get(i) + rv.get(i));
        } else {
            Tensor sum = ctx.output(0, DType.FLOAT, dev.petrel.ops.Broadcast.shape(y.dims(), residual.dims()));
            FusedMatMulAttributes.addBroadcast(y, residual, sum);
        }
    }

    /** Y[..., M, N] = A[..., M, K] · Bᵀ for a 2-D B of [N, K]. */
    private Tensor multiplyTransposed(KernelContext ctx, Tensor a, Tensor b) {
        if (b.rank() != 2 || a.rank() < 2) {
            throw new UnsupportedFeatureException("FusedMatMul transB=1 needs A of rank >= 2 and a 2-D B, got "
                    + a.describe() + " and " + b.describe());
        }
        int[] ad = a.dims();
        int k = ad[ad.length - 1];
        int n = b.dim(0);
        if (b.dim(1) != k) {
            throw new IllegalArgumentException("FusedMatMul inner dimensions differ: A " + a.describe() + ", B (transposed) " + b.describe());
        }
        int[] yd = ad.clone();
        yd[yd.length - 1] = n;
        Tensor y = ctx.output(0, DType.FLOAT, yd);
        int rows = a.size() / Math.max(1, k);
        if (row.length < k) row = new float[k];
        FloatBuffer av = a.floats();
        FloatBuffer bv = b.floats();
        FloatBuffer yv = y.floats();
        for (int r = 0; r < rows; r++) {
            for (int kk = 0; kk < k; kk++) row[kk] = av.get(r * k + kk);
            for (int j = 0; j < n; j++) {
                float s = 0f;
                int bo = j * k;
                for (int kk = 0; kk < k; kk++) s += row[kk] * bv.get(bo + kk);
                yv.put(r * n + j, s);
            }
        }
        return y;
    }
}
