package dev.petrel.vector;

import dev.petrel.Model;
import dev.petrel.Options;
import dev.petrel.Session;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.graph.ValueInfo;
import dev.petrel.spi.KernelRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs one node of any domain (e.g. dev.petrel) through a session; inputs in {@code constants} become initializers. */
final class ElementwiseHarness {
    private ElementwiseHarness() {}

    static Tensor run(KernelRegistry kernels, int threads, String domain, String op, int opset, List<Attribute> attrs,
                      int[] constants, Tensor... inputs) {
        Graph.Builder g = new Graph.Builder().opset("", 17);
        if (!domain.isEmpty()) g.opset(domain, opset);
        List<String> in = new ArrayList<>();
        Map<String, Tensor> feed = new HashMap<>();
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i] == null) {
                in.add("");
                continue;
            }
            String name = "x" + i;
            in.add(name);
            boolean constant = false;
            for (int c : constants) constant |= c == i;
            if (constant) {
                g.initializer(name, inputs[i]);
            } else {
                g.input(new ValueInfo(name, inputs[i].dtype(), null));
                feed.put(name, inputs[i]);
            }
        }
        g.output(new ValueInfo("y", null, null));
        g.node(new Node("n", op, domain, opset, in, List.of("y"), new Attributes(attrs)));
        try (Session s = Model.of(g.build(), kernels).newSession(new Options().threads(threads))) {
            Tensor first = s.run(feed).get("y");
            Tensor second = s.run(feed).get("y");
            if (!java.util.Arrays.equals(first.toFloatArray(), second.toFloatArray())) {
                throw new AssertionError("second run differs from the first");
            }
            return first;
        }
    }

    /** |actual - expected| <= abs + rel·|expected| element-wise, NaN matching NaN. */
    static void assertNear(Tensor actual, Tensor expected, double abs, double rel) {
        if (!java.util.Arrays.equals(actual.shape(), expected.shape())) {
            throw new AssertionError("shape " + actual.describe() + " vs reference " + expected.describe());
        }
        float[] a = actual.toFloatArray();
        float[] e = expected.toFloatArray();
        for (int i = 0; i < a.length; i++) {
            if (Float.isNaN(e[i]) && Float.isNaN(a[i])) continue;
            if (a[i] == e[i]) continue;
            if (!(Math.abs(a[i] - e[i]) <= abs + rel * Math.abs(e[i]))) {
                throw new AssertionError("element " + i + " of " + actual.describe() + ": " + a[i] + " vs reference " + e[i]);
            }
        }
    }
}
