package dev.petrel.ops.vision;

import dev.petrel.Tensor;
import dev.petrel.UnsupportedFeatureException;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/**
 * GridSample on 4-D input: X [N, C, H, W] sampled at grid [N, Ho, Wo, 2] of normalized (x, y) in
 * [-1, 1], giving [N, C, Ho, Wo]. Modes bilinear, nearest (round half to even), bicubic (A = -0.75);
 * padding zeros, border (clamp), reflection (mirror at the borders, which are the pixel centers with
 * align_corners and the outer pixel edges without).
 */
final class GridSampleKernel implements Kernel {
    private enum Mode { BILINEAR, NEAREST, BICUBIC }

    private enum Padding { ZEROS, BORDER, REFLECTION }

    private static final double CUBIC_A = -0.75;

    private final Mode mode;
    private final Padding padding;
    private final boolean alignCorners;

    GridSampleKernel(Node node) {
        Attributes a = node.attributes();
        String m = a.getString("mode", node.opsetVersion() >= 20 ? "linear" : "bilinear");
        switch (m) {
            case "bilinear": case "linear": mode = Mode.BILINEAR; break;
            case "nearest": mode = Mode.NEAREST; break;
            case "bicubic": case "cubic": mode = Mode.BICUBIC; break;
            default: throw new IllegalArgumentException("GridSample mode '" + m + "' is not defined");
        }
        String p = a.getString("padding_mode", "zeros");
        switch (p) {
            case "zeros": padding = Padding.ZEROS; break;
            case "border": padding = Padding.BORDER; break;
            case "reflection": padding = Padding.REFLECTION; break;
            default: throw new IllegalArgumentException("GridSample padding_mode '" + p + "' is not defined");
        }
        alignCorners = a.getInt("align_corners", 0) != 0;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor xt = ctx.requireInput(0);
        Tensor gt = ctx.requireInput(1);
        if (xt.rank() != 4) throw new UnsupportedFeatureException("GridSample supports 4-D input only, got " + xt.describe());
        int n = xt.dim(0), ch = xt.dim(1), h = xt.dim(2), w = xt.dim(3);
        if (gt.rank() != 4 || gt.dim(0) != n || gt.dim(3) != 2) {
            throw new IllegalArgumentException("GridSample grid must be [" + n + ", H_out, W_out, 2], got " + gt.describe());
        }
        int ho = gt.dim(1), wo = gt.dim(2);
        double[] x = Elements.toDoubles(xt);
        double[] grid = Elements.toDoubles(gt);
        double[] y = new double[n * ch * ho * wo];
        double xMin = alignCorners ? 0 : -0.5, xMax = alignCorners ? w - 1 : w - 0.5;
        double yMin = alignCorners ? 0 : -0.5, yMax = alignCorners ? h - 1 : h - 0.5;
        double[] p = new double[16];
        double[] cx = new double[4];
        double[] cy = new double[4];
        for (int b = 0; b < n; b++) {
            for (int oy = 0; oy < ho; oy++) {
                for (int ox = 0; ox < wo; ox++) {
                    int g = ((b * ho + oy) * wo + ox) * 2;
                    double sx = denormalize(grid[g], w);
                    double sy = denormalize(grid[g + 1], h);
                    if (mode == Mode.NEAREST) {
                        sx = Math.rint(sx);
                        sy = Math.rint(sy);
                    }
                    if (sx < xMin || sx > xMax || sy < yMin || sy > yMax) {
                        if (padding == Padding.BORDER) {
                            sx = Math.max(0, Math.min(sx, w - 1));
                            sy = Math.max(0, Math.min(sy, h - 1));
                        } else if (padding == Padding.REFLECTION) {
                            sx = reflect(sx, xMin, xMax);
                            sy = reflect(sy, yMin, yMax);
                        }
                    }
                    for (int c = 0; c < ch; c++) {
                        int plane = (b * ch + c) * h * w;
                        double v;
                        if (mode == Mode.NEAREST) {
                            v = pixel(x, plane, (long) sy, (long) sx, h, w, xMin, xMax, yMin, yMax);
                        } else if (mode == Mode.BILINEAR) {
                            long x1 = (long) Math.floor(sx), y1 = (long) Math.floor(sy);
                            double dx1 = sx - x1, dx2 = x1 + 1 - sx, dy1 = sy - y1, dy2 = y1 + 1 - sy;
                            v = dy2 * (dx2 * pixel(x, plane, y1, x1, h, w, xMin, xMax, yMin, yMax)
                                    + dx1 * pixel(x, plane, y1, x1 + 1, h, w, xMin, xMax, yMin, yMax))
                                    + dy1 * (dx2 * pixel(x, plane, y1 + 1, x1, h, w, xMin, xMax, yMin, yMax)
                                    + dx1 * pixel(x, plane, y1 + 1, x1 + 1, h, w, xMin, xMax, yMin, yMax));
                        } else {
                            long x0 = (long) Math.floor(sx) - 1, y0 = (long) Math.floor(sy) - 1;
                            for (int i = 0; i < 4; i++) {
                                for (int j = 0; j < 4; j++) p[i * 4 + j] = pixel(x, plane, y0 + i, x0 + j, h, w, xMin, xMax, yMin, yMax);
                            }
                            cubic(sx - x0 - 1, cx);
                            cubic(sy - y0 - 1, cy);
                            v = 0;
                            for (int i = 0; i < 4; i++) {
                                double row = 0;
                                for (int j = 0; j < 4; j++) row += cx[j] * p[i * 4 + j];
                                v += cy[i] * row;
                            }
                        }
                        y[((b * ch + c) * ho + oy) * wo + ox] = v;
                    }
                }
            }
        }
        Elements.storeDoubles(ctx.output(0, xt.dtype(), n, ch, ho, wo), y);
    }

