package dev.petrel.llm;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.petrel.ModelFormatException;
import dev.petrel.Tensor;
import dev.petrel.UnsupportedFeatureException;
import dev.petrel.safetensors.SafetensorsCheckpoint;
import dev.petrel.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MalformedCheckpointTest {
    @TempDir
    Path dir;

    /** The F32 fixture's tensors, editable. */
    private static Map<String, Tensor> tensors() throws IOException {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(Fixtures.folder(Fixtures.F32))) {
            for (String n : c.names()) out.put(n, c.tensor(n).copy());
        }
        return out;
    }

    private String config() throws IOException {
        return new String(Files.readAllBytes(Fixtures.folder(Fixtures.F32).resolve("config.json")), StandardCharsets.UTF_8);
    }

    private Path folder(Map<String, Tensor> tensors, String config) throws IOException {
        SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors);
        Files.write(dir.resolve("config.json"), config.getBytes(StandardCharsets.UTF_8));
        return dir;
    }

    @Test
    void missingTensorIsNamedWithItsShape() throws IOException {
        Map<String, Tensor> t = tensors();
        t.remove("h.1.mlp.c_fc.bias");
        Path f = folder(t, config());
        assertThatThrownBy(() -> Gpt2Model.load(f)).isInstanceOf(ModelFormatException.class)
                .hasMessage("missing tensor 'h.1.mlp.c_fc.bias' (expected shape [256])");
    }

    @Test
    void wrongShapeNamesTensorExpectedAndFound() throws IOException {
        Map<String, Tensor> t = tensors();
        t.put("h.0.attn.c_attn.weight", Tensor.allocate(dev.petrel.DType.FLOAT, 192, 64));
        Path f = folder(t, config());
        assertThatThrownBy(() -> Gpt2Model.load(f)).isInstanceOf(ModelFormatException.class)
                .hasMessage("tensor 'h.0.attn.c_attn.weight': expected shape [64, 192], found [192, 64]");
    }

    @Test
    void transformerPrefixAndLegacyBuffersAreAccepted() throws IOException {
        Map<String, Tensor> t = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : tensors().entrySet()) t.put("transformer." + e.getKey(), e.getValue());
        t.put("transformer.h.0.attn.masked_bias", Tensor.scalar(-1e4f));
        Path f = folder(t, config());
        Gpt2Model m = Gpt2Model.load(f);
        int[] ids = {280, 342, 326};
        org.assertj.core.api.Assertions.assertThat(Fixtures.allLogits(m, ids)).containsExactly(Fixtures.allLogits(Fixtures.model(Fixtures.F32), ids));
    }

    @Test
    void untiedHeadNeedsLmHead() throws IOException {
        Path f = folder(tensors(), config().replace("\"tie_word_embeddings\": true", "\"tie_word_embeddings\": false"));
        assertThatThrownBy(() -> Gpt2Model.load(f)).isInstanceOf(ModelFormatException.class)
                .hasMessage("missing tensor 'lm_head.weight' (expected shape [507, 64])");
    }

    @Test
    void layerCountMismatchIsRefused() throws IOException {
        Path f = folder(tensors(), config().replace("\"n_layer\": 2", "\"n_layer\": 1"));
        assertThatThrownBy(() -> Gpt2Model.load(f)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("belongs to layer 1 but config.json has n_layer = 1");
    }

    @Test
    void badConfigsGiveClearErrors() throws IOException {
        Map<String, Tensor> t = tensors();
        String ok = config();
        assertThatThrownBy(() -> Gpt2Model.load(folder(t, ok.replace("\"gelu_new\"", "\"mish\""))))
                .isInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("activation_function 'mish' is not supported");
        assertThatThrownBy(() -> Gpt2Model.load(folder(t, ok.replace("\"n_head\": 4", "\"n_head\": 5"))))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("n_embd 64 is not a multiple of n_head 5");
        assertThatThrownBy(() -> Gpt2Model.load(folder(t, ok.replace("\"reorder_and_upcast_attn\": false", "\"reorder_and_upcast_attn\": true"))))
                .isInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("reorder_and_upcast_attn");
        assertThatThrownBy(() -> Gpt2Model.load(folder(t, ok.replace("\"n_embd\": 64", "\"n_embd\": \"64\""))))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("n_embd must be a positive integer, got 64");
        assertThatThrownBy(() -> Gpt2Model.load(folder(t, ok.substring(0, 40))))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("config.json is not valid JSON");
        assertThatThrownBy(() -> Gpt2Model.load(folder(t, ok.replace("\"model_type\": \"gpt2\"", "\"model_type\": \"llama\""))))
                .isInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("model_type 'llama'");
        Files.delete(dir.resolve("config.json"));
        assertThatThrownBy(() -> Gpt2Model.load(dir)).isInstanceOf(ModelFormatException.class).hasMessageContaining("missing config.json");
    }

    @Test
    void unsupportedElementTypeIsNamed() throws IOException {
        Map<String, Tensor> t = tensors();
        t.put("ln_f.bias", Tensor.allocate(dev.petrel.DType.INT32, 64));
        Path f = folder(t, config());
        assertThatThrownBy(() -> Gpt2Model.load(f)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("tensor 'ln_f.bias': element type INT32 is not supported");
    }
}
