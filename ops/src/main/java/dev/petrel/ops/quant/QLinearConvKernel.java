package dev.petrel.ops.quant;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/**
 * QLinearConv: the zero-point corrected int32 convolution plus the int32 bias, requantized per output
 * channel with {@code x_scale * w_scale[m] / y_scale} (float, that order, as ONNX Runtime), rounded half
 * to even and saturated to the type of y_zero_point.
 */
final class QLinearConvKernel implements Kernel {
    private final ConvGeometry geometry;
    private final IntConv conv = new IntConv();
    private int[] acc = new int[0];

    QLinearConvKernel(Node node) {
        this.geometry = new ConvGeometry(node);
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        float xScale = QuantMath.scalarScale(ctx.input(1), "x_scale");
        int xZp = QuantMath.scalarZeroPoint(ctx.input(2), "x_zero_point");
        Tensor w = ctx.requireInput(3);
        geometry.resolve(x.dims(), w.dims());
        int m = geometry.outChannels;
        Tensor wScale = ctx.requireInput(4);
        if (wScale.size() != 1 && (wScale.rank() != 1 || wScale.dim(0) != m)) {
            throw new IllegalArgumentException("input 'w_scale' " + wScale.describe() + " must be a scalar or a 1-D tensor of "
                    + m + " values (one per output channel)");
        }
        int[] wZp = IntConv.weightZeroPoints(ctx.input(5), m, "w_zero_point");
        float yScale = QuantMath.scalarScale(ctx.input(6), "y_scale");
        Tensor yZpT = ctx.input(7);
        int yZp = QuantMath.scalarZeroPoint(yZpT, "y_zero_point");
        DType outType = yZpT == null ? DType.UINT8 : yZpT.dtype();
        int lo = QuantMath.min(outType);
        int hi = QuantMath.max(outType);
        Tensor bias = ctx.input(8);
        if (bias != null && (bias.dtype() != DType.INT32 || bias.size() != m)) {
            throw new IllegalArgumentException("input 'B' " + bias.describe() + " must be INT32 with " + m + " values");
        }

        Tensor y = ctx.output(0, outType, geometry.outputDims());
        int total = y.size();
        if (acc.length < total) acc = new int[total];
        conv.compute(geometry, x, xZp, w, wZp, acc);
        int spatial = m == 0 || geometry.batch == 0 ? 0 : total / (geometry.batch * m);
        int idx = 0;
        for (int n = 0; n < geometry.batch; n++) {
            for (int c = 0; c < m; c++) {
                float multiplier = xScale * (float) Elements.getDouble(wScale, wScale.size() == 1 ? 0 : c) / yScale;
                int b = bias == null ? 0 : bias.ints().get(c);
                for (int p = 0; p < spatial; p++, idx++) {
                    float v = (float) (acc[idx] + b) * multiplier;
                    Elements.putLong(y, idx, QuantMath.saturate(Math.rint(v) + yZp, lo, hi));
                }
            }
        }
    }
}
