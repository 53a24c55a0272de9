package dev.petrel.ops.vision;

import dev.petrel.Tensor;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.ops.Shapes;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/**
 * RoiAlign: X [N, C, H, W], rois [R, 4] as (x1, y1, x2, y2), batch_indices [R] give Y [R, C, oh, ow].
 * Each output bin averages (or takes the max over) a grid of bilinearly interpolated samples.
 * Opset 10 has no coordinate_transformation_mode (output_half_pixel); opset 16 defaults to half_pixel,
 * which shifts by half a pixel and lets a roi be smaller than one pixel.
 *
 * <p>In max mode each sample contributes the largest of its four weighted corner values, not the
 * interpolated value, matching ONNX Runtime and the ONNX reference implementation.
 */
final class RoiAlignKernel implements Kernel {
    private final boolean max;
    private final int outH;
    private final int outW;
    private final int samplingRatio;
    private final double spatialScale;
    private final boolean halfPixel;

    RoiAlignKernel(Node node) {
        Attributes a = node.attributes();
        String mode = a.getString("mode", "avg");
        if (!mode.equals("avg") && !mode.equals("max")) throw new IllegalArgumentException("RoiAlign mode must be avg or max, got '" + mode + "'");
        this.max = mode.equals("max");
        this.outH = (int) a.getInt("output_height", 1);
        this.outW = (int) a.getInt("output_width", 1);
        this.samplingRatio = (int) a.getInt("sampling_ratio", 0);
        this.spatialScale = a.getFloat("spatial_scale", 1f);
        if (outH <= 0 || outW <= 0 || samplingRatio < 0) {
            throw new IllegalArgumentException("RoiAlign needs positive output_height/output_width and sampling_ratio >= 0");
        }
        String ctm = a.getString("coordinate_transformation_mode", node.opsetVersion() >= 16 ? "half_pixel" : "output_half_pixel");
        if (!ctm.equals("half_pixel") && !ctm.equals("output_half_pixel")) {
            throw new IllegalArgumentException("RoiAlign coordinate_transformation_mode must be half_pixel or output_half_pixel, got '" + ctm + "'");
        }
        this.halfPixel = ctm.equals("half_pixel");
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor xt = ctx.requireInput(0);
        Tensor rt = ctx.requireInput(1);
        Tensor bt = ctx.requireInput(2);
        if (xt.rank() != 4) throw new IllegalArgumentException("RoiAlign X must be [N, C, H, W], got " + xt.describe());
        if (rt.rank() != 2 || rt.dim(1) != 4) throw new IllegalArgumentException("RoiAlign rois must be [num_rois, 4], got " + rt.describe());
        int rois = rt.dim(0);
        if (bt.size() != rois) throw new IllegalArgumentException("RoiAlign batch_indices " + bt.describe() + " must have " + rois + " entries");
        int n = xt.dim(0), ch = xt.dim(1), h = xt.dim(2), w = xt.dim(3);
        double[] x = Elements.toDoubles(xt);
        double[] roi = Elements.toDoubles(rt);
        long[] batch = Shapes.longs(bt);
        double[] y = new double[rois * ch * outH * outW];
        double offset = halfPixel ? 0.5 : 0;
        for (int r = 0; r < rois; r++) {
            if (batch[r] < 0 || batch[r] >= n) throw new IllegalArgumentException("RoiAlign batch index " + batch[r] + " is outside [0, " + n + ")");
            double x0 = roi[r * 4] * spatialScale - offset;
            double y0 = roi[r * 4 + 1] * spatialScale - offset;
            double rw = roi[r * 4 + 2] * spatialScale - offset - x0;
            double rh = roi[r * 4 + 3] * spatialScale - offset - y0;
            if (!halfPixel) {
                rw = Math.max(rw, 1);
                rh = Math.max(rh, 1);
            }
            double binH = rh / outH;
            double binW = rw / outW;
            int gridH = samplingRatio > 0 ? samplingRatio : (int) Math.ceil(rh / outH);
            int gridW = samplingRatio > 0 ? samplingRatio : (int) Math.ceil(rw / outW);
            double count = Math.max(gridH * gridW, 1);
            // Corner indices and weights of every sample, shared by all channels.
            int samples = outH * outW * gridH * gridW;
            int[] pos = new int[samples * 4];
            double[] wt = new double[samples * 4];
            int s = 0;
            for (int ph = 0; ph < outH; ph++) {
                for (int pw = 0; pw < outW; pw++) {
                    for (int iy = 0; iy < gridH; iy++) {
                        double yy = y0 + ph * binH + (iy + 0.5) * binH / gridH;
                        for (int ix = 0; ix < gridW; ix++, s++) {
                            double xx = x0 + pw * binW + (ix + 0.5) * binW / gridW;
                            corners(yy, xx, h, w, pos, wt, s * 4);
                        }
                    }
                }
            }
            int per = gridH * gridW;
            for (int c = 0; c < ch; c++) {
                int plane = (int) ((batch[r] * ch + c) * h * w);
                int outBase = (r * ch + c) * outH * outW;
                for (int bin = 0; bin < outH * outW; bin++) {
                    double acc = max ? Double.NEGATIVE_INFINITY : 0;
                    for (int k = bin * per; k < (bin + 1) * per; k++) {
                        int q = k * 4;
                        if (max) {
                            double v = Math.max(Math.max(wt[q] * x[plane + pos[q]], wt[q + 1] * x[plane + pos[q + 1]]),
                                    Math.max(wt[q + 2] * x[plane + pos[q + 2]], wt[q + 3] * x[plane + pos[q + 3]]));
                            acc = Math.max(acc, v);
                        } else {
                            acc += wt[q] * x[plane + pos[q]] + wt[q + 1] * x[plane + pos[q + 1]]
                                    + wt[q + 2] * x[plane + pos[q + 2]] + wt[q + 3] * x[plane + pos[q + 3]];
                        }
                    }
                    y[outBase + bin] = max ? (per == 0 ? 0 : acc) : acc / count;
                }
            }
        }
        Elements.storeDoubles(ctx.output(0, xt.dtype(), rois, ch, outH, outW), y);
    }

    /** Bilinear corners of sample (y, x); a sample more than one pixel outside the map contributes zero. */
    private static void corners(double y, double x, int h, int w, int[] pos, double[] wt, int at) {
        if (y < -1 || y > h || x < -1 || x > w) {
            for (int k = 0; k < 4; k++) {
                pos[at + k] = 0;
                wt[at + k] = 0;
            }
            return;
        }
        if (y <= 0) y = 0;
        if (x <= 0) x = 0;
        int yl = (int) y, xl = (int) x, yh, xh;
        if (yl >= h - 1) {
            yh = yl = h - 1;
            y = yl;
        } else {
            yh = yl + 1;
        }
        if (xl >= w - 1) {
            xh = xl = w - 1;
            x = xl;
        } else {
            xh = xl + 1;
        }
        double ly = y - yl, lx = x - xl, hy = 1 - ly, hx = 1 - lx;
        pos[at] = yl * w + xl;
        pos[at + 1] = yl * w + xh;
        pos[at + 2] = yh * w + xl;
        pos[at + 3] = yh * w + xh;
        wt[at] = hy * hx;
        wt[at + 1] = hy * lx;
        wt[at + 2] = ly * hx;
        wt[at + 3] = ly * lx;
    }
}
