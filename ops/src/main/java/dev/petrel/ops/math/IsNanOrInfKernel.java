package dev.petrel.ops.math;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.nio.ByteBuffer;

/** IsNaN, and IsInf with its detect_negative/detect_positive attributes: a BOOL tensor of the input's shape. */
final class IsNanOrInfKernel implements Kernel {
    private final boolean nan;
    private final boolean negativeInf;
    private final boolean positiveInf;

    private IsNanOrInfKernel(boolean nan, boolean negativeInf, boolean positiveInf) {
        this.nan = nan;
        this.negativeInf = negativeInf;
        this.positiveInf = positiveInf;
    }

    static IsNanOrInfKernel isNaN() {
        return new IsNanOrInfKernel(true, false, false);
    }

    static IsNanOrInfKernel isInf(Node node) {
        var a = node.attributes();
        return new IsNanOrInfKernel(false, a.getInt("detect_negative", 1) != 0, a.getInt("detect_positive", 1) != 0);
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        ByteBuffer y = ctx.output(0, DType.BOOL, x.dims()).bytes();
        int n = x.size();
        if (x.dtype() == DType.FLOAT) {
            java.nio.FloatBuffer a = x.floats();
            for (int i = 0; i < n; i++) y.put(i, test(a.get(i)) ? (byte) 1 : (byte) 0);
        } else {
            double[] v = Elements.toDoubles(x);
            for (int i = 0; i < n; i++) y.put(i, test(v[i]) ? (byte) 1 : (byte) 0);
        }
    }

    private boolean test(double v) {
        if (nan) return v != v;
        return v == Double.POSITIVE_INFINITY ? positiveInf : v == Double.NEGATIVE_INFINITY && negativeInf;
    }
}
