package dev.petrel.ops.signal;

import dev.petrel.Model;
import dev.petrel.Session;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.graph.ValueInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Runs one node over the given inputs (null = absent optional input) and returns output 0. */
final class SignalGraphs {
    private SignalGraphs() {}

    static Tensor run(String op, Tensor[] inputs, Attribute... attrs) {
        return run(op, 17, inputs, attrs);
    }

    static Tensor run(String op, int opset, Tensor[] inputs, Attribute... attrs) {
        Graph.Builder b = new Graph.Builder().opset("", opset);
        List<String> ins = new ArrayList<>();
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i] == null) {
                ins.add("");
                continue;
            }
            String name = "in" + i;
            ins.add(name);
            b.input(new ValueInfo(name, inputs[i].dtype(), null));
            feeds.put(name, inputs[i]);
        }
        b.node(new Node("n", op, "", opset, ins, List.of("out"), new Attributes(List.of(attrs))));
        b.output(new ValueInfo("out", null, null));
        try (Session s = Model.of(b.build()).newSession()) {
            return s.run(feeds).get("out");
        }
    }

    static Tensor scalar(long v) {
        return Tensor.of(new long[] {v});
    }
}
