package dev.petrel.ops.loss;

import dev.petrel.Model;
import dev.petrel.Session;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.graph.ValueInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs one node through a real session: inputs "x0".. (null = absent optional input), outputs "y0".. in order. */
final class LossHarness {
    private LossHarness() {}

    static Tensor[] run(String op, int opset, List<Attribute> attrs, int outputs, Tensor... inputs) {
        Graph.Builder g = new Graph.Builder().opset("", opset);
        List<String> ins = new ArrayList<>();
        Map<String, Tensor> feed = new HashMap<>();
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i] == null) {
                ins.add("");
                continue;
            }
            String name = "x" + i;
            ins.add(name);
            g.input(new ValueInfo(name, inputs[i].dtype(), null));
            feed.put(name, inputs[i]);
        }
        List<String> outs = new ArrayList<>();
        for (int i = 0; i < outputs; i++) {
            outs.add("y" + i);
            g.output(new ValueInfo("y" + i, null, null));
        }
        g.node(new Node("n", op, "", opset, ins, outs, new Attributes(attrs)));
        try (Session s = Model.of(g.build()).newSession()) {
            Map<String, Tensor> r = s.run(feed);
            Tensor[] result = new Tensor[outputs];
            for (int i = 0; i < outputs; i++) result[i] = r.get("y" + i);
            return result;
        }
    }

    static Tensor run1(String op, int opset, List<Attribute> attrs, Tensor... inputs) {
        return run(op, opset, attrs, 1, inputs)[0];
    }

    static Attribute reduction(String r) {
        return Attribute.ofString("reduction", r);
    }

    static Attribute ignoreIndex(long v) {
        return Attribute.ofInt("ignore_index", v);
    }
}
