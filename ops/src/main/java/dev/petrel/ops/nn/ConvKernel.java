package dev.petrel.ops.nn;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import dev.petrel.spi.Parallel;
import java.util.Arrays;

/**
 * Conv for 1-D, 2-D and 3-D inputs with groups (depthwise included), strides, dilations, explicit or
 * automatic padding and an optional bias. FLOAT and FLOAT16 go through im2col and a row-major matrix
 * product in float (a pointwise, unstrided, unpadded convolution skips im2col); DOUBLE is convolved
 * directly in double. The im2col and staging buffers belong to the kernel and are reused across runs.
 */
final class ConvKernel implements Kernel {
    /** Output columns processed together, so a block of im2col rows stays in cache across output channels. */
    private static final int COLUMN_BLOCK = 256;

    private final Window window;
    private final long group;
    private float[] xScratch;
    private float[] wScratch;
    private float[] colScratch;
    private float[] yScratch;
    private double[] dx;
    private double[] dy;

    ConvKernel(Node node) {
        this.window = new Window(node);
        this.group = node.attributes().getInt("group", 1);
        if (group < 1) throw new IllegalArgumentException("Conv group must be >= 1, got " + group);
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        Tensor w = ctx.requireInput(1);
        Tensor b = ctx.input(2);
        int[] xd = x.dims();
        int[] wd = w.dims();
        if (wd.length != xd.length) {
            throw new IllegalArgumentException("Conv weight W must have the rank of X (" + xd.length + "), got " + w.describe());
        }
        int g = (int) group;
        int batch = xd[0];
        int channels = xd[1];
        int m = wd[0];
        if (channels % g != 0 || m % g != 0 || wd[1] * g != channels) {
            throw new IllegalArgumentException("Conv with group " + g + ": X has " + channels + " channels and W is " + w.describe()
                    + "; expected W of shape [M, C/group, ...] with M and C divisible by group");
        }
        int[] kernel = Arrays.copyOfRange(wd, 2, wd.length);
        if (window.kernelShape != null && !Arrays.equals(window.requireKernel(), kernel)) {
            throw new IllegalArgumentException("Conv kernel_shape " + Arrays.toString(window.kernelShape) + " does not match W " + w.describe());
        }
        if (b != null && b.size() != m) {
            throw new IllegalArgumentException("Conv bias B must have " + m + " elements, got " + b.describe());
        }
        Window.Resolved r = window.resolve(xd, kernel);
        Tensor y = ctx.output(0, x.dtype(), r.outDims(batch, m));
        if (y.size() == 0) return;
        if (x.dtype() == DType.DOUBLE) {
            runDouble(x, w, b, y, r, g, batch, channels, m);
        } else {
            runFloat(ctx.parallel(), x, w, b, y, r, g, batch, channels, m);
        }
    }

    private void runFloat(Parallel par, Tensor xt, Tensor wt, Tensor bt, Tensor yt, Window.Resolved r,
                          int g, int batch, int channels, int m) {
        float[] x = xScratch = Elements.toFloats(xt, xScratch);
        float[] w = wScratch = Elements.toFloats(wt, wScratch);
        float[] bias = bt == null ? null : Elements.toFloats(bt, null);
        int ySize = yt.size();
        float[] y = yScratch = yScratch != null && yScratch.length >= ySize ? yScratch : new float[ySize];
        int cg = channels / g;
        int mg = m / g;
        int inSize = r.inSize();
        int outSize = r.outSize();
        int kSize = r.kernelSize();
        int rows = cg * kSize;
        boolean pointwise = kSize == 1 && r.s[0] == 1 && r.s[1] == 1 && r.s[2] == 1
                && r.pb[0] == 0 && r.pb[1] == 0 && r.pb[2] == 0 && outSize == inSize;
        float[] col = x;
        if (!pointwise) {
            long need = (long) rows * outSize;
            if (need > Integer.MAX_VALUE) throw new IllegalArgumentException("Conv im2col buffer too large: " + need + " elements");
            if (colScratch == null || colScratch.length < need) colScratch = new float[(int) need];
            col = colScratch;
        }
        for (int n = 0; n < batch; n++) {
            for (int gi = 0; gi < g; gi++) {
                int xOff = (n * channels + gi * cg) * inSize;
                if (!pointwise) im2col(x, xOff, cg, r, col);
                int colOff = pointwise ? xOff : 0;
                int wOff = gi * mg * rows;
                int yOff = (n * m + gi * mg) * outSize;
                int biasOff = gi * mg;
                float[] colF = col;
                par.forRange(mg, (from, to) -> gemm(w, wOff, colF, colOff, y, yOff, bias, biasOff, from, to, rows, outSize));
            }
        }
        Elements.storeFloats(yt, y);
    }

