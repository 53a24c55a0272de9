package dev.petrel.ops.nn;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/**
 * MaxRoiPool: each region [batch_index, x1, y1, x2, y2] (input coordinates, scaled by
 * {@code spatial_scale} and rounded) is divided into a pooled_shape grid of bins whose maximum is taken;
 * a bin that covers no pixel yields 0. Bin edges are floor/ceil of the fractional bin boundaries.
 */
final class MaxRoiPoolKernel implements Kernel {
    private final int pooledH;
    private final int pooledW;
    private final double spatialScale;
    private double[] xs;

    MaxRoiPoolKernel(Node node) {
        long[] ps = node.attributes().getInts("pooled_shape");
        if (ps == null || ps.length != 2 || ps[0] < 1 || ps[1] < 1) {
            throw new IllegalArgumentException("MaxRoiPool requires pooled_shape with two positive values, got "
                    + (ps == null ? "none" : java.util.Arrays.toString(ps)));
        }
        this.pooledH = (int) ps[0];
        this.pooledW = (int) ps[1];
        this.spatialScale = node.attributes().getFloat("spatial_scale", 1f);
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor xt = ctx.requireInput(0);
        Tensor rt = ctx.requireInput(1);
        int[] xd = xt.dims();
        if (xd.length != 4) throw new IllegalArgumentException("MaxRoiPool input X must be [N, C, H, W], got " + xt.describe());
        if (rt.rank() != 2 || rt.dim(1) != 5) throw new IllegalArgumentException("MaxRoiPool rois must be [num_rois, 5], got " + rt.describe());
        int channels = xd[1];
        int height = xd[2];
        int width = xd[3];
        int rois = rt.dim(0);
        double[] x = xs = Elements.toDoubles(xt, xs);
        double[] r = Elements.toDoubles(rt, null);
        Tensor yt = ctx.output(0, xt.dtype(), rois, channels, pooledH, pooledW);
        double[] y = new double[yt.size()];
        int yi = 0;
        for (int n = 0; n < rois; n++) {
            int b = (int) r[n * 5];
            if (b < 0 || b >= xd[0]) {
                throw new IllegalArgumentException("MaxRoiPool roi " + n + " has batch index " + r[n * 5] + ", outside [0, " + xd[0] + ")");
            }
            int x1 = roundHalfAway(r[n * 5 + 1] * spatialScale);
            int y1 = roundHalfAway(r[n * 5 + 2] * spatialScale);
            int x2 = roundHalfAway(r[n * 5 + 3] * spatialScale);
            int y2 = roundHalfAway(r[n * 5 + 4] * spatialScale);
            double binH = Math.max(y2 - y1 + 1, 1) / (double) pooledH;
            double binW = Math.max(x2 - x1 + 1, 1) / (double) pooledW;
            for (int c = 0; c < channels; c++) {
                int plane = (b * channels + c) * height * width;
                for (int ph = 0; ph < pooledH; ph++) {
                    int hs = clamp((int) Math.floor(ph * binH) + y1, height);
                    int he = clamp((int) Math.ceil((ph + 1) * binH) + y1, height);
                    for (int pw = 0; pw < pooledW; pw++) {
                        int ws = clamp((int) Math.floor(pw * binW) + x1, width);
                        int we = clamp((int) Math.ceil((pw + 1) * binW) + x1, width);
                        double max = Double.NEGATIVE_INFINITY;
                        for (int h = hs; h < he; h++) {
                            for (int w = ws; w < we; w++) max = Math.max(max, x[plane + h * width + w]);
                        }
                        y[yi++] = he <= hs || we <= ws ? 0 : max;
                    }
                }
            }
        }
        Elements.storeDoubles(yt, y);
    }

    /** C's round(): halves go away from zero (Math.round would send -0.5 up to 0). */
    private static int roundHalfAway(double v) {
        return (int) (Math.signum(v) * Math.floor(Math.abs(v) + 0.5));
    }

    private static int clamp(int v, int size) {
        return Math.min(Math.max(v, 0), size);
    }
}
