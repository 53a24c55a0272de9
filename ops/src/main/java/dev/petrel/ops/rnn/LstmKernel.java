package dev.petrel.ops.rnn;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.spi.KernelContext;

/**
 * LSTM with gates i, o, f, c (in that order in W, R and B) and optional peepholes P = [Pi, Po, Pf]:
 * it = f(X Wi + H Ri + Pi . C + b), ft = f(X Wf + H Rf + Pf . C + b) (or 1 - it with input_forget),
 * ct = g(X Wc + H Rc + b), Ct = ft . C + it . ct, ot = f(X Wo + H Ro + Po . Ct + b), Ht = ot . h(Ct).
 */
final class LstmKernel extends RecurrentKernel {
    private final boolean inputForget;

    LstmKernel(Node node) {
        super(node, 4, new Activation[] {Activation.SIGMOID, Activation.TANH, Activation.TANH});
        this.inputForget = node.attributes().getInt("input_forget", 0) != 0;
    }

    @Override
    boolean hasCell() {
        return true;
    }

    @Override
    double[] peepholes(KernelContext ctx) {
        Tensor p = ctx.input(7);
        if (p == null) return null;
        expect(p, "P (input 7)", directions, 3 * hidden);
        return Elements.toDoubles(p);
    }

    @Override
    void step(Weights w, double[] x, double[] h, double[] c, double[] scratch, int act) {
        Activation f = activations[act];
        Activation g = activations[act + 1];
        Activation hf = activations[act + 2];
        int n = hidden;
        double[] p = w.p;
        int po = w.pOff;
        // First every gate's pre-activation from the previous H (which the loop below overwrites).
        for (int gate = 0; gate < 4; gate++) {
            for (int k = 0; k < n; k++) scratch[gate * n + k] = inputPart(w, gate, k, x) + recurrentPart(w, gate, k, h);
        }
        for (int k = 0; k < n; k++) {
            double cPrev = c[k];
            double i = f.apply(clip(scratch[k] + (p == null ? 0 : p[po + k] * cPrev)));
            double fg = inputForget ? 1 - i : f.apply(clip(scratch[2 * n + k] + (p == null ? 0 : p[po + 2 * n + k] * cPrev)));
            double cand = g.apply(clip(scratch[3 * n + k]));
            double cNew = fg * cPrev + i * cand;
            double o = f.apply(clip(scratch[n + k] + (p == null ? 0 : p[po + n + k] * cNew)));
            c[k] = cNew;
            h[k] = o * hf.apply(cNew);
        }
    }
}
