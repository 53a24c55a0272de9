package dev.petrel.vector;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code dev.petrel::Gelu(X)}, FLOAT, {@code approximate} "none" ({@code 0.5·x·(1 + erf(x/√2))} with
 * {@link VectorErf}) or "tanh". The tanh form is evaluated as {@code x·sigmoid(2u)} with
 * {@code u = √(2/π)·(x + 0.044715·x³)}, the same value as {@code 0.5·x·(1 + tanh(u))} without the
 * cancellation of {@code 1 + tanh} for negative x. Also the epilogue of {@link VectorFusedMatMulKernel}.
 */
final class VectorGeluKernel implements Kernel {
    private static final VectorSpecies<Float> S = VectorErf.S;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final float INV_SQRT2 = (float) (1 / Math.sqrt(2));
    private static final float TWO_SQRT_2_OVER_PI = (float) (2 * Math.sqrt(2 / Math.PI));

    private final boolean tanh;

    VectorGeluKernel(Node node) {
        this.tanh = parse(node.attributes().getString("approximate", "none"));
    }

    /** True for the tanh form; rejects what Gelu does not define. */
    static boolean parse(String approximate) {
        if (!approximate.equals("none") && !approximate.equals("tanh")) {
            throw new IllegalArgumentException("Gelu approximate must be \"none\" or \"tanh\", got \"" + approximate + "\"");
        }
        return approximate.equals("tanh");
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        Tensor y = ctx.output(0, DType.FLOAT, x.dims());
        apply(tanh, Segments.of(x), 0, Segments.of(y), 0, x.size());
    }

    /** y[yo + i] = gelu(x[xo + i]) for i < n (byte offsets xo, yo); x and y may be the same memory. */
    static void apply(boolean tanh, MemorySegment x, long xo, MemorySegment y, long yo, int n) {
        int l = S.length();
        int i = 0;
        for (; i + l <= n; i += l) {
            FloatVector v = FloatVector.fromMemorySegment(S, x, xo + i * 4L, LE);
            gelu(tanh, v).intoMemorySegment(y, yo + i * 4L, LE);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector v = FloatVector.fromMemorySegment(S, x, xo + i * 4L, LE, m);
            gelu(tanh, v).intoMemorySegment(y, yo + i * 4L, LE, m);
        }
    }

    static FloatVector gelu(boolean tanh, FloatVector x) {
        if (tanh) {
            // x / (1 + e^(-2u)); -2u = -2·√(2/π)·(x + 0.044715·x³)
            FloatVector x2 = x.mul(x);
            FloatVector z = x2.fma(FloatVector.broadcast(S, 0.044715f), FloatVector.broadcast(S, 1f)).mul(x).mul(-TWO_SQRT_2_OVER_PI);
            return x.div(VectorErf.exp(z).add(1f));
        }
        FloatVector e = VectorErf.erf(x.mul(INV_SQRT2));
        return x.mul(e.add(1f)).mul(0.5f);
    }
}
