package dev.petrel.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.petrel.DType;
import dev.petrel.ModelFormatException;
import dev.petrel.Tensor;
import dev.petrel.safetensors.SafetensorsCheckpoint;
import dev.petrel.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Quantized GPT-2 checkpoints: written once, mapped at load, equal bit for bit to quantizing at load. */
class QuantizedCheckpointTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @CsvSource({"gpt2-tiny, Q8", "gpt2-tiny, Q4", "gpt2-tiny-lnfree, Q8", "gpt2-tiny-lnfree, Q4"})
    void roundTripIsBitIdentical(String fixture, WeightFormat format) throws IOException {
        Gpt2Model atLoad = Fixtures.load(fixture, DecoderOptions.defaults().weights(format));
        Path out = tmp.resolve("q");
        long bytes = QuantizedCheckpoint.write(atLoad, Fixtures.folder(fixture), out);
        assertThat(bytes).isEqualTo(Files.size(out.resolve("model.safetensors")));
        assertThat(QuantizedCheckpoint.isQuantized(out)).isTrue();
        assertThat(QuantizedCheckpoint.isQuantized(Fixtures.folder(fixture))).isFalse();
        assertThat(new String(Files.readAllBytes(out.resolve("config.json")), "UTF-8"))
                .contains("\"petrel_weights\": \"" + format.name().toLowerCase() + "\"");
        assertThat(out.resolve("vocab.json")).exists();
        assertThat(out.resolve("merges.txt")).exists();

        Gpt2Model stored = Gpt2Model.load(out);
        assertThat(stored.weights().format()).isEqualTo(format);
        assertThat(stored.weights().quantizedBytes()).isZero();
        assertThat(stored.weights().blockNorm()).isEqualTo(atLoad.weights().blockNorm());
        assertThat(stored.weights().finalNorm()).isEqualTo(atLoad.weights().finalNorm());
        assertThat(stored.weights().weightBytes()).isEqualTo(atLoad.weights().weightBytes());
        if (fixture.endsWith("lnfree")) assertThat(stored.weights().blockNorm()).isEqualTo(Gpt2Weights.Norm.FOLDED);
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(out)) {
            String q = format == WeightFormat.Q8 ? "q8" : "q4";
            assertThat(c.contains("h.0.attn.c_attn.weight." + q + ".codes")).isTrue();
            assertThat(c.contains("lm_head.weight." + q + ".scales")).isTrue();
            assertThat(c.contains("h.0.attn.c_attn.weight")).isFalse();
            assertThat(c.contains("h.0.ln_1.weight")).isEqualTo(!fixture.endsWith("lnfree"));
            assertThat(c.files().get(0).metadata()).containsEntry(QuantizedCheckpoint.FORMAT_KEY, QuantizedCheckpoint.FORMAT)
                    .containsEntry(QuantizedCheckpoint.VERSION_KEY, "1").containsEntry(QuantizedCheckpoint.WEIGHTS_KEY, q)
                    .containsEntry(QuantizedCheckpoint.PANEL_KEY, "16").containsEntry(QuantizedCheckpoint.BLOCK_KEY, "32")
                    .containsEntry(QuantizedCheckpoint.NORM_KEY, fixture.endsWith("lnfree") ? "folded" : "stored")
                    .containsEntry("petrel.matrix.h.1.mlp.c_proj.weight", "256,64");
        }

        int[] ids = {5, 17, 300, 2, 99, 41, 7};
        assertThat(Fixtures.allLogits(stored, ids)).isEqualTo(Fixtures.allLogits(atLoad, ids));
        // The same with explicit matching options.
        Gpt2Model again = Gpt2Model.load(out, DecoderOptions.defaults().weights(format).threads(2));
        assertThat(Fixtures.allLogits(again, ids)).isEqualTo(Fixtures.allLogits(atLoad, ids));

        GenerationOptions greedy = GenerationOptions.greedy().maxNewTokens(12);
        try (Generator a = atLoad.newGenerator(); Generator b = stored.newGenerator()) {
            int[] expected = a.generate(new int[] {3, 14, 15}, greedy, null).tokens();
            assertThat(b.generate(new int[] {3, 14, 15}, greedy, null).tokens()).isEqualTo(expected).hasSize(12);
        }
    }

    @Test
    void untiedHeadRoundTrips() throws IOException {
        Path untied = tmp.resolve("untied");
        Files.createDirectories(untied);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(Fixtures.folder(Fixtures.F32))) {
            for (String n : c.names()) tensors.put(n, copy(c, n));
            float[] wte = c.tensor("wte.weight").toFloatArray();
            for (int i = 0; i < wte.length; i++) wte[i] = 0.5f * wte[wte.length - 1 - i];
            tensors.put("lm_head.weight", Tensor.of(wte, 507, 64));
        }
        SafetensorsWriter.write(untied.resolve("model.safetensors"), tensors);
        String config = new String(Files.readAllBytes(Fixtures.folder(Fixtures.F32).resolve("config.json")), "UTF-8");
        Files.write(untied.resolve("config.json"), config.replace("\"tie_word_embeddings\": true", "\"tie_word_embeddings\": false").getBytes("UTF-8"));

        Gpt2Model atLoad = Gpt2Model.load(untied, DecoderOptions.defaults().weights(WeightFormat.Q8));
        assertThat(atLoad.config().tieWordEmbeddings).isFalse();
        Path out = tmp.resolve("q");
        QuantizedCheckpoint.write(atLoad, untied, out);
        Gpt2Model stored = Gpt2Model.load(out);
        int[] ids = {1, 2, 3, 400};
        assertThat(Fixtures.allLogits(stored, ids)).isEqualTo(Fixtures.allLogits(atLoad, ids));
        assertThat(stored.attribute(ids, 3, 9).toString()).isEqualTo(atLoad.attribute(ids, 3, 9).toString());
    }

    private static Tensor copy(SafetensorsCheckpoint c, String n) {
        ByteBuffer copy = ByteBuffer.allocate((int) c.info(n).byteSize());
        copy.put(c.file(n).bytes(n));
        long[] shape = c.info(n).shape();
        int[] dims = new int[shape.length];
        for (int i = 0; i < dims.length; i++) dims[i] = (int) shape[i];
        return Tensor.wrap(c.info(n).dtype(), copy, dims);
    }

    @Test
    void mismatchedOptionsAreRefused() throws IOException {
        Path out = tmp.resolve("q");
        QuantizedCheckpoint.write(Fixtures.load(Fixtures.LN_FREE, DecoderOptions.defaults().weights(WeightFormat.Q4)),
                Fixtures.folder(Fixtures.LN_FREE), out);
        assertThatThrownBy(() -> Gpt2Model.load(out, DecoderOptions.defaults().weights(WeightFormat.Q8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stored as Q4").hasMessageContaining("Q8");
        assertThatThrownBy(() -> Gpt2Model.load(out, DecoderOptions.defaults().literalLayerNorm(true)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("folded");
        assertThatThrownBy(() -> Gpt2Model.load(out, DecoderOptions.defaults().preRmsNorm(true)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Pre-RMSNorm");
        assertThatThrownBy(() -> QuantizedCheckpoint.write(Gpt2Model.load(out), out, tmp.resolve("again")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already holds a quantized checkpoint");
        assertThatThrownBy(() -> QuantizedCheckpoint.write(Fixtures.model(Fixtures.F32), Fixtures.folder(Fixtures.F32), tmp.resolve("x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fp32");
    }

    @Test
    void malformedCheckpointsAreRefused() throws IOException {
        Path good = tmp.resolve("good");
        QuantizedCheckpoint.write(Fixtures.load(Fixtures.F32, DecoderOptions.defaults().weights(WeightFormat.Q4)),
                Fixtures.folder(Fixtures.F32), good);

        assertThatThrownBy(() -> Gpt2Model.load(rewrite(good, "bad-size", (t, m) -> {
            Tensor c = t.get("h.0.mlp.c_fc.weight.q4.codes");
            t.put("h.0.mlp.c_fc.weight.q4.codes", Tensor.wrap(DType.UINT8, c.bytes(), c.size() - 64));
        }))).isInstanceOf(ModelFormatException.class).hasMessageContaining("h.0.mlp.c_fc.weight").hasMessageContaining("codes")
                .hasMessageContaining("expected 8192 bytes, got 8128");

        assertThatThrownBy(() -> Gpt2Model.load(rewrite(good, "missing", (t, m) -> t.remove("h.1.attn.c_proj.weight.q4.scales"))))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("missing tensor 'h.1.attn.c_proj.weight.q4.scales'");

        assertThatThrownBy(() -> Gpt2Model.load(rewrite(good, "missing-bias", (t, m) -> t.remove("h.0.attn.c_attn.bias"))))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("h.0.attn.c_attn.bias");

        assertThatThrownBy(() -> Gpt2Model.load(rewrite(good, "version", (t, m) -> m.put(QuantizedCheckpoint.VERSION_KEY, "2"))))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("format version 2 is not supported");

        assertThatThrownBy(() -> Gpt2Model.load(rewrite(good, "shape", (t, m) -> m.put("petrel.matrix.lm_head.weight", "64,500"))))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("lm_head.weight").hasMessageContaining("64,507");

        assertThatThrownBy(() -> Gpt2Model.load(rewrite(good, "bits", (t, m) -> m.put(QuantizedCheckpoint.BITS_KEY, "8"))))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("does not match q4");
    }

    @Test
    void wrapChecksBuffersAndCopiesHeapOnes() {
        QuantizedMatrix q = QuantizedMatrix.quantize(WeightFormat.Q8, java.nio.FloatBuffer.wrap(new float[40 * 20]), 40, 20, false);
        ByteBuffer heapCodes = ByteBuffer.allocate(q.codes().capacity());
        heapCodes.put(q.codes().duplicate());
        ((java.nio.Buffer) heapCodes).flip();
        QuantizedMatrix w = QuantizedMatrix.wrap(8, 40, 20, 32, true, heapCodes, q.scales().duplicate(), null);
        assertThat(w.codes().isDirect()).isTrue();
        assertThat(w.codes().order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
        assertThat(w.code(3, 7)).isEqualTo(q.code(3, 7));
        // 2 panels x 64 padded inputs x 16 columns x 1 byte.
        assertThatThrownBy(() -> QuantizedMatrix.wrap(8, 40, 20, 32, true, ByteBuffer.allocateDirect(100), q.scales(), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("codes of Q8 40 x 20 in blocks of 32: expected 2048 bytes, got 100");
        assertThatThrownBy(() -> QuantizedMatrix.wrap(8, 40, 20, 32, false, q.codes(), q.scales(), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fp32 scales").hasMessageContaining("expected 256 bytes, got 128");
        assertThatThrownBy(() -> QuantizedMatrix.wrap(5, 40, 20, 32, true, q.codes(), q.scales(), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bits must be 4 or 8");
        assertThatThrownBy(() -> QuantizedMatrix.wrap(8, 40, 20, 32, true, q.codes(), q.scales(), ByteBuffer.allocateDirect(4)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fp32 offsets");
    }

    interface Edit {
        void apply(Map<String, Tensor> tensors, Map<String, String> metadata);
    }

    /** A copy of {@code good} with its tensors or metadata edited. */
    private Path rewrite(Path good, String name, Edit edit) throws IOException {
        Path dir = tmp.resolve(name);
        Files.createDirectories(dir);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, String> meta;
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(good)) {
            for (String n : c.names()) tensors.put(n, copy(c, n));
            meta = new LinkedHashMap<>(c.files().get(0).metadata());
        }
        edit.apply(tensors, meta);
        SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors, meta);
        Files.copy(good.resolve("config.json"), dir.resolve("config.json"));
        return dir;
    }
}