    /** Unfolds one group's input into rows (channel, kz, ky, kx) of outSize columns; padding reads as 0. */
    static void im2col(float[] x, int xOff, int cg, Window.Resolved r, float[] col) {
        int inD = r.in[0], inH = r.in[1], inW = r.in[2];
        int outD = r.out[0], outH = r.out[1], outW = r.out[2];
        int row = 0;
        for (int c = 0; c < cg; c++) {
            int cOff = xOff + c * inD * inH * inW;
            for (int kz = 0; kz < r.k[0]; kz++) {
                for (int ky = 0; ky < r.k[1]; ky++) {
                    for (int kx = 0; kx < r.k[2]; kx++) {
                        int p = row * outD * outH * outW;
                        for (int oz = 0; oz < outD; oz++) {
                            int iz = oz * r.s[0] - r.pb[0] + kz * r.d[0];
                            boolean zIn = iz >= 0 && iz < inD;
                            for (int oy = 0; oy < outH; oy++) {
                                int iy = oy * r.s[1] - r.pb[1] + ky * r.d[1];
                                if (!zIn || iy < 0 || iy >= inH) {
                                    Arrays.fill(col, p, p + outW, 0f);
                                    p += outW;
                                    continue;
                                }
                                int rowBase = cOff + (iz * inH + iy) * inW;
                                int ix = -r.pb[2] + kx * r.d[2];
                                int sx = r.s[2];
                                for (int ox = 0; ox < outW; ox++, ix += sx) {
                                    col[p++] = ix >= 0 && ix < inW ? x[rowBase + ix] : 0f;
                                }
                            }
                        }
                        row++;
                    }
                }
            }
        }
    }

    /** y[mi][p] = bias[mi] + sum_k w[mi][k] * col[k][p] for output channels [from, to) of one group. */
    private static void gemm(float[] w, int wOff, float[] col, int colOff, float[] y, int yOff, float[] bias, int biasOff,
                             int from, int to, int rows, int cols) {
        for (int p0 = 0; p0 < cols; p0 += COLUMN_BLOCK) {
            int p1 = Math.min(cols, p0 + COLUMN_BLOCK);
            for (int mi = from; mi < to; mi++) {
                int yr = yOff + mi * cols;
                float b0 = bias == null ? 0f : bias[biasOff + mi];
                for (int p = p0; p < p1; p++) y[yr + p] = b0;
                int wr = wOff + mi * rows;
                for (int k = 0; k < rows; k++) {
                    float a = w[wr + k];
                    if (a == 0f) continue;
                    int cr = colOff + k * cols;
                    for (int p = p0; p < p1; p++) y[yr + p] += a * col[cr + p];
                }
            }
        }
    }

    private void runDouble(Tensor xt, Tensor wt, Tensor bt, Tensor yt, Window.Resolved r, int g, int batch, int channels, int m) {
        double[] x = dx = Elements.toDoubles(xt, dx);
        double[] w = Elements.toDoubles(wt, null);
        double[] bias = bt == null ? null : Elements.toDoubles(bt, null);
        int ySize = yt.size();
        double[] y = dy = dy != null && dy.length >= ySize ? dy : new double[ySize];
        int cg = channels / g;
        int mg = m / g;
        int outD = r.out[0], outH = r.out[1], outW = r.out[2];
        int inSize = r.inSize();
        int kSize = r.kernelSize();
        int[] taps = new int[kSize];
        int[] kernelTaps = new int[kSize];
        int yi = 0;
        for (int n = 0; n < batch; n++) {
            for (int oc = 0; oc < m; oc++) {
                int gi = oc / mg;
                for (int oz = 0; oz < outD; oz++) {
                    for (int oy = 0; oy < outH; oy++) {
                        for (int ox = 0; ox < outW; ox++) {
                            int nTaps = r.taps(oz, oy, ox, taps, kernelTaps);
                            double acc = bias == null ? 0 : bias[oc];
                            for (int c = 0; c < cg; c++) {
                                int xc = ((n * channels) + gi * cg + c) * inSize;
                                int wc = (oc * cg + c) * kSize;
                                for (int t = 0; t < nTaps; t++) acc += x[xc + taps[t]] * w[wc + kernelTaps[t]];
                            }
                            y[yi++] = acc;
                        }
                    }
                }
            }
        }
        Elements.storeDoubles(yt, y);
    }
}
