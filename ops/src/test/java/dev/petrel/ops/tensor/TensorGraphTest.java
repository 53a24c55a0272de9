package dev.petrel.ops.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.petrel.DType;
import dev.petrel.KernelException;
import dev.petrel.Model;
import dev.petrel.Session;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Dim;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.graph.ValueInfo;
import dev.petrel.spi.KernelRegistry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The shape-computation pattern of exported transformers, run through the planned executor. */
class TensorGraphTest {
    private static Node node(String op, List<String> in, String out, Attribute... attrs) {
        return new Node(op.toLowerCase() + "_" + out, op, "", 13, in, List.of(out), new Attributes(List.of(attrs)));
    }

    private static Model model() {
        KernelRegistry r = new KernelRegistry();
        TensorKernels.register(r);
        Graph g = new Graph.Builder().opset("", 13)
                .input(new ValueInfo("x", DType.FLOAT, new Dim[] {Dim.symbol("batch"), Dim.of(3), Dim.of(4)}))
                .output(new ValueInfo("y", DType.FLOAT, null))
                .initializer("zero", Tensor.of(new long[] {0}))
                .initializer("minus", Tensor.of(new long[] {-1}, 1))
                .initializer("axes0", Tensor.of(new long[] {0}, 1))
                .node(node("Shape", List.of("x"), "s"))
                .node(node("Gather", List.of("s", "zero"), "b"))
                .node(node("Unsqueeze", List.of("b", "axes0"), "b1"))
                .node(node("Concat", List.of("b1", "minus"), "shape", Attribute.ofInt("axis", 0)))
                .node(node("Reshape", List.of("x", "shape"), "r"))
                .node(node("Transpose", List.of("r"), "y"))
                .build();
        return Model.of(g, r);
    }

    private static Tensor iota(int batch) {
        float[] v = new float[batch * 12];
        for (int i = 0; i < v.length; i++) v[i] = i;
        return Tensor.of(v, batch, 3, 4);
    }

    @Test
    void flattensAndTransposesForEachBatchSize() {
        try (Session s = model().newSession()) {
            for (int batch : new int[] {2, 5, 2}) {
                Tensor y = s.run(Map.of("x", iota(batch))).get("y");
                assertThat(y.dims()).containsExactly(12, batch);
                for (int j = 0; j < 12; j++) {
                    for (int i = 0; i < batch; i++) assertThat(y.floats().get(j * batch + i)).isEqualTo(i * 12 + j);
                }
            }
            s.run(Map.of("x", iota(2)));
            assertThat(s.unplannedAllocations()).isZero();
        }
    }

    @Test
    void emptyBatchFailsWithTheReshapeReason() {
        try (Session s = model().newSession()) {
            // Reshape [0, 3, 4] to [0, -1]: the -1 cannot be inferred from zero elements.
            assertThatThrownBy(() -> s.run(Map.of("x", Tensor.of(new float[0], 0, 3, 4))))
                    .isInstanceOf(KernelException.class).hasMessageContaining("cannot be inferred");
        }
    }
}
