package dev.petrel.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.petrel.ModelFormatException;
import dev.petrel.Tensor;
import dev.petrel.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsCheckpointTest {
    @TempDir
    Path dir;

    /** Five FLOAT[10] tensors (40 bytes each) named layer0..layer4. */
    private static Map<String, Tensor> layers() {
        Random random = new Random(3);
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (int i = 0; i < 5; i++) m.put("layer" + i, SafetensorsRoundTripTest.random(dev.petrel.DType.FLOAT, random, 10));
        return m;
    }

    @Test
    void shardedCheckpointRoundTrips() throws IOException {
        Map<String, Tensor> tensors = layers();
        Path out = dir.resolve("ckpt");
        Path index = SafetensorsWriter.writeSharded(out, tensors, Map.of("format", "pt"), 100);
        assertThat(index).isEqualTo(out.resolve("model.safetensors.index.json"));
        // 40-byte tensors into 100-byte shards: two per shard, greedily, in the map's order.
        assertThat(out.resolve("model-00001-of-00003.safetensors")).exists();
        assertThat(out.resolve("model-00003-of-00003.safetensors")).exists();
        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) Json.parse(Json.readUtf8(index));
        assertThat(json.get("metadata")).isEqualTo(Map.of("total_size", 200L));
        assertThat((Map<String, Object>) json.get("weight_map")).containsEntry("layer0", "model-00001-of-00003.safetensors")
                .containsEntry("layer1", "model-00001-of-00003.safetensors")
                .containsEntry("layer2", "model-00002-of-00003.safetensors")
                .containsEntry("layer4", "model-00003-of-00003.safetensors");

        for (Path open : List.of(out, index)) {
            try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(open)) {
                assertThat(c.names()).containsExactly("layer0", "layer1", "layer2", "layer3", "layer4");
                assertThat(c.files()).hasSize(3);
                assertThat(c.indexMetadata()).containsEntry("total_size", 200L);
                for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                    assertThat(c.contains(e.getKey())).isTrue();
                    assertThat(c.tensor(e.getKey()).toFloatArray()).isEqualTo(e.getValue().toFloatArray());
                    assertThat(c.info(e.getKey()).shape()).containsExactly(10);
                }
                assertThat(c.file("layer3").path().getFileName().toString()).isEqualTo("model-00002-of-00003.safetensors");
                assertThat(c.file("layer3").metadata()).containsEntry("format", "pt");
                assertThat(c.contains("layer5")).isFalse();
                assertThatThrownBy(() -> c.tensor("layer5")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'layer5'");
            }
        }
    }

    @Test
    void aTensorLargerThanTheShardLimitGetsAShardOfItsOwn() throws IOException {
        Path index = SafetensorsWriter.writeSharded(dir, layers(), Map.of(), 10);
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(index)) {
            assertThat(c.files()).hasSize(5);
        }
    }

    @Test
    void singleFilesAndFolders() throws IOException {
        SafetensorsWriter.write(dir.resolve("model.safetensors"), layers());
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(dir)) {
            assertThat(c.names()).hasSize(5);
            assertThat(c.indexMetadata()).isEmpty();
        }
        Path other = dir.resolve("other.safetensors");
        SafetensorsWriter.write(other, Map.of("x", Tensor.scalar(2f)));
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(other)) {
            assertThat(c.names()).containsExactly("x");
            assertThat(c.tensor("x").toFloatArray()).containsExactly(2f);
        }
        Path empty = Files.createDirectory(dir.resolve("empty"));
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(empty)).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("neither model.safetensors nor model.safetensors.index.json");
    }

    private Path index(String weightMap) throws IOException {
        SafetensorsWriter.write(dir.resolve("shard.safetensors"), Map.of("a", Tensor.scalar(1f)));
        Path index = dir.resolve("model.safetensors.index.json");
        Files.write(index, ("{\"metadata\":{},\"weight_map\":" + weightMap + "}").getBytes(StandardCharsets.UTF_8));
        return index;
    }

    @Test
    void indexErrorsNameTheEntry() throws IOException {
        Path missingTensor = index("{\"a\":\"shard.safetensors\",\"b\":\"shard.safetensors\"}");
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(missingTensor)).isInstanceOf(ModelFormatException.class)
                .hasMessage(missingTensor + ": weight_map puts tensor 'b' in 'shard.safetensors', which has no such tensor");
        Path missingFile = index("{\"a\":\"nope.safetensors\"}");
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(missingFile)).isInstanceOf(ModelFormatException.class)
                .hasMessage(missingFile + ": weight_map entry 'a': file 'nope.safetensors' does not exist");
        Path escapes = index("{\"a\":\"../shard.safetensors\"}");
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(escapes)).isInstanceOf(ModelFormatException.class)
                .hasMessage(escapes + ": weight_map entry 'a': file '../shard.safetensors' lies outside the checkpoint's folder");
        Path absolute = index("{\"a\":\"" + dir.resolve("shard.safetensors") + "\"}");
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(absolute)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("must be a relative path");
        Path notString = index("{\"a\":1}");
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(notString)).hasMessageContaining("weight_map entry 'a' must name a file");
        Path noMap = dir.resolve("x.index.json");
        Files.write(noMap, "{\"metadata\":{}}".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(noMap)).isInstanceOf(ModelFormatException.class)
                .hasMessage(noMap + ": missing field 'weight_map'");
        Files.write(noMap, "{\"weight_map\":{\"a\":\"shard.safetensors\",\"a\":\"shard.safetensors\"}}".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(noMap)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("duplicate key \"a\"");
    }

    @Test
    void aBrokenShardIsReportedWithItsOwnName() throws IOException {
        Path index = index("{\"a\":\"shard.safetensors\",\"b\":\"broken.safetensors\"}");
        Files.write(dir.resolve("broken.safetensors"), new byte[3]);
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(index)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("broken.safetensors: 3 bytes is too short");
    }
}
