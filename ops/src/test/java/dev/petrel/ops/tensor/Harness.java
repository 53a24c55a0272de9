package dev.petrel.ops.tensor;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.ops.OpHarness;
import dev.petrel.spi.KernelRegistry;

/** This family's kernels for {@link OpHarness}, and test data helpers. */
final class Harness {
    private static final KernelRegistry REGISTRY = new KernelRegistry();

    static {
        TensorKernels.register(REGISTRY);
    }

    private Harness() {}

    /** {@code op} at opset 18 (unless changed) with this family's kernels; run it with {@link OpHarness#runKernel()}. */
    static OpHarness op(String op) {
        return OpHarness.op(op).opset(18).registry(REGISTRY);
    }

    static Tensor f(float[] v, long... shape) { return Tensor.of(v, shape); }
    static Tensor i64(long... v) { return Tensor.of(v, v.length); }
    static Tensor scalarI64(long v) { return Tensor.of(new long[] {v}); }

    /** A tensor of any type from small integer values. */
    static Tensor typed(DType t, long[] values, long... shape) {
        int[] d = new int[shape.length];
        for (int i = 0; i < d.length; i++) d[i] = (int) shape[i];
        Tensor x = Tensor.allocate(t, d);
        for (int i = 0; i < values.length; i++) Scalars.put(x.bytes(), i, t, values[i]);
        return x;
    }

    /** Element values of any type as doubles. */
    static double[] values(Tensor t) {
        double[] v = new double[t.size()];
        for (int i = 0; i < v.length; i++) v[i] = Scalars.toDouble(t.bytes(), i, t.dtype());
        return v;
    }

    static double[] d(double... v) { return v; }
}
