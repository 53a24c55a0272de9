package dev.petrel.ops.rnn;

import dev.petrel.graph.Node;

/** RNN: Ht = f(Xt W^T + Ht-1 R^T + Wb + Rb), f = Tanh by default. */
final class RnnKernel extends RecurrentKernel {
    RnnKernel(Node node) {
        super(node, 1, new Activation[] {Activation.TANH});
    }

    @Override
    void step(Weights w, double[] x, double[] h, double[] c, double[] scratch, int act) {
        Activation f = activations[act];
        for (int k = 0; k < hidden; k++) scratch[k] = f.apply(clip(inputPart(w, 0, k, x) + recurrentPart(w, 0, k, h)));
        System.arraycopy(scratch, 0, h, 0, hidden);
    }
}
