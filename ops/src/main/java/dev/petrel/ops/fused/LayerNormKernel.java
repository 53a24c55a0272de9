package dev.petrel.ops.fused;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.nio.FloatBuffer;

/**
 * {@code dev.petrel::LayerNormalization(X, Scale[, B])}, FLOAT, over the last axis ({@code axis} must be
 * -1), semantics of ONNX LayerNormalization-17: {@code (x - mean) / sqrt(var + epsilon) * Scale + B} with
 * Scale and B 1-D over the last axis (or one element). Statistics accumulate in double; one row is read
 * into scratch once, so a run allocates nothing after the first.
 */
final class LayerNormKernel implements Kernel {
    private final LayerNormParameters params;
    private float[] row = new float[0];

    LayerNormKernel(Node node) {
        this.params = new LayerNormParameters(node);
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        Tensor s = ctx.requireInput(1);
        Tensor b = ctx.input(2);
        int n = params.load(x, s, b);
        if (row.length != n) row = new float[n];
        float[] scale = params.scale();
        float[] bias = params.bias();
        float epsilon = params.epsilon;
        Tensor y = ctx.output(0, DType.FLOAT, x.dims());
        FloatBuffer in = x.floats();
        FloatBuffer out = y.floats();
        int rows = n == 0 ? 0 : x.size() / n;
        for (int r = 0; r < rows; r++) {
            int base = r * n;
            double sum = 0;
            for (int j = 0; j < n; j++) {
                float v = in.get(base + j);
                row[j] = v;
                sum += v;
            }
            double mean = sum / n;
            double sq = 0;
            for (int j = 0; j < n; j++) {
                double dv = row[j] - mean;
                sq += dv * dv;
            }
            double inv = 1.0 / Math.sqrt(sq / n + epsilon);
            for (int j = 0; j < n; j++) out.put(base + j, (float) ((row[j] - mean) * inv * scale[j] + bias[j]));
        }
    }
}
