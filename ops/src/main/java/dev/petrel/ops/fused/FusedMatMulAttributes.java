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

    /** Fails unless {@code bias} (may be null) is a 1-D vector over the output's last axis of length {@code n}. */
    public static void checkBias(Tensor bias, int n) {
        if (bias != null && (bias.rank() != 1 || bias.size() != n)) {
            throw new IllegalArgumentException("FusedMatMul bias must be 1-D of " + n + " elements, got " + bias.describe());
        }
    }
}
