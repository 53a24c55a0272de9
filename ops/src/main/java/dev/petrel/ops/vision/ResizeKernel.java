package dev.petrel.ops.vision;

import dev.petrel.Tensor;
import dev.petrel.UnsupportedFeatureException;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.ops.Shapes;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.util.Arrays;

/**
 * Resize. Opset 10: inputs (X, scales), modes nearest/linear with asymmetric coordinates, like Upsample.
 * Opset 11+: inputs (X, roi, scales, sizes), every coordinate_transformation_mode, nearest_mode, cubic.
 * Opset 18+: axes and keep_aspect_ratio_policy; antialiasing is not implemented.
 */
final class ResizeKernel implements Kernel {
    private final int opset;
    private final Resampler resampler;
    private final long[] axes;
    private final String policy;

    ResizeKernel(Node node) {
        Attributes a = node.attributes();
        this.opset = node.opsetVersion();
        Resampler.Mode mode = Resampler.mode(a.getString("mode", "nearest"), "Resize");
        if (opset < 11) {
            if (mode == Resampler.Mode.CUBIC) throw new IllegalArgumentException("Resize opset 10 has no cubic mode");
            resampler = new Resampler(mode, Resampler.Coord.ASYMMETRIC, Resampler.Rounding.SIMPLE, -0.75, false, 0);
            axes = null;
            policy = "stretch";
            return;
        }
        if (a.getInt("antialias", 0) != 0) {
            throw new UnsupportedFeatureException("Resize antialias=1 is not supported");
        }
        Resampler.Coord coord = Resampler.coord(a.getString("coordinate_transformation_mode", "half_pixel"), "Resize");
        if (coord == Resampler.Coord.HALF_PIXEL_SYMMETRIC && opset < 19) {
            throw new IllegalArgumentException("Resize coordinate_transformation_mode half_pixel_symmetric needs opset 19");
        }
        Resampler.Rounding rounding = Resampler.rounding(a.getString("nearest_mode", "round_prefer_floor"), "Resize");
        resampler = new Resampler(mode, coord, rounding, a.getFloat("cubic_coeff_a", -0.75f),
                a.getInt("exclude_outside", 0) != 0, a.getFloat("extrapolation_value", 0f));
        axes = a.getInts("axes");
        policy = a.getString("keep_aspect_ratio_policy", "stretch");
        if (!policy.equals("stretch") && !policy.equals("not_larger") && !policy.equals("not_smaller")) {
            throw new IllegalArgumentException("Resize keep_aspect_ratio_policy must be stretch, not_larger or not_smaller, got '" + policy + "'");
        }
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        int rank = x.rank();
        int[] in = x.dims();
        Tensor roiT = opset < 11 ? null : present(ctx.input(1));
        Tensor scalesT = present(ctx.input(opset < 11 ? 1 : 2));
        Tensor sizesT = opset < 11 ? null : present(ctx.input(3));
        int[] ax = new int[axes == null ? rank : axes.length];
        for (int i = 0; i < ax.length; i++) ax[i] = axes == null ? i : Shapes.axis(axes[i], rank);

        double[] scales = new double[rank];
        Arrays.fill(scales, 1);
        int[] out = in.clone();
        if (sizesT != null) {
            if (scalesT != null) throw new IllegalArgumentException("Resize takes scales or sizes, not both");
            long[] sizes = Shapes.longs(sizesT);
            expectLength(sizes.length, ax.length, "sizes");
            if (policy.equals("stretch")) {
                for (int i = 0; i < ax.length; i++) {
                    if (sizes[i] < 0) throw new IllegalArgumentException("Resize sizes has a negative entry: " + Arrays.toString(sizes));
                    out[ax[i]] = (int) sizes[i];
                    scales[ax[i]] = (double) sizes[i] / in[ax[i]];
                }
            } else {
                double s = policy.equals("not_larger") ? Double.POSITIVE_INFINITY : 0;
                for (int i = 0; i < ax.length; i++) {
                    double r = (double) sizes[i] / in[ax[i]];
                    s = policy.equals("not_larger") ? Math.min(s, r) : Math.max(s, r);
                }
                for (int i = 0; i < ax.length; i++) {
                    out[ax[i]] = (int) Math.floor(s * in[ax[i]] + 0.5);
                    scales[ax[i]] = s;
                }
            }
        } else if (scalesT != null) {
            double[] s = Elements.toDoubles(scalesT);
            expectLength(s.length, ax.length, "scales");
            for (int i = 0; i < ax.length; i++) {
                if (!(s[i] > 0)) throw new IllegalArgumentException("Resize scales must be positive, got " + Arrays.toString(s));
                scales[ax[i]] = s[i];
                out[ax[i]] = (int) Math.floor(in[ax[i]] * s[i]);
            }
        } else {
            throw new IllegalArgumentException("Resize needs a non-empty scales or sizes input");
        }

        double[] roi = null;
        if (resampler.coord == Resampler.Coord.TF_CROP_AND_RESIZE) {
            roi = new double[2 * rank];
            for (int d = 0; d < rank; d++) roi[rank + d] = 1;
            if (roiT != null) {
                double[] r = Elements.toDoubles(roiT);
                expectLength(r.length, 2 * ax.length, "roi");
                for (int i = 0; i < ax.length; i++) {
                    roi[ax[i]] = r[i];
                    roi[rank + ax[i]] = r[ax.length + i];
                }
            }
        }
        resampler.resize(x, ctx.output(0, x.dtype(), out), scales, roi);
    }

    private static Tensor present(Tensor t) {
        return t == null || t.size() == 0 ? null : t;
    }

    private static void expectLength(int got, int want, String what) {
        if (got != want) throw new IllegalArgumentException("Resize " + what + " has " + got + " values; expected " + want);
    }
}
