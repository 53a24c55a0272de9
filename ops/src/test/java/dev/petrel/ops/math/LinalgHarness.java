package dev.petrel.ops.math;

import dev.petrel.Model;
import dev.petrel.Session;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.graph.ValueInfo;
import dev.petrel.spi.KernelRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs one node of the linalg family through a real session: {@code run("MatMul", 13, attrs, a, b)}. */
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
        Graph.Builder g = new Graph.Builder().opset("", opset);
        List<String> in = new ArrayList<>();
        Map<String, Tensor> feed = new HashMap<>();
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i] == null) {
                in.add("");
                continue;
            }
            String name = "x" + i;
            in.add(name);
            g.input(new ValueInfo(name, inputs[i].dtype(), null));
            feed.put(name, inputs[i]);
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < outputs; i++) {
            out.add("y" + i);
            g.output(new ValueInfo("y" + i, null, null));
        }
        g.node(new Node("n", op, "", opset, in, out, new Attributes(attrs)));
        try (Session s = Model.of(g.build(), KERNELS).newSession()) {
            Map<String, Tensor> r = s.run(feed);
            Tensor[] res = new Tensor[outputs];
            for (int i = 0; i < outputs; i++) res[i] = r.get("y" + i);
            return res;
        }
    }

    static List<Attribute> attrs(Attribute... a) {
        return Arrays.asList(a);
    }

    static Attribute i(String name, long v) {
        return Attribute.ofInt(name, v);
    }

    static Attribute f(String name, float v) {
        return Attribute.ofFloat(name, v);
    }

    static Attribute ints(String name, long... v) {
        return Attribute.ofInts(name, v);
    }

    static Attribute s(String name, String v) {
        return Attribute.ofString(name, v);
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
