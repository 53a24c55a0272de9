package dev.petrel.ops.nn;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/**
 * AveragePool over 1-3 spatial dimensions. With {@code count_include_pad=0} the divisor is the number
 * of input elements under the window; with 1 it also counts explicit padding, but never the positions
 * a ceil_mode window reaches beyond the padding.
 */
final class AveragePoolKernel implements Kernel {
    private final Window window;
    private final boolean includePad;
    private double[] xs;
    private double[] ys;

    AveragePoolKernel(Node node) {
        this.window = new Window(node);
        this.includePad = node.attributes().getInt("count_include_pad", 0) != 0;
        window.requireKernel();
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
                        int count = 0;
                        for (int kz = 0; kz < r.k[0]; kz++) {
                            int iz = oz * r.s[0] - r.pb[0] + kz * r.d[0];
                            boolean zIn = iz >= 0 && iz < inD;
                            if (!zIn && !(includePad && iz >= -r.pb[0] && iz < inD + r.pe[0])) continue;
                            for (int ky = 0; ky < r.k[1]; ky++) {
                                int iy = oy * r.s[1] - r.pb[1] + ky * r.d[1];
                                boolean yIn = iy >= 0 && iy < inH;
                                if (!yIn && !(includePad && iy >= -r.pb[1] && iy < inH + r.pe[1])) continue;
                                for (int kx = 0; kx < r.k[2]; kx++) {
                                    int ix = ox * r.s[2] - r.pb[2] + kx * r.d[2];
                                    boolean xIn = ix >= 0 && ix < inW;
                                    if (zIn && yIn && xIn) {
                                        sum += x[base + (iz * inH + iy) * inW + ix];
                                        count++;
                                    } else if (includePad && ix >= -r.pb[2] && ix < inW + r.pe[2]) {
                                        count++;
                                    }
                                }
                            }
                        }
                        y[yi++] = count == 0 ? 0 : sum / count;
                    }
                }
            }
        }
        Elements.storeDoubles(yt, y);
    }
}
