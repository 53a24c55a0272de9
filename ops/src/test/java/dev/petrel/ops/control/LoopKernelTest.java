package dev.petrel.ops.control;

import static dev.petrel.ops.control.ControlGraphs.forwarding;
import static dev.petrel.ops.control.ControlGraphs.node;
import static dev.petrel.ops.control.ControlGraphs.v;
import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Graph;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LoopKernelTest {
    private static final List<dev.petrel.graph.ValueInfo> BODY_IN =
            List.of(v("i", DType.INT64), v("c_in", DType.BOOL), v("y_in", DType.FLOAT));

    private static Map<String, Tensor> runLoop(String condOut, Tensor m, Tensor cond) {
        Set<String> outer = Set.of("M", "cond", "y", "stop");
        // cond passes through (or comes from outer "stop"), y is carried unchanged, the iteration number is scanned.
        Graph body = forwarding(BODY_IN, List.of(condOut, "y_in", "i"), outer);
        Map<String, Tensor> feeds = new HashMap<>();
        feeds.put("M", m);
        feeds.put("cond", cond);
        feeds.put("y", Tensor.of(new float[] {4, 5}, 2));
        feeds.put("stop", Tensor.of(new boolean[] {false}));
        return ControlGraphs.run(node("Loop", 11, List.of("M", "cond", "y"), List.of("y_out", "iters"), Attribute.ofGraph("body", body)),
                List.of(v("M", DType.INT64), v("cond", DType.BOOL), v("y", DType.FLOAT), v("stop", DType.BOOL)),
                List.of("y_out", "iters"), feeds);
    }

    @Test
    void runsTripCountTimesAndStacksScanOutputs() {
        Map<String, Tensor> out = runLoop("c_in", Tensor.of(new long[] {3}), Tensor.of(new boolean[] {true}));
        assertThat(out.get("y_out").toFloatArray()).containsExactly(4f, 5f);
        assertThat(out.get("iters").dims()).containsExactly(3);
        assertThat(out.get("iters").toLongArray()).containsExactly(0L, 1L, 2L);
    }

    @Test
    void bodyConditionFalseStopsAfterOneIteration() {
        Map<String, Tensor> out = runLoop("stop", Tensor.of(new long[] {5}), Tensor.of(new boolean[] {true}));
        assertThat(out.get("iters").toLongArray()).containsExactly(0L);
    }

    @Test
    void initialConditionFalseRunsNothing() {
        Map<String, Tensor> out = runLoop("c_in", Tensor.of(new long[] {5}), Tensor.of(new boolean[] {false}));
        assertThat(out.get("y_out").toFloatArray()).containsExactly(4f, 5f);
        assertThat(out.get("iters").size()).isZero();
    }
}
