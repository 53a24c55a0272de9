package dev.petrel.ops.fused;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;

/**
 * The attributes and per-run parameters of {@code dev.petrel::LayerNormalization} (axis -1 only): epsilon,
 * and Scale and B (each of the last axis' length, or one value) unpacked into float arrays that are
 * reused across runs. Every backend's kernel for the operator reads them through this class, so all of
 * them accept and reject the same inputs.
 */
public final class LayerNormParameters {
    public final float epsilon;
    private float[] scale = new float[0];
    private float[] bias = new float[0];

    public LayerNormParameters(Node node) {
        long axis = node.attributes().getInt("axis", -1);
        if (axis != -1) throw new IllegalArgumentException("dev.petrel::LayerNormalization supports axis -1 only, got " + axis);
        this.epsilon = node.attributes().getFloat("epsilon", 1e-5f);
    }

    /**
     * For a kernel of ONNX's own LayerNormalization that has checked, for the run at hand, that it
     * normalizes over the last axis only: the same per-run parameters with {@code epsilon}.
     */
    public LayerNormParameters(float epsilon) {
        this.epsilon = epsilon;
    }

    /** Checks {@code x}, loads Scale {@code s} and B {@code b} (may be null: zeros); returns the last axis' length. */
    public int load(Tensor x, Tensor s, Tensor b) {
        if (x.rank() == 0) throw new IllegalArgumentException("LayerNormalization input must have rank >= 1, got " + x.describe());
        int n = x.dim(x.rank() - 1);
        if (scale.length != n) {
            scale = new float[n];
            bias = new float[n];
        }
        fill(s, scale, n, "Scale");
        if (b != null) {
            fill(b, bias, n, "B");
        } else {
            java.util.Arrays.fill(bias, 0f);
        }
        return n;
    }

    /** Scale as loaded by the last {@link #load}. */
    public float[] scale() {
        return scale;
    }

    /** B as loaded by the last {@link #load} (zeros when absent). */
    public float[] bias() {
        return bias;
    }

    private static void fill(Tensor t, float[] dst, int n, String what) {
        if (t.size() == n) {
            for (int j = 0; j < n; j++) dst[j] = t.floats().get(j);
        } else if (t.size() == 1) {
            java.util.Arrays.fill(dst, t.floats().get(0));
        } else {
            throw new IllegalArgumentException("LayerNormalization " + what + " " + t.describe() + " does not match the last axis of " + n);
        }
    }
}
