package dev.petrel.ops.nn;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.nio.LongBuffer;

/**
 * MaxPool over 1-3 spatial dimensions: kernel_shape, strides, pads or auto_pad, ceil_mode and
 * dilations; padding never wins the maximum. The optional Indices output holds, per output value,
 * the flat index of the chosen input element in the whole input tensor: row-major with
 * {@code storage_order=0}, the spatial part column-major with 1. Float types and (opset 12) INT8/UINT8.
 */
final class MaxPoolKernel implements Kernel {
    private final Window window;
    private final boolean columnMajor;
    private double[] xs;
    private double[] ys;
    private long[] is;

    MaxPoolKernel(Node node) {
        this.window = new Window(node);
        this.columnMajor = node.attributes().getInt("storage_order", 0) != 0;
        window.requireKernel();
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor xt = ctx.requireInput(0);
        int[] xd = xt.dims();
        Window.Resolved r = window.resolve(xd, window.requireKernel());
        int batch = xd[0];
        int channels = xd[1];
        int[] outDims = r.outDims(batch, channels);
        Tensor yt = ctx.output(0, xt.dtype(), outDims);
        boolean wantIndices = ctx.hasOutput(1);
        int ySize = yt.size();
        if (ySize == 0) {
            if (wantIndices) ctx.output(1, DType.INT64, outDims);
            return;
        }
        double[] x = xs = Elements.toDoubles(xt, xs);
        double[] y = ys = ys != null && ys.length >= ySize ? ys : new double[ySize];
        long[] idx = null;
        if (wantIndices) idx = is = is != null && is.length >= ySize ? is : new long[ySize];
        int inD = r.in[0], inH = r.in[1], inW = r.in[2];
        int inSize = r.inSize();
        int[] taps = new int[r.kernelSize()];
        int yi = 0;
        for (int plane = 0; plane < batch * channels; plane++) {
            int base = plane * inSize;
            for (int oz = 0; oz < r.out[0]; oz++) {
                for (int oy = 0; oy < r.out[1]; oy++) {
                    for (int ox = 0; ox < r.out[2]; ox++) {
                        int nTaps = r.taps(oz, oy, ox, taps, null);
                        double best = Double.NEGATIVE_INFINITY;
                        int bestAt = -1;
                        for (int t = 0; t < nTaps; t++) {
                            double v = x[base + taps[t]];
                            if (v > best || bestAt < 0) {
                                best = v;
                                bestAt = taps[t];
                            }
                        }
                        y[yi] = best;
                        if (idx != null) {
                            long spatial = bestAt;
                            if (bestAt < 0) {
                                spatial = 0;
                            } else if (columnMajor) {
                                int bz = bestAt / (inH * inW), by = bestAt / inW % inH, bx = bestAt % inW;
                                spatial = bz + (long) inD * (by + (long) inH * bx);
                            }
                            idx[yi] = (long) base + spatial;
                        }
                        yi++;
                    }
                }
            }
        }
        Elements.storeDoubles(yt, y);
        if (idx != null) {
            LongBuffer ib = ctx.output(1, DType.INT64, outDims).longs();
            for (int i = 0; i < ySize; i++) ib.put(i, idx[i]);
        }
    }
}
