package dev.petrel.quantize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.petrel.Model;
import dev.petrel.Tensor;
import dev.petrel.cli.EmbeddedModels;
import dev.petrel.graph.Graph;
import dev.petrel.tokenizer.ByteLevelBpeTokenizer;
import dev.petrel.tokenizer.WordPieceTokenizer;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CalibrationTest {
    @Test
    void sentencesAreVaried() {
        assertThat(Calibration.sentences()).hasSize(32).doesNotHaveDuplicates();
        assertThat(Calibration.sentences()).anyMatch(s -> s.endsWith("?")).anyMatch(s -> s.length() < 12).anyMatch(s -> s.length() > 150);
    }

    @Test
    void encoderInputsAreUnpaddedAndMatchTheGraph() {
        Graph g = Model.readGraph(EmbeddedModels.file(EmbeddedModels.MINILM));
        WordPieceTokenizer tok = WordPieceTokenizer.fromClasspath(EmbeddedModels.MINILM_TOKENIZER);
        List<Map<String, Tensor>> in = Calibration.sentences(tok, List.of("The cat sat on the mat."), g);
        assertThat(in.get(0)).containsOnlyKeys("input_ids", "attention_mask", "token_type_ids");
        // [CLS] the cat sat on the mat . [SEP]
        assertThat(in.get(0).get("input_ids").dims()).containsExactly(1, 9);
        assertThat(in.get(0).get("attention_mask").toLongArray()).containsOnly(1L);

        // Without a tokenizer: random ids below the embedding table's 30522 rows.
        List<Map<String, Tensor>> random = Calibration.forGraph(g, null, 3);
        assertThat(random).hasSize(3);
        for (long id : random.get(0).get("input_ids").toLongArray()) assertThat(id).isBetween(0L, 30521L);
        assertThat(random.get(0).get("token_type_ids").toLongArray()).containsOnly(0L);
    }

    @Test
    void causalLmInputsFollowTheExport() throws IOException {
        Graph nopast = Model.readGraph(LayerImportanceTest.GPT2.resolve("onnx/gpt2-tiny-nopast-opset14.onnx"));
        Map<String, Tensor> in = Calibration.causalLmInputs(nopast, List.of(new long[] {5, 6, 7})).get(0);
        assertThat(in).containsOnlyKeys("input_ids", "attention_mask", "position_ids");
        assertThat(in.get("position_ids").toLongArray()).containsExactly(0, 1, 2);
        Graph past = Model.readGraph(LayerImportanceTest.GPT2.resolve("onnx/gpt2-tiny-past-opset17.onnx"));
        Map<String, Tensor> withPast = Calibration.causalLmInputs(past, List.of(new long[] {5, 6, 7})).get(0);
        assertThat(withPast.get("past_key_values.0.key").dims()).containsExactly(1, 4, 0, 16);

        // A tokenizer in the folder is used; the onnx folder has none: random ids below the 507 logits.
        ByteLevelBpeTokenizer tok = ByteLevelBpeTokenizer.fromFolder(LayerImportanceTest.GPT2.resolve("gpt2-tiny"));
        List<Map<String, Tensor>> texts = Calibration.forGraph(nopast, LayerImportanceTest.GPT2.resolve("gpt2-tiny"), 2);
        assertThat(texts.get(0).get("input_ids").toLongArray())
                .containsExactly(Calibration.tokenSequences(tok, Calibration.SENTENCES.subList(0, 1), 128).get(0));
        List<Map<String, Tensor>> random = Calibration.forGraph(nopast, LayerImportanceTest.GPT2.resolve("onnx"), 2);
        for (long id : random.get(1).get("input_ids").toLongArray()) assertThat(id).isBetween(0L, 506L);
    }

    @Test
    void rejectsModelsWithoutTokens() {
        Graph g = LayerImportanceTest.residualMlp(new float[4], new float[4]);
        assertThatThrownBy(() -> Calibration.forGraph(g, null, 2)).hasMessageContaining("input_ids");
    }
}
