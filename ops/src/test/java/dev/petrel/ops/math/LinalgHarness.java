package dev.petrel.ops.math;

import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.ops.OpHarness;
import dev.petrel.spi.KernelRegistry;
import java.util.List;

/** Runs one node of the linalg family through a real session with only this family's kernels: {@code run("MatMul", 13, attrs, a, b)}. */
final class LinalgHarness {
    private LinalgHarness() {}

    private static final KernelRegistry KERNELS = new KernelRegistry();

    static {
        LinalgKernels.register(KERNELS);
    }

    /** Runs {@code op} with one output; a null input is an absent optional input. */
    static Tensor run(String op, int opset, List<Attribute> attrs, Tensor... inputs) {
        return runMany(op, opset, 1, attrs, inputs)[0];
    }

    static Tensor[] runMany(String op, int opset, int outputs, List<Attribute> attrs, Tensor... inputs) {
        return OpHarness.op(op).opset(opset).outputs(outputs).attrs(attrs).in(inputs).registry(KERNELS).runSession();
    }

    /** 0, 1, 2, ... as a FLOAT tensor of the given shape. */
    static Tensor iota(long... shape) {
        int n = 1;
        for (long d : shape) n *= (int) d;
        float[] v = new float[n];
        for (int k = 0; k < n; k++) v[k] = k;
        return Tensor.of(v, shape);
    }
}
