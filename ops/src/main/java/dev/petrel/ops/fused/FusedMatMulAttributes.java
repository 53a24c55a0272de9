package dev.petrel.ops.fused;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;

/**
 * What {@code dev.petrel::FusedMatMul} says besides its inputs: transB, the activation and GELU's
 * approximation, plus the check of its bias. Every backend's kernel reads them here, so all of them
 * accept and reject the same nodes and inputs.
 */
public final class FusedMatMulAttributes {
    /** The activation applied after the bias. */
    public enum Activation { NONE, RELU, GELU }

    public final boolean transB;
    public final Activation activation;
    /** GELU's {@code approximate} attribute ("none" or "tanh"); meaningful with {@link Activation#GELU}. */
    public final String approximate;

    public FusedMatMulAttributes(Node node) {
        this.transB = node.attributes().getInt("transB", 0) != 0;
        String act = node.attributes().getString("activation", "none");
        switch (act) {
            case "none": activation = Activation.NONE; break;
            case "relu": activation = Activation.RELU; break;
            case "gelu": activation = Activation.GELU; break;
            default: throw new IllegalArgumentException("FusedMatMul activation must be none, relu or gelu, got \"" + act + "\"");
        }
        this.approximate = node.attributes().getString("approximate", "none");
    }

    /**
     * The product's dimensions for A and a 2-D B (MatMul semantics; B read as [N, K] with {@code transB}),
     * or null when B is not 2-D.
     */
    public static int[] productDims(Tensor a, Tensor b, boolean transB) {
        if (b.rank() != 2) return null;
        int n = transB ? b.dim(0) : b.dim(1);
        if (a.rank() <= 1) return new int[] {n};
        int[] d = a.dims();
        d[d.length - 1] = n;
        return d;
    }

    /**
     * True when the residual input (4th, may be null) is added in the epilogue, in place: it has
     * exactly the product's shape. Otherwise a kernel computes the product apart and broadcasts
     * ({@link #addBroadcast}).
     */
    public static boolean residualInPlace(Tensor residual, int[] productDims) {
        return residual == null || (productDims != null && java.util.Arrays.equals(residual.dims(), productDims));
    }

    /** {@code out = y + r} with numpy broadcasting; out has the broadcast shape. For the unusual residual shapes. */
    public static void addBroadcast(Tensor y, Tensor r, Tensor out) {
        int[] od = out.dims();
        int[] ys = dev.petrel.ops.Broadcast.strides(y.dims(), od);
        int[] rs = dev.petrel.ops.Broadcast.strides(r.dims(), od);
        java.nio.FloatBuffer yv = y.floats(), rv = r.floats(), ov = out.floats();
        int[] idx = new int[od.length];
        int size = out.size();
        for (int i = 0; i < size; i++) {
            int yo = 0, ro = 0;
            for (int ax = 0; ax < od.length; ax++) {
                yo += idx[ax] * ys[ax];
                ro += idx[ax] * rs[ax];
            }
            ov.put(i, yv.get(yo) + rv.get(ro));
            for (int ax = od.length - 1; ax >= 0; ax--) {
                if (++idx[ax] < od[ax]) break;
                idx[ax] = 0;
            }
        }
    }

    /** Fails unless {@code bias} (may be null) is a 1-D vector over the output's last axis of length {@code n}. */
    public static void checkBias(Tensor bias, int n) {
        if (bias != null && (bias.rank() != 1 || bias.size() != n)) {
            throw new IllegalArgumentException("FusedMatMul bias must be 1-D of " + n + " elements, got " + bias.describe());
        }
    }
}
