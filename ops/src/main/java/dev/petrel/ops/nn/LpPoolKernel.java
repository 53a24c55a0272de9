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
        int inD = r.in[0], inH = r.in[1], inW = r.in[2];
        int inSize = r.inSize();
        int yi = 0;
        for (int plane = 0; plane < xd[0] * xd[1]; plane++) {
            int base = plane * inSize;
            for (int oz = 0; oz < r.out[0]; oz++) {
                for (int oy = 0; oy < r.out[1]; oy++) {
                    for (int ox = 0; ox < r.out[2]; ox++) {
                        double sum = 0;
                        for (int kz = 0; kz < r.k[0]; kz++) {
                            int iz = oz * r.s[0] - r.pb[0] + kz * r.d[0];
                            if (iz < 0 || iz >= inD) continue;
                            for (int ky = 0; ky < r.k[1]; ky++) {
                                int iy = oy * r.s[1] - r.pb[1] + ky * r.d[1];
                                if (iy < 0 || iy >= inH) continue;
                                for (int kx = 0; kx < r.k[2]; kx++) {
                                    int ix = ox * r.s[2] - r.pb[2] + kx * r.d[2];
                                    if (ix < 0 || ix >= inW) continue;
                                    sum += power(Math.abs(x[base + (iz * inH + iy) * inW + ix]), p);
                                }
                            }
                        }
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
