package dev.petrel.ops.fused;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.nio.FloatBuffer;

/**
 * GELU over a FLOAT buffer, in place allowed: {@code 0.5·x·(1 + erf(x/√2))}, with erf from the
 * registered Erf kernel (run on a scratch tensor, as the unfused graph does), or the tanh approximation
 * {@code 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))}. Used by Gelu and FusedMatMul's epilogue.
 */
final class GeluFunction {
    private static final float SQRT2 = (float) Math.sqrt(2);
    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

    private final boolean tanh;
    private final Kernel erf;
    private Tensor scaled;
    private SubContext erfContext;

    GeluFunction(String approximate, Kernel erf) {
        if (!approximate.equals("none") && !approximate.equals("tanh")) {
            throw new IllegalArgumentException("Gelu approximate must be \"none\" or \"tanh\", got \"" + approximate + "\"");
        }
        this.tanh = approximate.equals("tanh");
        this.erf = erf;
    }

    /** Writes GELU of {@code in[0..n)} to {@code out[0..n)}; {@code in} and {@code out} may be the same. */
    void apply(KernelContext ctx, FloatBuffer in, FloatBuffer out, int n) {
        if (tanh) {
            for (int i = 0; i < n; i++) {
                double x = in.get(i);
                out.put(i, (float) (0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)))));
            }
            return;
        }
        if (scaled == null || scaled.size() != n) scaled = Tensor.allocate(DType.FLOAT, n);
        if (erfContext == null) erfContext = new SubContext(ctx, false);
        FloatBuffer s = scaled.floats();
        for (int i = 0; i < n; i++) s.put(i, in.get(i) / SQRT2);
        erf.run(erfContext.inputs(scaled));
        FloatBuffer e = erfContext.result().floats();
        for (int i = 0; i < n; i++) {
            float x = in.get(i);
            out.put(i, x * (e.get(i) + 1f) * 0.5f);
        }
    }
}
