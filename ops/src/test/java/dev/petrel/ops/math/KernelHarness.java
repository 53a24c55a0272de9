package dev.petrel.ops.math;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.ops.OpHarness;
import dev.petrel.spi.Float16;
import dev.petrel.spi.KernelRegistry;
import java.util.List;

/**
 * Runs one elementwise node's kernel directly through {@link OpHarness#runKernel()} (looked up by opset
 * and input type in this family's registry, outputs filled with garbage first), plus test data helpers.
 */
final class KernelHarness {
    static final KernelRegistry REGISTRY = new KernelRegistry();

    static {
        ElementwiseKernels.register(REGISTRY);
    }

    private KernelHarness() {}

    static Tensor run(String op, Tensor... inputs) {
        return run(op, KernelRegistry.LATEST - 1, List.of(), inputs);
    }

    static Tensor run(String op, List<Attribute> attrs, Tensor... inputs) {
        return run(op, KernelRegistry.LATEST - 1, attrs, inputs);
    }

    static Tensor run(String op, int opset, List<Attribute> attrs, Tensor... inputs) {
        return OpHarness.op(op).opset(opset).attrs(attrs).in(inputs).registry(REGISTRY).runKernel()[0];
    }

    static boolean supported(String op, int opset, DType type) {
        Node node = new Node("n", op, "", opset, List.of("x0", "x1"), List.of("y"), Attributes.empty());
        return REGISTRY.find(node, new DType[] {type, type}) != null;
    }

    static Tensor floats(float[] v, int... dims) {
        Tensor t = Tensor.allocate(DType.FLOAT, dims);
        for (int i = 0; i < v.length; i++) t.floats().put(i, v[i]);
        return t;
    }

    /** A tensor of an integer or bool type from long values (narrowed like a C cast). */
    static Tensor ints(DType type, long[] v, int... dims) {
        Tensor t = Tensor.allocate(type, dims);
        Elements.storeLongs(t, v);
        return t;
    }

    /** A tensor of a floating type from double values (rounded to the type). */
    static Tensor reals(DType type, double[] v, int... dims) {
        Tensor t = Tensor.allocate(type, dims);
        Elements.storeDoubles(t, v);
        return t;
    }

    static Tensor bools(boolean[] v, int... dims) {
        Tensor t = Tensor.allocate(DType.BOOL, dims);
        for (int i = 0; i < v.length; i++) t.bytes().put(i, (byte) (v[i] ? 1 : 0));
        return t;
    }

    static float[] halfValues(Tensor t) {
        float[] v = new float[t.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = t.dtype() == DType.FLOAT16 ? Float16.toFloat(t.shorts().get(i)) : Float16.bfloat16ToFloat(t.shorts().get(i));
        }
        return v;
    }

    static boolean[] boolValues(Tensor t) {
        boolean[] v = new boolean[t.size()];
        for (int i = 0; i < v.length; i++) v[i] = t.bytes().get(i) != 0;
        return v;
    }

    static Attribute attr(String name, long v) {
        return Attribute.ofInt(name, v);
    }

    static Attribute attr(String name, float v) {
        return Attribute.ofFloat(name, v);
    }

    static Attribute attr(String name, String v) {
        return Attribute.ofString(name, v);
    }
}
