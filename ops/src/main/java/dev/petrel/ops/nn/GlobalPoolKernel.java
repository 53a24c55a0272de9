package dev.petrel.ops.nn;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.ops.Shapes;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/** GlobalAveragePool, GlobalMaxPool and GlobalLpPool: one value per (batch, channel), spatial dims become 1. */
final class GlobalPoolKernel implements Kernel {
    enum Mode { AVERAGE, MAX, LP }

    private final Mode mode;
    private final double p;
    private double[] xs;

    GlobalPoolKernel(Node node, Mode mode) {
        this.mode = mode;
        this.p = mode == Mode.LP ? LpPoolKernel.exponent(node) : 0;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor xt = ctx.requireInput(0);
        int[] xd = xt.dims();
        if (xd.length < 2) throw new IllegalArgumentException("global pooling needs an input of rank >= 2 ([N, C, ...]), got " + xt.describe());
        int planes = xd[0] * xd[1];
        int inner = Shapes.product(xd, 2, xd.length);
        int[] od = xd.clone();
        for (int i = 2; i < od.length; i++) od[i] = 1;
        Tensor yt = ctx.output(0, xt.dtype(), od);
        if (planes == 0) return;
        double[] x = xs = Elements.toDoubles(xt, xs);
        double[] y = new double[planes];
        for (int pl = 0; pl < planes; pl++) {
            int base = pl * inner;
            double acc;
            if (mode == Mode.MAX) {
                acc = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < inner; j++) acc = Math.max(acc, x[base + j]);
            } else if (mode == Mode.AVERAGE) {
                acc = 0;
                for (int j = 0; j < inner; j++) acc += x[base + j];
                acc /= inner;
            } else {
                acc = 0;
                for (int j = 0; j < inner; j++) acc += LpPoolKernel.power(Math.abs(x[base + j]), p);
                acc = LpPoolKernel.root(acc, p);
            }
            y[pl] = acc;
        }
        Elements.storeDoubles(yt, y);
    }
}
