package dev.petrel.ops.tensor;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.spi.KernelContext;
import dev.petrel.spi.KernelRegistry;
import dev.petrel.spi.Parallel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs one kernel of this family directly. Output memory is filled with garbage first, so a kernel
 * that forgets to write some element fails its test, as it would with the executor's reused memory.
 */
final class Harness {
    private static final KernelRegistry REGISTRY = new KernelRegistry();

    static {
        TensorKernels.register(REGISTRY);
    }

    private final String op;
    private int opset = 18;
    private final List<Attribute> attrs = new ArrayList<>();
    private final List<Tensor> inputs = new ArrayList<>();
    private int outputs = 1;
    private Parallel parallel = Parallel.SEQUENTIAL;

    private Harness(String op) {
        this.op = op;
    }

    static Harness op(String op) {
        return new Harness(op);
    }

    Harness opset(int v) { opset = v; return this; }
    Harness attr(String name, long v) { attrs.add(Attribute.ofInt(name, v)); return this; }
    Harness attr(String name, float v) { attrs.add(Attribute.ofFloat(name, v)); return this; }
    Harness attr(String name, String v) { attrs.add(Attribute.ofString(name, v)); return this; }
    Harness ints(String name, long... v) { attrs.add(Attribute.ofInts(name, v)); return this; }
    Harness attr(String name, Tensor v) { attrs.add(Attribute.ofTensor(name, v)); return this; }
    /** Adds inputs; null marks an absent optional input. */
    Harness in(Tensor... t) { inputs.addAll(Arrays.asList(t)); return this; }
    Harness outputs(int n) { outputs = n; return this; }

    /** Runs with a 4-way Parallel that does its chunks last to first, to catch chunks that depend on each other. */
    Harness chunked() {
        parallel = new Parallel() {
            @Override public int threads() { return 4; }
            @Override public void forRange(int count, RangeBody body) {
                int chunk = (count + 3) / 4;
                for (int from = (count - 1) / chunk * chunk; from >= 0; from -= chunk) body.run(from, Math.min(count, from + chunk));
            }
        };
        return this;
    }

    Tensor run() {
        return runAll()[0];
    }

    Tensor[] runAll() {
        List<String> inNames = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) inNames.add(inputs.get(i) == null ? "" : "in" + i);
        List<String> outNames = new ArrayList<>();
        for (int i = 0; i < outputs; i++) outNames.add("out" + i);
        Node node = new Node("n", op, "", opset, inNames, outNames, new Attributes(attrs));
        DType[] types = new DType[inputs.size()];
        for (int i = 0; i < types.length; i++) types[i] = inputs.get(i) == null ? null : inputs.get(i).dtype();
        KernelRegistry.Entry e = REGISTRY.find(node, types);
        if (e == null) throw new IllegalStateException("no kernel for " + node.operatorId() + " " + Arrays.toString(types));
        Tensor[] out = new Tensor[outputs];
        e.factory().create(node).run(new KernelContext() {
            @Override public int inputCount() { return inputs.size(); }
            @Override public Tensor input(int i) { return i < inputs.size() ? inputs.get(i) : null; }
            @Override public Tensor requireInput(int i) {
                Tensor t = input(i);
                if (t == null) throw new IllegalArgumentException("input " + i + " is missing");
                return t;
            }
            @Override public int outputCount() { return outputs; }
            @Override public boolean hasOutput(int i) { return i < outputs; }
            @Override public Tensor output(int i, DType dtype, int... dims) {
                Tensor t = Tensor.allocate(dtype, dims);
                for (int b = 0; b < t.bytes().limit(); b++) t.bytes().put(b, (byte) 0xA5);
                out[i] = t;
                return t;
            }
            @Override public Tensor[] runSubgraph(Graph graph, Tensor... in) { throw new UnsupportedOperationException(); }
            @Override public Parallel parallel() { return parallel; }
        });
        return out;
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
