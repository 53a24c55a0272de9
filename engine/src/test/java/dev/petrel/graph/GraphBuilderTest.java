package dev.petrel.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.petrel.DType;
import dev.petrel.ModelFormatException;
import java.util.List;
import org.junit.jupiter.api.Test;

class GraphBuilderTest {
    static Node node(String name, List<String> in, List<String> out) {
        return new Node(name, "Op", "", 13, in, out, Attributes.empty());
    }

    @Test
    void sortsNodesTopologically() {
        Graph g = new Graph.Builder()
                .input(new ValueInfo("x", DType.FLOAT, null)).output(new ValueInfo("z", DType.FLOAT, null))
                .node(node("second", List.of("y"), List.of("z")))
                .node(node("first", List.of("x"), List.of("y")))
                .build();
        assertThat(g.nodes()).extracting(Node::name).containsExactly("first", "second");
    }

    @Test
    void rejectsACycle() {
        Graph.Builder b = new Graph.Builder()
                .input(new ValueInfo("x", DType.FLOAT, null)).output(new ValueInfo("z", DType.FLOAT, null))
                .node(node("a", List.of("x", "z"), List.of("y")))
                .node(node("b", List.of("y"), List.of("z")));
        assertThatThrownBy(b::build).isInstanceOf(ModelFormatException.class).hasMessageContaining("cycle")
                .hasMessageContaining("'a'");
    }

    @Test
    void rejectsAnUndefinedInput() {
        Graph.Builder b = new Graph.Builder()
                .input(new ValueInfo("x", DType.FLOAT, null)).output(new ValueInfo("y", DType.FLOAT, null))
                .node(node("a", List.of("x", "ghost"), List.of("y")));
        assertThatThrownBy(b::build).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("node 'a' (Op) reads 'ghost'");
    }

    @Test
    void rejectsTwoProducersOfOneValue() {
        Graph.Builder b = new Graph.Builder()
                .input(new ValueInfo("x", DType.FLOAT, null)).output(new ValueInfo("y", DType.FLOAT, null))
                .node(node("a", List.of("x"), List.of("y")))
                .node(node("b", List.of("x"), List.of("y")));
        assertThatThrownBy(b::build).isInstanceOf(ModelFormatException.class).hasMessageContaining("produced by both");
    }

    @Test
    void rejectsAnOutputNothingProduces() {
        Graph.Builder b = new Graph.Builder()
                .input(new ValueInfo("x", DType.FLOAT, null)).output(new ValueInfo("nothing", DType.FLOAT, null));
        assertThatThrownBy(b::build).isInstanceOf(ModelFormatException.class).hasMessageContaining("'nothing'");
    }

    @Test
    void subgraphsMayReadOuterValues() {
        Graph body = new Graph.Builder()
                .output(new ValueInfo("out", DType.FLOAT, null))
                .node(node("inner", List.of("outer_x"), List.of("out")))
                .build(java.util.Set.of("outer_x"));
        assertThat(body.outerReferences()).containsExactly("outer_x");
        Graph g = new Graph.Builder()
                .input(new ValueInfo("outer_x", DType.FLOAT, null)).input(new ValueInfo("c", DType.BOOL, null))
                .output(new ValueInfo("y", DType.FLOAT, null))
                .node(new Node("if", "If", "", 13, List.of("c"), List.of("y"),
                        new Attributes(List.of(Attribute.ofGraph("then_branch", body), Attribute.ofGraph("else_branch", body)))))
                .build();
        assertThat(g.nodes()).hasSize(1);
    }
}