    private double denormalize(double v, int len) {
        return alignCorners ? (v + 1) / 2 * (len - 1) : ((v + 1) * len - 1) / 2;
    }

    /** The value at integer pixel (r, c) with this padding mode applied to out-of-range indices. */
    private double pixel(double[] x, int plane, long r, long c, int h, int w, double xMin, double xMax, double yMin, double yMax) {
        switch (padding) {
            case ZEROS:
                return r >= 0 && r < h && c >= 0 && c < w ? x[plane + (int) r * w + (int) c] : 0;
            case BORDER:
                r = Math.max(0, Math.min(r, h - 1));
                c = Math.max(0, Math.min(c, w - 1));
                return x[plane + (int) r * w + (int) c];
            default: {
                // Reflected coordinates can land on x_max = w - 0.5 without align_corners; truncation keeps them inside.
                long rc = (long) reflect(c, xMin, xMax);
                long rr = (long) reflect(r, yMin, yMax);
                rc = Math.max(0, Math.min(rc, w - 1));
                rr = Math.max(0, Math.min(rr, h - 1));
                return x[plane + (int) rr * w + (int) rc];
            }
        }
    }

    private static double reflect(double v, double lo, double hi) {
        double range = hi - lo;
        if (range <= 0) return lo;
        if (v < lo) {
            double d = lo - v;
            long k = (long) (d / range);
            double r = d - k * range;
            return k % 2 == 0 ? lo + r : hi - r;
        }
        if (v > hi) {
            double d = v - hi;
            long k = (long) (d / range);
            double r = d - k * range;
            return k % 2 == 0 ? hi - r : lo + r;
        }
        return v;
    }

    private static void cubic(double t, double[] c) {
        double a = CUBIC_A;
        double s = Math.abs(t);
        c[0] = ((a * (s + 1) - 5 * a) * (s + 1) + 8 * a) * (s + 1) - 4 * a;
        c[1] = ((a + 2) * s - (a + 3)) * s * s + 1;
        c[2] = ((a + 2) * (1 - s) - (a + 3)) * (1 - s) * (1 - s) + 1;
        c[3] = ((a * (2 - s) - 5 * a) * (2 - s) + 8 * a) * (2 - s) - 4 * a;
    }
}
