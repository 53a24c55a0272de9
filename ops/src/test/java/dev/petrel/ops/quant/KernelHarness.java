package dev.petrel.ops.quant;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import dev.petrel.spi.KernelRegistry;
import dev.petrel.spi.Parallel;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one quant kernel directly, found through {@link QuantKernels#register} as the engine would.
 * Outputs are filled with a junk pattern before the kernel sees them, so an element the kernel
 * forgets to write shows up.
 */
final class KernelHarness implements KernelContext {
    private static final KernelRegistry REGISTRY = new KernelRegistry();

    static {
        QuantKernels.register(REGISTRY);
    }

    private final Tensor[] inputs;
    private final Tensor[] outputs;
    private final Parallel parallel;

    private KernelHarness(Tensor[] inputs, int outputCount, Parallel parallel) {
        this.inputs = inputs;
        this.outputs = new Tensor[outputCount];
        this.parallel = parallel;
    }

    /** A kernel for op at opset, for these input types, with attributes. */
    static Kernel kernel(String op, int opset, int outputs, Tensor[] in, Attribute... attrs) {
        List<String> names = new ArrayList<>();
        DType[] types = new DType[in.length];
        for (int i = 0; i < in.length; i++) {
            names.add(in[i] == null ? "" : "in" + i);
            types[i] = in[i] == null ? null : in[i].dtype();
        }
        List<String> outs = new ArrayList<>();
        for (int i = 0; i < outputs; i++) outs.add("out" + i);
        Node node = new Node(op + "_node", op, "", opset, names, outs, new Attributes(List.of(attrs)));
        KernelRegistry.Entry e = REGISTRY.find(node, types);
        if (e == null) throw new IllegalArgumentException("no kernel: " + REGISTRY.describeTypes(node));
        return e.factory().create(node);
    }

    /** Runs an already created kernel once. */
    static Tensor[] run(Kernel k, int outputs, Parallel parallel, Tensor... in) {
        KernelHarness h = new KernelHarness(in, outputs, parallel);
        k.run(h);
        return h.outputs;
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

    @Override public int inputCount() { return inputs.length; }
    @Override public Tensor input(int i) { return i < inputs.length ? inputs[i] : null; }

    @Override
    public Tensor requireInput(int i) {
        Tensor t = input(i);
        if (t == null) throw new IllegalArgumentException("input " + i + " is required");
        return t;
    }

    @Override public int outputCount() { return outputs.length; }
    @Override public boolean hasOutput(int i) { return i < outputs.length; }

    @Override
    public Tensor output(int i, DType dtype, int... dims) {
        Tensor t = Tensor.allocate(dtype, dims);
        for (int b = 0; b < t.bytes().limit(); b++) t.bytes().put(b, (byte) 0x5A);
        outputs[i] = t;
        return t;
    }

    @Override
    public Tensor[] runSubgraph(Graph graph, Tensor... in) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Parallel parallel() {
        return parallel;
    }
}
