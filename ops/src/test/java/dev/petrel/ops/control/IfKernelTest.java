package dev.petrel.ops.control;

import static dev.petrel.ops.control.ControlGraphs.forwarding;
import static dev.petrel.ops.control.ControlGraphs.node;
import static dev.petrel.ops.control.ControlGraphs.v;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.petrel.DType;
import dev.petrel.KernelException;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Graph;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IfKernelTest {
    private static final Set<String> OUTER = Set.of("cond", "a", "b");

    private static Map<String, Tensor> runIf(boolean cond) {
        Graph then = forwarding(List.of(), List.of("a"), OUTER);
        Graph otherwise = forwarding(List.of(), List.of("b"), OUTER);
        return ControlGraphs.run(
                node("If", 11, List.of("cond"), List.of("res"), Attribute.ofGraph("then_branch", then),
                        Attribute.ofGraph("else_branch", otherwise)),
                List.of(v("cond", DType.BOOL), v("a", DType.FLOAT), v("b", DType.INT64)), List.of("res"),
                Map.of("cond", Tensor.of(new boolean[] {cond}), "a", Tensor.of(new float[] {1, 2, 3}, 3),
                        "b", Tensor.of(new long[] {7, 8}, 2, 1)));
    }

    @Test
    void trueConditionReturnsThenBranchOutputFromOuterScope() {
        Tensor res = runIf(true).get("res");
        assertThat(res.dims()).containsExactly(3);
        assertThat(res.toFloatArray()).containsExactly(1f, 2f, 3f);
    }

    @Test
    void falseConditionReturnsElseBranchOutputWithItsOwnTypeAndShape() {
        Tensor res = runIf(false).get("res");
        assertThat(res.dtype()).isEqualTo(DType.INT64);
        assertThat(res.dims()).containsExactly(2, 1);
        assertThat(res.toLongArray()).containsExactly(7L, 8L);
    }

    @Test
    void conditionWithSeveralElementsIsRejected() {
        Graph then = forwarding(List.of(), List.of("a"), OUTER);
        assertThatThrownBy(() -> ControlGraphs.run(
                node("If", 11, List.of("cond"), List.of("res"), Attribute.ofGraph("then_branch", then),
                        Attribute.ofGraph("else_branch", then)),
                List.of(v("cond", DType.BOOL), v("a", DType.FLOAT), v("b", DType.FLOAT)), List.of("res"),
                Map.of("cond", Tensor.of(new boolean[] {true, false}, 2), "a", Tensor.scalar(1), "b", Tensor.scalar(2))))
                .isInstanceOf(KernelException.class).hasMessageContaining("one element");
    }
}
