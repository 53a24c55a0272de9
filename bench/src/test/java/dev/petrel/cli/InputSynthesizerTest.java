package dev.petrel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.petrel.DType;
import dev.petrel.Model;
import dev.petrel.Tensor;
import dev.petrel.graph.Dim;
import dev.petrel.graph.Graph;
import dev.petrel.graph.ValueInfo;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InputSynthesizerTest {
    @Test
    void miniLmGetsTokenIdsMaskAndTypesOfBatchBySequence() {
        // The fp32 MiniLM names both dimensions of its inputs "batch": position decides, not the name.
        Graph g = Model.readGraph(EmbeddedModels.file(EmbeddedModels.MINILM));
        List<InputSynthesizer.Input> inputs = new InputSynthesizer(2, 16, 42).synthesize(g);
        Map<String, Tensor> map = InputSynthesizer.asMap(inputs);
        assertThat(map.keySet()).containsExactly("input_ids", "attention_mask", "token_type_ids");
        for (Tensor t : map.values()) {
            assertThat(t.dtype()).isEqualTo(DType.INT64);
            assertThat(t.shape()).containsExactly(2, 16);
        }
        for (long id : map.get("input_ids").toLongArray()) assertThat(id).isBetween(1000L, 19_999L);
        assertThat(map.get("input_ids").toLongArray()).doesNotHaveDuplicates(); // 32 draws from 19,000: random, not constant
        assertThat(map.get("attention_mask").toLongArray()).containsOnly(1L);
        assertThat(map.get("token_type_ids").toLongArray()).containsOnly(0L);
        assertThat(InputSynthesizer.tokensPerRun(inputs)).isEqualTo(32);
        assertThat(inputs.get(0).kind()).isEqualTo(InputSynthesizer.Kind.TOKEN_IDS);
        assertThat(inputs.get(0).description()).contains("INT64[2, 16]").contains("vocabulary 30522");
    }

    @Test
    void quantizedMiniLmFindsItsVocabularyBehindDequantizeLinear() {
        Graph g = Model.readGraph(EmbeddedModels.file(EmbeddedModels.MINILM_Q));
        assertThat(InputSynthesizer.vocabularySize(g, "input_ids")).isEqualTo(30522);
        Map<String, Tensor> map = InputSynthesizer.asMap(new InputSynthesizer(1, 8, 1).synthesize(g));
        assertThat(map.get("input_ids").shape()).containsExactly(1, 8);
    }

    @Test
    void sameSeedSameInputsOtherSeedOtherInputs() {
        Graph g = floatGraph();
        float[] a = new InputSynthesizer(1, 64, 7).synthesize(g).get(0).tensor().toFloatArray();
        float[] b = new InputSynthesizer(1, 64, 7).synthesize(g).get(0).tensor().toFloatArray();
        float[] c = new InputSynthesizer(1, 64, 8).synthesize(g).get(0).tensor().toFloatArray();
        assertThat(a).containsExactly(b);
        assertThat(a).isNotEqualTo(c);
    }

    @Test
    void floatInputsAreStandardNormalNoise() {
        Tensor t = new InputSynthesizer(2, 128, 3).synthesize(floatGraph()).get(0).tensor();
        assertThat(t.shape()).containsExactly(2, 3, 128, 128);
        float[] v = t.toFloatArray();
        double sum = 0, sq = 0;
        for (float x : v) {
            sum += x;
            sq += x * x;
        }
        double mean = sum / v.length;
        assertThat(mean).isBetween(-0.01, 0.01);
        assertThat(sq / v.length - mean * mean).isBetween(0.98, 1.02);
    }

    @Test
    void fixedDimensionsStayDimensionZeroIsBatchOthersAreSequence() {
        InputSynthesizer s = new InputSynthesizer(4, 10, 0);
        ValueInfo image = new ValueInfo("pixels", DType.FLOAT, new Dim[] {Dim.symbol("N"), Dim.of(3), Dim.symbol("H"), Dim.unknown()});
        assertThat(s.shapeOf(image)).containsExactly(4, 3, 10, 10);
        ValueInfo tokens = new ValueInfo("input_ids", DType.INT64, new Dim[] {Dim.symbol("batch"), Dim.symbol("batch")});
        assertThat(s.shapeOf(tokens)).containsExactly(4, 10);
        ValueInfo scalar = new ValueInfo("scale", DType.FLOAT, new Dim[0]);
        assertThat(s.shapeOf(scalar)).isEmpty();
    }

    @Test
    void integerInputsAreClassifiedByName() {
        assertThat(InputSynthesizer.kindOf("input_ids", DType.INT64)).isEqualTo(InputSynthesizer.Kind.TOKEN_IDS);
        assertThat(InputSynthesizer.kindOf("token_type_ids", DType.INT64)).isEqualTo(InputSynthesizer.Kind.TYPE_IDS);
        assertThat(InputSynthesizer.kindOf("attention_mask", DType.INT64)).isEqualTo(InputSynthesizer.Kind.MASK);
        assertThat(InputSynthesizer.kindOf("position_ids", DType.INT64)).isEqualTo(InputSynthesizer.Kind.POSITION_IDS);
        assertThat(InputSynthesizer.kindOf("steps", DType.INT32)).isEqualTo(InputSynthesizer.Kind.ZEROS);
        assertThat(InputSynthesizer.kindOf("x", DType.FLOAT)).isEqualTo(InputSynthesizer.Kind.NORMAL);
    }

    @Test
    void positionIdsCountAlongTheSequence() {
        Graph g = new Graph.Builder()
                .input(new ValueInfo("position_ids", DType.INT64, new Dim[] {Dim.symbol("b"), Dim.symbol("s")}))
                .output(new ValueInfo("position_ids", DType.INT64, null))
                .build();
        Tensor t = new InputSynthesizer(2, 3, 0).synthesize(g).get(0).tensor();
        assertThat(t.toLongArray()).containsExactly(0, 1, 2, 0, 1, 2);
    }

    @Test
    void initializersListedAsInputsAreNotSynthesized() {
        Graph g = new Graph.Builder()
                .input(new ValueInfo("x", DType.FLOAT, new Dim[] {Dim.symbol("n")}))
                .input(new ValueInfo("w", DType.FLOAT, new Dim[] {Dim.of(2)}))
                .initializer("w", Tensor.of(new float[] {1, 2}, 2))
                .output(new ValueInfo("x", DType.FLOAT, null))
                .build();
        assertThat(new InputSynthesizer(1, 5, 0).synthesize(g)).extracting(InputSynthesizer.Input::name).containsExactly("x");
    }

    @Test
    void rejectsWhatCannotBeSynthesized() {
        assertThatThrownBy(() -> new InputSynthesizer(0, 8, 0)).hasMessageContaining("--batch must be at least 1, got 0");
        assertThatThrownBy(() -> new InputSynthesizer(1, 0, 0)).hasMessageContaining("--seq must be at least 1, got 0");
        ValueInfo noShape = new ValueInfo("x", DType.FLOAT, null);
        assertThatThrownBy(() -> new InputSynthesizer(1, 1, 0).shapeOf(noShape))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("input 'x' declares no shape");
    }

    private static Graph floatGraph() {
        return new Graph.Builder()
                .input(new ValueInfo("pixels", DType.FLOAT, new Dim[] {Dim.symbol("N"), Dim.of(3), Dim.symbol("H"), Dim.symbol("W")}))
                .output(new ValueInfo("pixels", DType.FLOAT, null))
                .build();
    }
}
