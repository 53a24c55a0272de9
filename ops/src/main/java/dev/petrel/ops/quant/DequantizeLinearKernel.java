package dev.petrel.ops.quant;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/**
 * DequantizeLinear: {@code y = (x - x_zero_point) * x_scale}, the difference taken in integers and the
 * product in float, as ONNX Runtime computes it. The output has the scale's type.
 */
final class DequantizeLinearKernel implements Kernel {
    private final Long axis;
    private final int blockSize;

    DequantizeLinearKernel(Node node) {
        int opset = node.opsetVersion();
        this.axis = opset >= 13 ? node.attributes().getInt("axis", 1) : null;
        this.blockSize = opset >= 21 ? (int) node.attributes().getInt("block_size", 0) : 0;
        if (blockSize < 0) throw new IllegalArgumentException("block_size must be >= 0, got " + blockSize);
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        Tensor scale = ctx.requireInput(1);
        Tensor zp = ctx.input(2);
        if (!scale.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("input 'x_scale' must be floating point, got " + scale.describe());
        }
        if (zp != null && zp.dtype() != x.dtype()) {
            throw new IllegalArgumentException("input 'x_zero_point' is " + zp.dtype() + " but 'x' is " + x.dtype());
        }
        QuantLayout l = QuantLayout.of(x.dims(), scale, zp, axis, blockSize, "x_scale", "x_zero_point");
        Tensor y = ctx.output(0, scale.dtype(), x.dims());
        int idx = 0;
        for (int o = 0; o < l.outer; o++) {
            for (int d = 0; d < l.dim; d++) {
                for (int i = 0; i < l.inner; i++, idx++) {
                    int p = l.paramIndex(o, d, i);
                    int z = zp == null ? 0 : (int) Elements.getLong(zp, p);
                    float v = (float) ((int) Elements.getLong(x, idx) - z) * (float) Elements.getDouble(scale, p);
                    Elements.putDouble(y, idx, v);
                }
            }
        }
    }
}
