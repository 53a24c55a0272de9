package dev.petrel.ops.rnn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.petrel.DType;
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
import org.junit.jupiter.api.Test;

/** Expected values are the operator equations evaluated by hand for hidden_size 1. */
class RecurrentKernelsTest {
    private static final String[] NAMES = {"X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c", "P"};

    private static Map<String, Tensor> run(String op, Tensor[] inputs, List<String> outputs, Attribute... attrs) {
        Graph.Builder b = new Graph.Builder().opset("", 14);
        List<String> ins = new ArrayList<>();
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i] == null) {
                ins.add("");
                continue;
            }
            ins.add(NAMES[i]);
            b.input(new ValueInfo(NAMES[i], inputs[i].dtype(), null));
            feeds.put(NAMES[i], inputs[i]);
        }
        b.node(new Node("n", op, "", 14, ins, outputs, new Attributes(List.of(attrs))));
        for (String o : outputs) if (!o.isEmpty()) b.output(new ValueInfo(o, null, null));
        try (Session s = Model.of(b.build()).newSession()) {
            return s.run(feeds);
        }
    }

    private static Tensor t(float[] v, long... shape) {
        return Tensor.of(v, shape);
    }

    @Test
    void lstmOneStepWithInitialStateBiasAndPeepholes() {
        Tensor x = t(new float[] {1}, 1, 1, 1);
        Tensor w = t(new float[] {1, 2, 3, 0.5f}, 1, 4, 1);
        Tensor r = t(new float[] {0.1f, 0.2f, 0.3f, 0.4f}, 1, 4, 1);
        Tensor b = t(new float[] {0.01f, 0.02f, 0.03f, 0.04f, 0, 0, 0, 0}, 1, 8);
        Tensor h0 = t(new float[] {0.5f}, 1, 1, 1);
        Tensor c0 = t(new float[] {-1}, 1, 1, 1);
        Tensor p = t(new float[] {0.5f, 0.25f, -0.5f}, 1, 3);
        Map<String, Tensor> out = run("LSTM", new Tensor[] {x, w, r, b, null, h0, c0, p}, List.of("Y", "Y_h", "Y_c"),
                Attribute.ofInt("hidden_size", 1));
        assertThat(out.get("Y").dims()).containsExactly(1, 1, 1, 1);
        assertThat(out.get("Y").toFloatArray()[0]).isCloseTo(-0.45583220f, within(1e-6f));
        assertThat(out.get("Y_h").toFloatArray()[0]).isCloseTo(-0.45583220f, within(1e-6f));
        assertThat(out.get("Y_c").toFloatArray()[0]).isCloseTo(-0.57497654f, within(1e-6f));

        Map<String, Tensor> noPeep = run("LSTM", new Tensor[] {x, w, r, b, null, h0, c0}, List.of("", "Y_h", "Y_c"),
                Attribute.ofInt("hidden_size", 1));
        assertThat(noPeep.get("Y_h").toFloatArray()[0]).isCloseTo(-0.40753082f, within(1e-6f));
        assertThat(noPeep.get("Y_c").toFloatArray()[0]).isCloseTo(-0.49281450f, within(1e-6f));
    }

    @Test
    void lstmDefaultsStartFromZeroState() {
        // i = sigmoid(1), o = sigmoid(2), c~ = tanh(0.5): C = i c~, H = o tanh(C).
        Map<String, Tensor> out = run("LSTM", new Tensor[] {t(new float[] {1}, 1, 1, 1), t(new float[] {1, 2, 3, 0.5f}, 1, 4, 1),
                t(new float[] {9, 9, 9, 9}, 1, 4, 1)}, List.of("", "Y_h", "Y_c"), Attribute.ofInt("hidden_size", 1));
        assertThat(out.get("Y_h").toFloatArray()[0]).isCloseTo(0.28673728f, within(1e-6f));
        assertThat(out.get("Y_c").toFloatArray()[0]).isCloseTo(0.33783471f, within(1e-6f));
    }

    @Test
    void bidirectionalRnnRunsTheSecondDirectionBackwards() {
        Tensor x = t(new float[] {1, -1}, 2, 1, 1);
        Tensor w = t(new float[] {1, 2}, 2, 1, 1);
        Tensor r = t(new float[] {0.5f, -1}, 2, 1, 1);
        Map<String, Tensor> out = run("RNN", new Tensor[] {x, w, r}, List.of("Y", "Y_h"),
                Attribute.ofInt("hidden_size", 1), Attribute.ofString("direction", "bidirectional"));
        assertThat(out.get("Y").dims()).containsExactly(2, 2, 1, 1);
        // Y[t][dir]: forward tanh(1), tanh(-1 + 0.5 tanh(1)); backward from t=1: tanh(-2), then tanh(2 - tanh(-2)).
        assertThat(out.get("Y").toFloatArray()).containsExactly(new float[] {0.76159416f, 0.99468684f, -0.55057281f, -0.96402758f},
                within(1e-6f));
        assertThat(out.get("Y_h").toFloatArray()).containsExactly(new float[] {-0.55057281f, 0.99468684f}, within(1e-6f));
    }

    @Test
    void batchwiseLayoutAndSequenceLengths() {
        // Two batch rows, layout 1 (X [batch, seq, input]); row 1 has length 1 so its second Y step is zero.
        Tensor x = t(new float[] {1, -1, 1, 5}, 2, 2, 1);
        Map<String, Tensor> out = run("RNN", new Tensor[] {x, t(new float[] {1}, 1, 1, 1), t(new float[] {0.5f}, 1, 1, 1), null,
                Tensor.of(new int[] {2, 1}, 2)}, List.of("Y", "Y_h"), Attribute.ofInt("hidden_size", 1), Attribute.ofInt("layout", 1));
        assertThat(out.get("Y").dims()).containsExactly(2, 2, 1, 1);
        assertThat(out.get("Y").toFloatArray()).containsExactly(new float[] {0.76159416f, -0.55057281f, 0.76159416f, 0f}, within(1e-6f));
        assertThat(out.get("Y_h").dims()).containsExactly(2, 1, 1);
        assertThat(out.get("Y_h").toFloatArray()).containsExactly(new float[] {-0.55057281f, 0.76159416f}, within(1e-6f));
    }

    @Test
    void gruWithAndWithoutLinearBeforeReset() {
        Tensor[] in = {t(new float[] {0.5f}, 1, 1, 1), t(new float[] {1, 2, 3}, 1, 3, 1), t(new float[] {0.5f, 0.25f, -1}, 1, 3, 1),
                t(new float[] {0.1f, 0.2f, 0.3f, 0, 0, 0.5f}, 1, 6), null, t(new float[] {-0.5f}, 1, 1, 1)};
        Map<String, Tensor> a = run("GRU", in, List.of("", "Y_h"), Attribute.ofInt("hidden_size", 1));
        assertThat(a.get("Y_h").toFloatArray()[0]).isCloseTo(0.11614922f, within(1e-6f));
        Map<String, Tensor> b = run("GRU", in, List.of("", "Y_h"), Attribute.ofInt("hidden_size", 1),
                Attribute.ofInt("linear_before_reset", 1));
        assertThat(b.get("Y_h").toFloatArray()[0]).isCloseTo(0.11501905f, within(1e-6f));
    }

    @Test
    void activationListWithParameters() {
        // Affine(alpha=2, beta=1) instead of Tanh: H = 2 (x w) + 1 with a zero initial state.
        Map<String, Tensor> out = run("RNN", new Tensor[] {t(new float[] {3}, 1, 1, 1), t(new float[] {0.5f}, 1, 1, 1),
                t(new float[] {7}, 1, 1, 1)}, List.of("", "Y_h"), Attribute.ofInt("hidden_size", 1),
                Attribute.ofStrings("activations", List.of("Affine")), Attribute.ofFloats("activation_alpha", new float[] {2}),
                Attribute.ofFloats("activation_beta", new float[] {1}));
        assertThat(out.get("Y_h").toFloatArray()[0]).isCloseTo(4f, within(1e-6f));
    }

    @Test
    void clipBoundsPreActivations() {
        Map<String, Tensor> out = run("RNN", new Tensor[] {t(new float[] {3}, 1, 1, 1), t(new float[] {1}, 1, 1, 1),
                t(new float[] {0}, 1, 1, 1)}, List.of("", "Y_h"), Attribute.ofInt("hidden_size", 1),
                Attribute.ofStrings("activations", List.of("Relu")), Attribute.ofFloat("clip", 1.5f));
        assertThat(out.get("Y_h").toFloatArray()[0]).isEqualTo(1.5f);
    }

    @Test
    void doubleInputsStayDouble() {
        Map<String, Tensor> out = run("RNN", new Tensor[] {Tensor.of(new double[] {1}, 1, 1, 1), Tensor.of(new double[] {1}, 1, 1, 1),
                Tensor.of(new double[] {0}, 1, 1, 1)}, List.of("", "Y_h"), Attribute.ofInt("hidden_size", 1));
        assertThat(out.get("Y_h").dtype()).isEqualTo(DType.DOUBLE);
        assertThat(out.get("Y_h").toDoubleArray()[0]).isCloseTo(Math.tanh(1), within(1e-15));
    }
}
