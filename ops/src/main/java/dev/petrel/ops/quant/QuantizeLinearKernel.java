package dev.petrel.ops.quant;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/**
 * QuantizeLinear: {@code y = saturate(round_half_even(x / y_scale) + y_zero_point)}. The output type is
 * that of the zero point (UINT8 when absent, or the opset-21 output_dtype attribute). The quotient is
 * rounded in float, as ONNX Runtime does, so ties land exactly where it puts them.
 */
final class QuantizeLinearKernel implements Kernel {
    private final Long axis;
    private final int blockSize;
    private final DType outputType;

    QuantizeLinearKernel(Node node) {
        int opset = node.opsetVersion();
        this.axis = opset >= 13 ? node.attributes().getInt("axis", 1) : null;
        this.blockSize = opset >= 21 ? (int) node.attributes().getInt("block_size", 0) : 0;
        if (blockSize < 0) throw new IllegalArgumentException("block_size must be >= 0, got " + blockSize);
        long code = opset >= 21 ? node.attributes().getInt("output_dtype", 0) : 0;
        if (code != 0) {
            DType t = DType.fromOnnx((int) code);
            if (t != DType.UINT8 && t != DType.INT8 && t != DType.UINT16 && t != DType.INT16) {
                throw new IllegalArgumentException("QuantizeLinear output_dtype " + code + " not supported: "
                        + "only UINT8, INT8, UINT16 and INT16");
            }
            this.outputType = t;
        } else {
            this.outputType = null;
        }
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        Tensor scale = ctx.requireInput(1);
        Tensor zp = ctx.input(2);
        DType out = zp != null ? zp.dtype() : outputType != null ? outputType : DType.UINT8;
        if (zp != null && outputType != null && zp.dtype() != outputType) {
            throw new IllegalArgumentException("input 'y_zero_point' is " + zp.dtype() + " but output_dtype is " + outputType);
        }
        int lo = QuantMath.min(out);
        int hi = QuantMath.max(out);
        if (out == DType.INT32) throw new IllegalArgumentException("QuantizeLinear cannot produce INT32");
        QuantLayout l = QuantLayout.of(x.dims(), scale, zp, axis, blockSize, "y_scale", "y_zero_point");
        Tensor y = ctx.output(0, out, x.dims());
        boolean intInput = x.dtype() == DType.INT32;
        int idx = 0;
        for (int o = 0; o < l.outer; o++) {
            for (int d = 0; d < l.dim; d++) {
                for (int i = 0; i < l.inner; i++, idx++) {
                    int p = l.paramIndex(o, d, i);
                    float s = (float) Elements.getDouble(scale, p);
                    int z = zp == null ? 0 : (int) Elements.getLong(zp, p);
                    double q;
                    if (intInput) {
                        q = Math.rint((double) x.ints().get(idx) / s);
                    } else {
                        q = Math.rint((float) Elements.getDouble(x, idx) / s);
                    }
                    Elements.putLong(y, idx, QuantMath.saturate(q + z, lo, hi));
                }
            }
        }
    }
}
