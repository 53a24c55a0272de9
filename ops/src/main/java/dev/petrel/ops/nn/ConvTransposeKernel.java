package dev.petrel.ops.nn;

import dev.petrel.Tensor;
import dev.petrel.UnsupportedFeatureException;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.util.Arrays;

/**
 * ConvTranspose (1-D to 3-D) with groups, strides, dilations, pads, output_padding, output_shape and
 * auto_pad. Each input value is scattered through the kernel into the output, accumulating in double.
 * When output_shape is given, the total padding follows the spec: SAME_UPPER puts the smaller half at
 * the start, otherwise the larger half; positions the scatter does not reach stay zero.
 */
final class ConvTransposeKernel implements Kernel {
    private final long group;
    private final long[] kernelShape;
    private final long[] strides;
    private final long[] dilations;
    private final long[] pads;
    private final long[] outputPadding;
    private final long[] outputShape;
    private final String autoPad;
    private double[] xs;
    private double[] ys;

    ConvTransposeKernel(Node node) {
        Attributes a = node.attributes();
        this.group = a.getInt("group", 1);
        if (group < 1) throw new IllegalArgumentException("ConvTranspose group must be >= 1, got " + group);
        this.kernelShape = a.getInts("kernel_shape");
        this.strides = a.getInts("strides");
        this.dilations = a.getInts("dilations");
        this.pads = a.getInts("pads");
        this.outputPadding = a.getInts("output_padding");
        this.outputShape = a.getInts("output_shape");
        String ap = a.getString("auto_pad", "NOTSET");
        this.autoPad = ap.isEmpty() ? "NOTSET" : ap;
        if (!Arrays.asList("NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID").contains(autoPad)) {
            throw new IllegalArgumentException("ConvTranspose auto_pad must be NOTSET, SAME_UPPER, SAME_LOWER or VALID, got '" + ap + "'");
        }
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor xt = ctx.requireInput(0);
        Tensor wt = ctx.requireInput(1);
        Tensor bt = ctx.input(2);
        int[] xd = xt.dims();
        int[] wd = wt.dims();
        int rank = xd.length - 2;
        if (rank < 1) throw new IllegalArgumentException("ConvTranspose input must be [N, C, spatial...], got " + xt.describe());
        if (rank > 3) throw new UnsupportedFeatureException("ConvTranspose with " + rank + " spatial dimensions is not supported (at most 3)");
        if (wd.length != xd.length) throw new IllegalArgumentException("ConvTranspose W must have the rank of X, got " + wt.describe());
        int g = (int) group;
        int batch = xd[0];
        int channels = xd[1];
        if (wd[0] != channels || channels % g != 0) {
            throw new IllegalArgumentException("ConvTranspose W must be [C, M/group, ...] with C = " + channels
                    + " divisible by group " + g + ", got " + wt.describe());
        }
        int cg = channels / g;
        int mg = wd[1];
        int m = mg * g;
        if (bt != null && bt.size() != m) throw new IllegalArgumentException("ConvTranspose B must have " + m + " elements, got " + bt.describe());
        int[] in = {1, 1, 1};
        int[] k = {1, 1, 1};
        int[] s = {1, 1, 1};
        int[] d = {1, 1, 1};
        int[] pb = {0, 0, 0};
        int[] out = {1, 1, 1};
        int[] outDims = new int[xd.length];
        outDims[0] = batch;
        outDims[1] = m;
        for (int i = 0; i < rank; i++) {
            int j = 3 - rank + i;
            in[j] = xd[2 + i];
            k[j] = wd[2 + i];
            if (kernelShape != null && (kernelShape.length != rank || kernelShape[i] != k[j])) {
                throw new IllegalArgumentException("ConvTranspose kernel_shape " + Arrays.toString(kernelShape) + " does not match W " + wt.describe());
            }
            s[j] = (int) at(strides, i, rank, 1, "strides");
            d[j] = (int) at(dilations, i, rank, 1, "dilations");
            int op = (int) at(outputPadding, i, rank, 0, "output_padding");
            int full = s[j] * (in[j] - 1) + op + (k[j] - 1) * d[j] + 1;
            int o;
            int begin;
            if (outputShape != null) {
                if (outputShape.length != rank && outputShape.length != rank + 2) {
                    throw new IllegalArgumentException("ConvTranspose output_shape " + Arrays.toString(outputShape) + " must have "
                            + rank + " (or " + (rank + 2) + ") values");
                }
                o = (int) outputShape[outputShape.length - rank + i];
                int total = Math.max(0, full - o);
                begin = autoPad.equals("SAME_UPPER") ? total / 2 : total - total / 2;
            } else if (autoPad.startsWith("SAME")) {
                o = in[j] * s[j];
                int total = Math.max(0, full - o);
                begin = autoPad.equals("SAME_UPPER") ? total / 2 : total - total / 2;
            } else if (autoPad.equals("VALID")) {
                o = full;
                begin = 0;
            } else {
                if (pads != null && pads.length != 2 * rank) {
                    throw new IllegalArgumentException("ConvTranspose pads " + Arrays.toString(pads) + " must have " + 2 * rank + " values");
                }
                begin = pads == null ? 0 : (int) pads[i];
                int end = pads == null ? 0 : (int) pads[i + rank];
                o = full - begin - end;
            }
            if (o < 0) throw new IllegalArgumentException("ConvTranspose output size " + o + " on spatial axis " + i + " is negative");
            out[j] = o;
            pb[j] = begin;
            outDims[2 + i] = o;
        }
        Tensor yt = ctx.output(0, xt.dtype(), outDims);
        int ySize = yt.size();
        if (ySize == 0) return;
        double[] x = xs = Elements.toDoubles(xt, xs);
        double[] w = Elements.toDoubles(wt, null);
        double[] bias = bt == null ? null : Elements.toDoubles(bt, null);
        double[] y = ys = ys != null && ys.length >= ySize ? ys : new double[ySize];
        int inSize = in[0] * in[1] * in[2];
        int outSize = out[0] * out[1] * out[2];
        int kSize = k[0] * k[1] * k[2];
        for (int n = 0; n < batch; n++) {
            for (int oc = 0; oc < m; oc++) {
                double b0 = bias == null ? 0 : bias[oc];
                Arrays.fill(y, (n * m + oc) * outSize, (n * m + oc + 1) * outSize, b0);
            }
            for (int c = 0; c < channels; c++) {
                int gi = c / cg;
                int xc = (n * channels + c) * inSize;
                for (int iz = 0; iz < in[0]; iz++) {
                    for (int iy = 0; iy < in[1]; iy++) {
                        for (int ix = 0; ix < in[2]; ix++) {
                            double v = x[xc + (iz * in[1] + iy) * in[2] + ix];
                            if (v == 0) continue;
                            for (int mi = 0; mi < mg; mi++) {
                                int yc = (n * m + gi * mg + mi) * outSize;
                                int wc = (c * mg + mi) * kSize;
                                for (int kz = 0; kz < k[0]; kz++) {
                                    int oz = iz * s[0] - pb[0] + kz * d[0];
                                    if (oz < 0 || oz >= out[0]) continue;
                                    for (int ky = 0; ky < k[1]; ky++) {
                                        int oy = iy * s[1] - pb[1] + ky * d[1];
                                        if (oy < 0 || oy >= out[1]) continue;
                                        int yr = yc + (oz * out[1] + oy) * out[2];
                                        int wr = wc + (kz * k[1] + ky) * k[2];
                                        for (int kx = 0; kx < k[2]; kx++) {
                                            int ox = ix * s[2] - pb[2] + kx * d[2];
                                            if (ox < 0 || ox >= out[2]) continue;
                                            y[yr + ox] += v * w[wr + kx];
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        Elements.storeDoubles(yt, y);
    }

    private static long at(long[] v, int i, int rank, long fallback, String name) {
        if (v == null) return fallback;
        if (v.length != rank) {
            throw new IllegalArgumentException("ConvTranspose attribute " + name + " " + Arrays.toString(v) + " must have " + rank + " values");
        }
        if (v[i] < 0 || v[i] > Integer.MAX_VALUE || (fallback == 1 && v[i] < 1)) {
            throw new IllegalArgumentException("ConvTranspose attribute " + name + " has an invalid value: " + Arrays.toString(v));
        }
        return v[i];
    }
}
