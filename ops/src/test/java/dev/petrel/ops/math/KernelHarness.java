package dev.petrel.ops.math;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.spi.Float16;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import dev.petrel.spi.KernelRegistry;
import dev.petrel.spi.Parallel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs one elementwise node through the registry, as the executor would: the kernel is looked up by
 * opset and input type, and outputs come back filled with garbage first so an element the kernel
 * forgets to write shows up.
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
        List<String> names = new ArrayList<>();
        DType[] types = new DType[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            names.add(inputs[i] == null ? "" : "x" + i);
            types[i] = inputs[i] == null ? null : inputs[i].dtype();
        }
        Node node = new Node("n", op, "", opset, names, List.of("y"), new Attributes(attrs));
        KernelRegistry.Entry e = REGISTRY.find(node, types);
        if (e == null) throw new IllegalStateException("no kernel for " + op + " " + Arrays.toString(types));
        Kernel k = e.factory().create(node);
        Tensor[] out = new Tensor[1];
        k.run(new KernelContext() {
            @Override public int inputCount() { return inputs.length; }
            @Override public Tensor input(int i) { return i < inputs.length ? inputs[i] : null; }
            @Override public Tensor requireInput(int i) {
                Tensor t = input(i);
                if (t == null) throw new IllegalArgumentException("input " + i + " is required");
                return t;
            }
            @Override public int outputCount() { return 1; }
            @Override public boolean hasOutput(int i) { return i == 0; }
            @Override public Tensor output(int i, DType dtype, int... dims) {
                Tensor t = Tensor.allocate(dtype, dims);
                for (int b = 0; b < t.bytes().limit(); b++) t.bytes().put(b, (byte) 0x7D);
                out[i] = t;
                return t;
            }
            @Override public Tensor[] runSubgraph(Graph graph, Tensor... in) { throw new UnsupportedOperationException(); }
            @Override public Parallel parallel() { return Parallel.SEQUENTIAL; }
        });
        return out[0];
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
