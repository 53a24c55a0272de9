package dev.petrel.llm;

import dev.petrel.Tensor;
import dev.petrel.json.Json;
import dev.petrel.safetensors.SafetensorsCheckpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The tiny GPT-2 folders of src/test/resources/gpt2 (see its README) and their float64 references. */
final class Fixtures {
    static final String F32 = "gpt2-tiny", F16 = "gpt2-tiny-f16", BF16 = "gpt2-tiny-bf16", LN_FREE = "gpt2-tiny-lnfree";
    static final String[] ALL = {F32, F16, BF16, LN_FREE};

    private static final Map<String, Gpt2Model> MODELS = new HashMap<>();

    private Fixtures() {}

    /** The fixture folder, from engine/llm or from another module of the build (ops/vector's tests). */
    static Path folder(String name) {
        for (String root : new String[] {"src/test/resources/gpt2", "../../engine/llm/src/test/resources/gpt2"}) {
            Path p = Paths.get(root, name);
            if (Files.isDirectory(p)) return p;
        }
        throw new IllegalStateException("missing fixture folder " + Paths.get("src/test/resources/gpt2", name).toAbsolutePath());
    }

    /** Default options, loaded once per JVM (models are immutable). */
    static synchronized Gpt2Model model(String name) {
        return MODELS.computeIfAbsent(name, n -> load(n, DecoderOptions.defaults()));
    }

    static Gpt2Model load(String name, DecoderOptions options) {
        try {
            return Gpt2Model.load(folder(name), options);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> reference(String name) {
        try {
            return (Map<String, Object>) Json.parse(Json.readUtf8(folder(name).resolve("reference.json")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> prompts(String name) {
        return (List<Map<String, Object>>) reference(name).get("prompts");
    }

    static float[] tensor(String name, String tensor) {
        try (SafetensorsCheckpoint ref = SafetensorsCheckpoint.open(folder(name).resolve("reference.tensors"))) {
            Tensor t = ref.tensor(tensor);
            return t.toFloatArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ints(Object jsonList) {
        List<?> l = (List<?>) jsonList;
        int[] out = new int[l.size()];
        for (int i = 0; i < out.length; i++) out[i] = ((Number) l.get(i)).intValue();
        return out;
    }

    /** All logits of {@code ids} from a fresh prefill, {@code [ids.length, vocab]}. */
    static float[] allLogits(Gpt2Model model, int[] ids) {
        float[] out = new float[ids.length * model.config().vocabSize];
        try (Gpt2Decoder d = model.newDecoder()) {
            d.prefill(ids, out);
        }
        return out;
    }

    static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) throw new AssertionError("lengths " + a.length + " vs " + b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs((double) a[i] - b[i]));
        return m;
    }

    static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) m = Math.max(m, Math.abs(v));
        return m;
    }
}
