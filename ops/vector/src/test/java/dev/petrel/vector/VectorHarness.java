package dev.petrel.vector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.Model;
import dev.petrel.Options;
import dev.petrel.Session;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.graph.ValueInfo;
import dev.petrel.ops.PortableBackend;
import dev.petrel.spi.KernelRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Runs one node through a real session, with the portable kernels alone or with the vector backend on top. */
final class VectorHarness {
    static final KernelRegistry PORTABLE = new KernelRegistry();
    static final KernelRegistry VECTOR = new KernelRegistry();

    static {
        PORTABLE.addBackend(new PortableBackend());
        VECTOR.addBackend(new PortableBackend());
        VECTOR.addBackend(new VectorBackend());
    }

    private VectorHarness() {}

    /**
     * Runs {@code op}; inputs whose index is in {@code constants} become initializers (constants the
     * kernel may pre-pack), the others graph inputs; a null input is absent.
     */
    static Tensor run(KernelRegistry kernels, int threads, String op, int opset, List<Attribute> attrs,
                      int[] constants, Tensor... inputs) {
        Graph graph = graph(op, opset, attrs, constants, inputs);
        Map<String, Tensor> feed = feed(constants, inputs);
        try (Session s = Model.of(graph, kernels).newSession(new Options().threads(threads))) {
            Tensor first = s.run(feed).get("y");
            Tensor second = s.run(feed).get("y");
            // A second run reuses packed weights and scratch: same answer.
            assertThat(second.toFloatArray()).containsExactly(first.toFloatArray());
            return first;
        }
    }

    static Graph graph(String op, int opset, List<Attribute> attrs, int[] constants, Tensor... inputs) {
        Graph.Builder g = new Graph.Builder().opset("", opset);
        List<String> in = new ArrayList<>();
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i] == null) {
                in.add("");
                continue;
            }
            String name = "x" + i;
            in.add(name);
            if (isConstant(constants, i)) {
                g.initializer(name, inputs[i]);
            } else {
                g.input(new ValueInfo(name, inputs[i].dtype(), null));
            }
        }
        g.output(new ValueInfo("y", null, null));
        g.node(new Node("n", op, "", opset, in, List.of("y"), new Attributes(attrs)));
        return g.build();
    }

    private static Map<String, Tensor> feed(int[] constants, Tensor... inputs) {
        Map<String, Tensor> feed = new HashMap<>();
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i] != null && !isConstant(constants, i)) feed.put("x" + i, inputs[i]);
        }
        return feed;
    }

    private static boolean isConstant(int[] constants, int i) {
        for (int c : constants) if (c == i) return true;
        return false;
    }

    static Tensor random(Random rnd, int... dims) {
        int size = 1;
        for (int d : dims) size *= d;
        float[] v = new float[size];
        for (int i = 0; i < size; i++) v[i] = rnd.nextFloat() * 2 - 1;
        long[] shape = new long[dims.length];
        for (int i = 0; i < dims.length; i++) shape[i] = dims[i];
        return Tensor.of(v, shape);
    }

    /** Element-wise closeness for fp32 sums of {@code k} products of values in [-1, 1]. */
    static void assertClose(Tensor actual, Tensor expected, int k) {
        assertThat(actual.shape()).containsExactly(expected.shape());
        float[] a = actual.toFloatArray();
        float[] e = expected.toFloatArray();
        double tol = 1e-5 * Math.max(1, Math.sqrt(k)) ;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs(a[i] - e[i]);
            if (d > tol * Math.max(1, Math.abs(e[i]))) {
                throw new AssertionError("element " + i + " of " + actual.describe() + ": " + a[i] + " vs reference " + e[i]
                        + " (tolerance " + tol + ", K=" + k + ")");
            }
        }
    }
}
