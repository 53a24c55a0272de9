package dev.petrel.ops.quant;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.ops.Elements;
import dev.petrel.ops.OpHarness;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelRegistry;
import dev.petrel.spi.Parallel;

/**
 * Runs one quant kernel directly through {@link OpHarness} (found through {@link QuantKernels#register}
 * as the engine would, outputs filled with garbage first), plus test data helpers.
 */
final class KernelHarness {
    private static final KernelRegistry REGISTRY = new KernelRegistry();

    static {
        QuantKernels.register(REGISTRY);
    }

    private KernelHarness() {}

    /** A kernel for op at opset, for these input types, with attributes. */
    static Kernel kernel(String op, int opset, int outputs, Tensor[] in, Attribute... attrs) {
        return OpHarness.op(op).opset(opset).outputs(outputs).in(in).attr(attrs).registry(REGISTRY).kernel();
    }

    /** Runs an already created kernel once. */
    static Tensor[] run(Kernel k, int outputs, Parallel parallel, Tensor... in) {
        return OpHarness.runKernel(k, outputs, parallel, in);
    }

    static Tensor[] run(String op, int opset, int outputs, Tensor[] in, Attribute... attrs) {
        return run(kernel(op, opset, outputs, in, attrs), outputs, Parallel.SEQUENTIAL, in);
    }

    static Tensor run1(String op, int opset, Tensor[] in, Attribute... attrs) {
        return run(op, opset, 1, in, attrs)[0];
    }

    static Tensor[] in(Tensor... t) {
        return t;
    }

    static Tensor u8(int[] values, long... shape) {
        return bytes(DType.UINT8, values, shape);
    }

    static Tensor i8(int[] values, long... shape) {
        return bytes(DType.INT8, values, shape);
    }

    static Tensor bytes(DType t, int[] values, long... shape) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) values[i];
        return Tensor.of(t, b, shape);
    }

    static Tensor f(float... values) {
        return Tensor.of(values);
    }

    static Tensor scalar(float v) {
        return Tensor.of(new float[] {v}, new long[0]);
    }

    static Tensor u8Scalar(int v) {
        return Tensor.of(DType.UINT8, new byte[] {(byte) v}, new long[0]);
    }

    static Tensor i8Scalar(int v) {
        return Tensor.of(DType.INT8, new byte[] {(byte) v}, new long[0]);
    }

    /** Unsigned or signed 8-bit tensor contents as ints. */
    static int[] ints(Tensor t) {
        int[] v = new int[t.size()];
        for (int i = 0; i < v.length; i++) v[i] = (int) Elements.getLong(t, i);
        return v;
    }
}
