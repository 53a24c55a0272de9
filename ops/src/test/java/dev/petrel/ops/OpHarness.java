package dev.petrel.ops;

import dev.petrel.DType;
import dev.petrel.Model;
import dev.petrel.Session;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.graph.ValueInfo;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import dev.petrel.spi.KernelRegistry;
import dev.petrel.spi.Parallel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs one operator node in a test, in one of two ways:
 * <ul>
 *   <li>{@link #runSession()}: a one-node graph through {@code Model.of(graph)} (or the given registry)
 *       and a {@link Session}, as a user runs it; kernel errors arrive wrapped by the executor.</li>
 *   <li>{@link #runKernel()}: the kernel the registry picks for the input types, run directly; every
 *       output is filled with garbage first, so an element the kernel forgets to write shows up (the
 *       executor reuses memory too), and kernel errors arrive as thrown.</li>
 * </ul>
 * Inputs are named {@code x0, x1, ...} (a null input is an absent optional one) and outputs
 * {@code y0, y1, ...}. The static {@code run} methods are shorthands for the session way.
 */
public final class OpHarness {
    private static final byte GARBAGE = (byte) 0xA5;

    private final String op;
    private int opset = 18;
    private final List<Attribute> attrs = new ArrayList<>();
    private final List<Tensor> inputs = new ArrayList<>();
    private int outputs = 1;
    private KernelRegistry registry;
    private Parallel parallel = Parallel.SEQUENTIAL;

    private OpHarness(String op) {
        this.op = op;
    }

    public static OpHarness op(String op) {
        return new OpHarness(op);
    }

    public OpHarness opset(int v) { opset = v; return this; }
    public OpHarness attrs(List<Attribute> a) { attrs.addAll(a); return this; }
    public OpHarness attr(Attribute... a) { attrs.addAll(Arrays.asList(a)); return this; }
    public OpHarness attr(String name, long v) { attrs.add(Attribute.ofInt(name, v)); return this; }
    public OpHarness attr(String name, float v) { attrs.add(Attribute.ofFloat(name, v)); return this; }
    public OpHarness attr(String name, String v) { attrs.add(Attribute.ofString(name, v)); return this; }
    public OpHarness attr(String name, Tensor v) { attrs.add(Attribute.ofTensor(name, v)); return this; }
    public OpHarness ints(String name, long... v) { attrs.add(Attribute.ofInts(name, v)); return this; }
    /** Adds inputs; null marks an absent optional input. */
    public OpHarness in(Tensor... t) { inputs.addAll(Arrays.asList(t)); return this; }
    public OpHarness outputs(int n) { outputs = n; return this; }
    /** The kernels to use: required by {@link #runKernel()}; for a session, null means all of {@code Model.of}'s. */
    public OpHarness registry(KernelRegistry r) { registry = r; return this; }
    public OpHarness parallel(Parallel p) { parallel = p; return this; }

    /** Runs kernels with a 4-way Parallel that does its chunks last to first, to catch chunks that depend on each other. */
    public OpHarness chunked() {
        parallel = new Parallel() {
            @Override public int threads() { return 4; }
            @Override public void forRange(int count, RangeBody body) {
                int chunk = (count + 3) / 4;
                for (int from = (count - 1) / chunk * chunk; from >= 0; from -= chunk) body.run(from, Math.min(count, from + chunk));
            }
        };
        return this;
    }

    private Node node() {
        List<String> inNames = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) inNames.add(inputs.get(i) == null ? "" : "x" + i);
        List<String> outNames = new ArrayList<>();
        for (int i = 0; i < outputs; i++) outNames.add("y" + i);
        return new Node("n", op, "", opset, inNames, outNames, new Attributes(attrs));
    }

    // ---- through a session ----

    /** Every output, computed by a session over the one-node graph. */
    public Tensor[] runSession() {
        Node node = node();
        Graph.Builder g = new Graph.Builder().opset("", opset);
        Map<String, Tensor> feed = new HashMap<>();
        for (int i = 0; i < inputs.size(); i++) {
            Tensor t = inputs.get(i);
            if (t == null) continue;
            String name = node.inputs().get(i);
            g.input(new ValueInfo(name, t.dtype(), null));
            feed.put(name, t);
        }
        for (String o : node.outputs()) g.output(new ValueInfo(o, null, null));
        g.node(node);
        Graph graph = g.build();
        try (Session s = (registry == null ? Model.of(graph) : Model.of(graph, registry)).newSession()) {
            Map<String, Tensor> r = s.run(feed);
            Tensor[] result = new Tensor[outputs];
            for (int i = 0; i < outputs; i++) result[i] = r.get(node.outputs().get(i));
            return result;
        }
    }

    /** {@code outputs} outputs of {@code op} run through a session with all kernels. */
    public static Tensor[] run(String op, int opset, List<Attribute> attrs, int outputs, Tensor... inputs) {
        return op(op).opset(opset).attrs(attrs).outputs(outputs).in(inputs).runSession();
    }

    /** Output 0 of {@code op} run through a session with all kernels. */
    public static Tensor run1(String op, int opset, List<Attribute> attrs, Tensor... inputs) {
        return run(op, opset, attrs, 1, inputs)[0];
    }

    /** Output 0 of {@code op} run through a session with all kernels. */
    public static Tensor run(String op, int opset, Tensor[] inputs, Attribute... attrs) {
        return op(op).opset(opset).attr(attrs).in(inputs).runSession()[0];
    }

    // ---- the kernel alone ----

    /** The kernel {@link #registry} picks for these inputs' types, created as the executor would. */
    public Kernel kernel() {
        if (registry == null) throw new IllegalStateException("no registry given for " + op);
        Node node = node();
        DType[] types = new DType[inputs.size()];
        for (int i = 0; i < types.length; i++) types[i] = inputs.get(i) == null ? null : inputs.get(i).dtype();
        KernelRegistry.Entry e = registry.find(node, types);
        if (e == null) throw new IllegalStateException("no kernel for " + op + " " + Arrays.toString(types) + ": " + registry.describeTypes(node));
        return e.factory().create(node);
    }

    /** Every output of the kernel run directly on garbage-filled output memory. */
    public Tensor[] runKernel() {
        return runKernel(kernel(), outputs, parallel, inputs.toArray(new Tensor[0]));
    }

    /** Runs an already created kernel once, on garbage-filled output memory. */
    public static Tensor[] runKernel(Kernel kernel, int outputs, Parallel parallel, Tensor... inputs) {
        Tensor[] out = new Tensor[outputs];
        kernel.run(new KernelContext() {
            @Override public int inputCount() { return inputs.length; }
            @Override public Tensor input(int i) { return i < inputs.length ? inputs[i] : null; }
            @Override public Tensor requireInput(int i) {
                Tensor t = input(i);
                if (t == null) throw new IllegalArgumentException("input " + i + " is missing");
                return t;
            }
            @Override public int outputCount() { return outputs; }
            @Override public boolean hasOutput(int i) { return i < outputs; }
            @Override public Tensor output(int i, DType dtype, int... dims) {
                Tensor t = Tensor.allocate(dtype, dims);
                for (int b = 0; b < t.bytes().limit(); b++) t.bytes().put(b, GARBAGE);
                out[i] = t;
                return t;
            }
            @Override public Tensor[] runSubgraph(Graph graph, Tensor... in) { throw new UnsupportedOperationException(); }
            @Override public Parallel parallel() { return parallel; }
        });
        return out;
    }
}
