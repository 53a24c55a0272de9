package dev.petrel.quantize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.petrel.DType;
import dev.petrel.Model;
import dev.petrel.ModelFormatException;
import dev.petrel.Tensor;
import dev.petrel.cli.EmbeddedModels;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Dim;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.graph.ValueInfo;
import dev.petrel.tokenizer.ByteLevelBpeTokenizer;
import dev.petrel.tokenizer.WordPieceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class LayerImportanceTest {
    static final Path GPT2 = Path.of("..", "engine", "llm", "src", "test", "resources", "gpt2").toAbsolutePath().normalize();

    static Node node(String op, List<String> in, String out) {
        return new Node(out, op, "", 14, in, List.of(out), Attributes.empty());
    }

    /** x [1, 2, 2] → y = x + x·W1 → z = y + y·W2 (two residual sub-layers, no attention: two blocks). */
    static Graph residualMlp(float[] w1, float[] w2) {
        Dim[] shape = {Dim.of(1), Dim.of(2), Dim.of(2)};
        return new Graph.Builder().name("residual-mlp").opset("", 14)
                .input(new ValueInfo("x", DType.FLOAT, shape))
                .initializer("W1", Tensor.of(w1, 2, 2))
                .initializer("W2", Tensor.of(w2, 2, 2))
                .node(node("MatMul", List.of("x", "W1"), "m1"))
                .node(node("Add", List.of("x", "m1"), "y"))
                .node(node("MatMul", List.of("y", "W2"), "m2"))
                .node(node("Add", List.of("m2", "y"), "z"))
                .output(new ValueInfo("z", DType.FLOAT, shape))
                .build();
    }

    @Test
    void scoresHandBuiltResidualBlocks() {
        // W1 rotates by 90 degrees: [1,0] → y = [1,1] and [0,1] → y = [-1,1], both at cos 1/√2 from x.
        // W2 = 0 leaves the stream as it is: cos 1, LIM 0.
        Graph g = residualMlp(new float[] {0, 1, -1, 0}, new float[] {0, 0, 0, 0});
        LayerImportance.Structure s = LayerImportance.detect(g);
        assertThat(s.postNorm()).isFalse();
        assertThat(s.states()).containsExactly("x", "y", "z");
        assertThat(s.blocks()).hasSize(2);
        assertThat(s.blocks().get(0).weights()).containsExactly(new LayerScore.Weight("W1", 4, 2));
        assertThat(s.blocks().get(1).weights()).containsExactly(new LayerScore.Weight("W2", 4, 2));

        List<LayerScore> scores = LayerImportance.score(s, List.of(Map.of("x", Tensor.of(new float[] {1, 0, 0, 1}, 1, 2, 2))));
        assertThat(scores.get(0).cosine()).isCloseTo(Math.sqrt(0.5), within(1e-6));
        assertThat(scores.get(0).lim()).isCloseTo(1 - Math.sqrt(0.5), within(1e-6));
        assertThat(scores.get(1).lim()).isCloseTo(0, within(1e-6));
        assertThat(LayerImportance.table(scores)).contains("block 0", "0.707107", "0.292893");
    }

    @Test
    void maskedTokensDoNotCount() {
        Tensor a = Tensor.of(new float[] {1, 0, 0, 1}, 1, 2, 2), b = Tensor.of(new float[] {1, 1, 0, 1}, 1, 2, 2);
        double[] all = LayerImportance.tokenCosines(a, b, null);
        assertThat(all[1]).isEqualTo(2);
        assertThat(all[0]).isCloseTo(Math.sqrt(0.5) + 1, within(1e-12));
        double[] first = LayerImportance.tokenCosines(a, b, Tensor.of(new long[] {1, 0}, 1, 2));
        assertThat(first[1]).isEqualTo(1);
        assertThat(first[0]).isCloseTo(Math.sqrt(0.5), within(1e-12));
    }

    @Test
    void failsClearlyWithoutResidualStream() {
        Dim[] shape = {Dim.of(1), Dim.of(2)};
        Graph mlp = new Graph.Builder().name("plain-mlp").opset("", 14)
                .input(new ValueInfo("x", DType.FLOAT, shape))
                .initializer("W1", Tensor.of(new float[] {1, 2, 3, 4}, 2, 2))
                .initializer("W2", Tensor.of(new float[] {1, 2, 3, 4}, 2, 2))
                .node(node("MatMul", List.of("x", "W1"), "h"))
                .node(node("Relu", List.of("h"), "r"))
                .node(node("MatMul", List.of("r", "W2"), "y"))
                .output(new ValueInfo("y", DType.FLOAT, shape))
                .build();
        assertThatThrownBy(() -> LayerImportance.detect(mlp)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("no transformer layer structure").hasMessageContaining("plain-mlp");
        // One residual sub-layer is no chain either.
        Graph one = new Graph.Builder().name("one").opset("", 14)
                .input(new ValueInfo("x", DType.FLOAT, shape))
                .initializer("W1", Tensor.of(new float[] {1, 2, 3, 4}, 2, 2))
                .node(node("MatMul", List.of("x", "W1"), "h"))
                .node(node("Add", List.of("x", "h"), "y"))
                .output(new ValueInfo("y", DType.FLOAT, shape))
                .build();
        assertThatThrownBy(() -> LayerImportance.detect(one)).hasMessageContaining("no chain of two residual Adds");
    }

    @Test
    void findsGpt2BlocksInBothExports() throws IOException {
        ByteLevelBpeTokenizer tok = ByteLevelBpeTokenizer.fromFolder(GPT2.resolve("gpt2-tiny"));
        List<long[]> seqs = Calibration.tokenSequences(tok, Calibration.STORIES.subList(0, 3), 64);
        List<LayerScore> first = null;
        for (String file : new String[] {"gpt2-tiny-nopast-opset14.onnx", "gpt2-tiny-nopast-opset17.onnx", "gpt2-tiny-past-opset17.onnx"}) {
            Graph g = Model.readGraph(GPT2.resolve("onnx").resolve(file));
            LayerImportance.Structure s = LayerImportance.detect(g);
            assertThat(s.postNorm()).as(file).isFalse();
            assertThat(s.blocks()).as(file).hasSize(2);
            for (int b = 0; b < 2; b++) {
                assertThat(s.blocks().get(b).weights()).extracting(LayerScore.Weight::name).as(file).containsExactly(
                        "transformer.h." + b + ".attn.c_attn.weight", "transformer.h." + b + ".attn.c_proj.weight",
                        "transformer.h." + b + ".mlp.c_fc.weight", "transformer.h." + b + ".mlp.c_proj.weight");
            }
            assertThat(s.blocks().get(0).weights().get(3)).isEqualTo(new LayerScore.Weight("transformer.h.0.mlp.c_proj.weight", 256 * 64, 256));
            // The tied LM head multiplies by wteᵀ: K is the embedding width.
            LayerScore head = s.groups().get(2);
            assertThat(head.kind()).isEqualTo(LayerScore.Kind.HEAD);
            assertThat(head.weights()).containsExactly(new LayerScore.Weight("transformer.wte.weight", 507 * 64, 64));

            List<LayerScore> scores = LayerImportance.score(s, Calibration.causalLmInputs(g, seqs));
            for (LayerScore b : scores.subList(0, 2)) assertThat(b.cosine()).as(file).isBetween(0.0, 1.0);
            if (first == null) {
                first = scores;
            } else {
                // Same weights, same stream: the exports (and the empty past) agree on the scores.
                for (int b = 0; b < 2; b++) assertThat(scores.get(b).lim()).as(file).isCloseTo(first.get(b).lim(), within(1e-5));
            }
        }
    }

    @Test
    void findsMiniLmPostNormBlocks() {
        Graph g = Model.readGraph(EmbeddedModels.file(EmbeddedModels.MINILM));
        LayerImportance.Structure s = LayerImportance.detect(g);
        assertThat(s.postNorm()).isTrue();
        assertThat(s.blocks()).hasSize(6);
        for (LayerScore b : s.blocks()) {
            assertThat(b.weights()).hasSize(6);
            assertThat(b.params()).isEqualTo(4L * 384 * 384 + 2L * 384 * 1536);
            // Post-norm states are normalization outputs (the last one is the graph's output).
            if (b.block() < 5) assertThat(b.outState()).contains("output/LayerNorm");
        }
        assertThat(s.blocks().get(5).outState()).isEqualTo("output_0");
        assertThat(s.groups().get(6).weights()).extracting(LayerScore.Weight::name).containsExactly("pooler.dense.weight");

        WordPieceTokenizer tok = WordPieceTokenizer.fromClasspath(EmbeddedModels.MINILM_TOKENIZER);
        List<LayerScore> scores = LayerImportance.score(s, Calibration.sentences(tok, Calibration.SENTENCES.subList(0, 4), g));
        double maxLim = 0;
        for (LayerScore b : scores.subList(0, 6)) {
            assertThat(b.cosine()).isBetween(0.0, 1.0);
            maxLim = Math.max(maxLim, b.lim());
        }
        // Measured on all 32 sentences: the last block changes the stream most (LIM 0.40, the others 0.11-0.17).
        assertThat(scores.get(5).lim()).isEqualTo(maxLim);
    }

    @Test
    void findsGpt2SmallBlocks() {
        Path f = Path.of(System.getProperty("user.home"), ".cache", "petrel", "gpt2-small-random", "model.onnx");
        Assumptions.assumeTrue(Files.isRegularFile(f), "no " + f);
        LayerImportance.Structure s = LayerImportance.detect(Model.readGraph(f));
        assertThat(s.blocks()).hasSize(12);
        for (LayerScore b : s.blocks()) assertThat(b.params()).isEqualTo(12L * 768 * 768);
    }
}
