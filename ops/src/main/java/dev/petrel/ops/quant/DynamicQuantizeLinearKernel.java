package dev.petrel.ops.quant;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/**
 * DynamicQuantizeLinear (uint8): derives scale and zero point from the data range widened to include 0,
 * then quantizes. Matches ONNX Runtime bit for bit, including its choice of scale 1 and zero point 0
 * when the range is empty (all zeros), where the ONNX formula would divide 0 by 0.
 */
final class DynamicQuantizeLinearKernel implements Kernel {
    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        if (x.dtype() != DType.FLOAT) {
            throw new IllegalArgumentException("input 'x' must be FLOAT, got " + x.describe());
        }
        FloatBuffer xs = x.floats();
        int n = x.size();
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            float v = xs.get(i);
            // Written as comparisons (not Math.min) so NaNs are skipped the way a vector min/max pass skips them.
            if (v < min) min = v;
            if (v > max) max = v;
        }
        min = Math.min(min, 0f);
        max = Math.max(max, 0f);
        float scale = max == min ? 1f : (max - min) / 255f;
        float initialZp = 0f - min / scale;
        int zp = (int) Math.rint(Math.max(0f, Math.min(255f, initialZp)));

        Tensor y = ctx.output(0, DType.UINT8, x.dims());
        ByteBuffer ys = y.bytes();
        for (int i = 0; i < n; i++) {
            float q = xs.get(i) / scale;
            ys.put(i, (byte) QuantMath.saturate(Math.rint(q) + zp, 0, 255));
        }
        if (ctx.hasOutput(1)) ctx.output(1, DType.FLOAT).floats().put(0, scale);
        if (ctx.hasOutput(2)) ctx.output(2, DType.UINT8).bytes().put(0, (byte) zp);
    }
}
