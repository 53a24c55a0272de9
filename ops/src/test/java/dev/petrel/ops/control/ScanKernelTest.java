package dev.petrel.ops.control;

import static dev.petrel.ops.control.ControlGraphs.forwarding;
import static dev.petrel.ops.control.ControlGraphs.node;
import static dev.petrel.ops.control.ControlGraphs.v;
import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Graph;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The body swaps roles: the new state is the current slice, the scan output is the previous state. */
class ScanKernelTest {
    private static Graph body() {
        return forwarding(List.of(v("s_in", DType.FLOAT), v("x_in", DType.FLOAT)), List.of("x_in", "s_in"), Set.of());
    }

    private static Map<String, Tensor> scan9(Tensor s, Tensor x, Attribute... extra) {
        List<Attribute> attrs = new ArrayList<>(List.of(Attribute.ofGraph("body", body()), Attribute.ofInt("num_scan_inputs", 1)));
        attrs.addAll(List.of(extra));
        return ControlGraphs.run(node("Scan", 11, List.of("s", "x"), List.of("fin", "ys"), attrs.toArray(new Attribute[0])),
                List.of(v("s", DType.FLOAT), v("x", DType.FLOAT)), List.of("fin", "ys"), Map.of("s", s, "x", x));
    }

    private static final Tensor S = Tensor.of(new float[] {-1, -2}, 2);
    private static final Tensor X = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 3, 2);

    @Test
    void forwardScanOverFirstAxis() {
        Map<String, Tensor> out = scan9(S, X);
        assertThat(out.get("fin").toFloatArray()).containsExactly(5f, 6f);
        assertThat(out.get("ys").dims()).containsExactly(3, 2);
        assertThat(out.get("ys").toFloatArray()).containsExactly(-1f, -2f, 1f, 2f, 3f, 4f);
    }

    @Test
    void reverseInputDirection() {
        Map<String, Tensor> out = scan9(S, X, Attribute.ofInts("scan_input_directions", new long[] {1}));
        assertThat(out.get("fin").toFloatArray()).containsExactly(1f, 2f);
        assertThat(out.get("ys").toFloatArray()).containsExactly(-1f, -2f, 5f, 6f, 3f, 4f);
    }

    @Test
    void reverseOutputDirectionAndOutputAxis() {
        Map<String, Tensor> out = scan9(S, X, Attribute.ofInts("scan_output_directions", new long[] {1}),
                Attribute.ofInts("scan_output_axes", new long[] {-1}));
        // Steps stored last-to-first, stacked along the last axis: ys[j][t].
        assertThat(out.get("ys").dims()).containsExactly(2, 3);
        assertThat(out.get("ys").toFloatArray()).containsExactly(3f, 1f, -1f, 4f, 2f, -2f);
    }

    @Test
    void inputAxisOne() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Map<String, Tensor> out = scan9(S, x, Attribute.ofInts("scan_input_axes", new long[] {1}));
        assertThat(out.get("fin").toFloatArray()).containsExactly(3f, 6f);
        assertThat(out.get("ys").toFloatArray()).containsExactly(-1f, -2f, 1f, 4f, 2f, 5f);
    }

    @Test
    void opset8BatchesAndSequenceLengths() {
        Tensor s = Tensor.of(new float[] {-1, -2}, 2, 1);
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3, 1);
        Map<String, Tensor> out = ControlGraphs.run(
                node("Scan", 8, List.of("lens", "s", "x"), List.of("fin", "ys"), Attribute.ofGraph("body", body()),
                        Attribute.ofInt("num_scan_inputs", 1)),
                List.of(v("lens", DType.INT32), v("s", DType.FLOAT), v("x", DType.FLOAT)), List.of("fin", "ys"),
                Map.of("lens", Tensor.of(new int[] {3, 2}, 2), "s", s, "x", x));
        assertThat(out.get("fin").toFloatArray()).containsExactly(3f, 5f);
        assertThat(out.get("ys").dims()).containsExactly(2, 3, 1);
        // The second entry runs two steps; its third step is zero padding.
        assertThat(out.get("ys").toFloatArray()).containsExactly(-1f, 1f, 2f, -2f, 4f, 0f);
    }
}
