package dev.petrel.ops.nn;

import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/** LpPool: (sum of |x|^p over the window)^(1/p); padding contributes nothing. Opset 1 gives p as a float. */
final class LpPoolKernel implements Kernel {
    private final Window window;
    private final double p;
    private double[] xs;
    private double[] ys;

    LpPoolKernel(Node node) {
        this.window = new Window(node);
        window.requireKernel();
        this.p = exponent(node);
    }

    static double exponent(Node node) {
        Attribute a = node.attributes().get("p");
        double p = a == null ? 2 : a.kind() == Attribute.Kind.FLOAT ? (Float) a.value() : node.attributes().getInt("p", 2);
        if (!(p > 0)) throw new IllegalArgumentException(node.opType() + " p must be positive, got " + p);
        return p;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor xt = ctx.requireInput(0);
        int[] xd = xt.dims();
        Window.Resolved r = window.resolve(xd, window.requireKernel());
        Tensor yt = ctx.output(0, xt.dtype(), r.outDims(xd[0], xd[1]));
        int ySize = yt.size();
        if (ySize == 0) return;
        double[] x = xs = Elements.toDoubles(xt, xs);
        double[] y = ys = ys != null && ys.length >= ySize ? ys : new double[ySize];
        int inSize = r.inSize();
        int[] taps = new int[r.kernelSize()];
        int yi = 0;
        for (int plane = 0; plane < xd[0] * xd[1]; plane++) {
            int base = plane * inSize;
            for (int oz = 0; oz < r.out[0]; oz++) {
                for (int oy = 0; oy < r.out[1]; oy++) {
                    for (int ox = 0; ox < r.out[2]; ox++) {
                        int nTaps = r.taps(oz, oy, ox, taps, null);
                        double sum = 0;
                        for (int t = 0; t < nTaps; t++) sum += power(Math.abs(x[base + taps[t]]), p);
                        y[yi++] = root(sum, p);
                    }
                }
            }
        }
        Elements.storeDoubles(yt, y);
    }

    static double power(double v, double p) {
        return p == 2 ? v * v : p == 1 ? v : Math.pow(v, p);
    }

    static double root(double v, double p) {
        return p == 2 ? Math.sqrt(v) : p == 1 ? v : Math.pow(v, 1 / p);
    }
}
