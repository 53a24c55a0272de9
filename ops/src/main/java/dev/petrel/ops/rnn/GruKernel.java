package dev.petrel.ops.rnn;

import dev.petrel.graph.Node;

/**
 * GRU with gates z, r, h (in that order in W, R and B):
 * zt = f(X Wz + H Rz + b), rt = f(X Wr + H Rr + b),
 * ht = g(X Wh + (rt . H) Rh + Rbh + Wbh), or with linear_before_reset g(X Wh + rt . (H Rh + Rbh) + Wbh),
 * Ht = (1 - zt) . ht + zt . H.
 */
final class GruKernel extends RecurrentKernel {
    private final boolean linearBeforeReset;

    GruKernel(Node node) {
        super(node, 3, new Activation[] {Activation.SIGMOID, Activation.TANH});
        this.linearBeforeReset = node.attributes().getInt("linear_before_reset", 0) != 0;
    }

    @Override
    void step(Weights w, double[] x, double[] h, double[] c, double[] scratch, int act) {
        Activation f = activations[act];
        Activation g = activations[act + 1];
        int n = hidden;
        // scratch: [0, n) z, [n, 2n) r, [2n, 3n) r . H, [3n, 4n) the candidate ht.
        for (int k = 0; k < n; k++) {
            scratch[k] = f.apply(clip(inputPart(w, 0, k, x) + recurrentPart(w, 0, k, h)));
            scratch[n + k] = f.apply(clip(inputPart(w, 1, k, x) + recurrentPart(w, 1, k, h)));
        }
        int cand = 3 * n;
        if (linearBeforeReset) {
            for (int k = 0; k < n; k++) {
                scratch[cand + k] = g.apply(clip(inputPart(w, 2, k, x) + scratch[n + k] * recurrentPart(w, 2, k, h)));
            }
        } else {
            double[] rh = new double[n];
            for (int k = 0; k < n; k++) rh[k] = scratch[n + k] * h[k];
            for (int k = 0; k < n; k++) {
                // Rbh is added after the product with (r . H), not scaled by r.
                scratch[cand + k] = g.apply(clip(inputPart(w, 2, k, x) + recurrentPart(w, 2, k, rh)));
            }
        }
        for (int k = 0; k < n; k++) {
            double z = scratch[k];
            h[k] = (1 - z) * scratch[cand + k] + z * h[k];
        }
    }
}
