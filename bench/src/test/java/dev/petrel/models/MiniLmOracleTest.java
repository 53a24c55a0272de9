package dev.petrel.models;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.petrel.Model;
import dev.petrel.Session;
import dev.petrel.Tensor;
import dev.petrel.cli.EmbeddedModels;
import dev.petrel.cli.SentenceEmbedder;
import dev.petrel.tokenizer.Encoding;
import dev.petrel.tokenizer.WordPieceTokenizer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * all-MiniLM-L6-v2, fp32 and int8, run by Petrel and by ONNX Runtime Java (the oracle) on the same
 * tokenized batches of real sentences, padded, with attention masks: every output must agree.
 *
 * <p>The int8 model quantizes every activation tensor dynamically (one scale for the whole batch), so
 * a float difference of one or two ulps upstream can move a value across a rounding boundary. Measured
 * on the 7-sentence batch padded to 128 tokens: 2 of 344,064 quantized values in layer 0 differ by one
 * step (from a 2.6e-6 difference in the attention context, whose softmax and sums ONNX Runtime computes
 * in another order), then 3, 44, 161, 850 in the next quantized tensors, ending 0.33 apart on
 * last_hidden_state and 0.025 on the pooled embeddings. Two implementations of the spec can differ that
 * much on such inputs; ONNX Runtime's own optimization levels differ by 1.15 on padded positions. So the
 * 1e-3 element-wise check runs on padded batches of three sentences where no rounding flips (measured:
 * under 1.5e-6 apart); the large batch padded to 128 is a known, measured divergence, not a check.
 *
 * <p>The int8 model is compared with ONNX Runtime at its BASIC optimization level, which runs each
 * operator as the ONNX spec defines it; at EXTENDED and above it fuses DynamicQuantizeLinear +
 * MatMulInteger into its own int8 GEMM and, on padded positions, differs from its own BASIC result.
 */
class MiniLmOracleTest {
    static final List<String> SENTENCES = List.of(
            "The quick brown fox jumps over the lazy dog.",
            "A café in Zürich serves naïve crème brûlée!",
            "Stock markets fell sharply on Monday as investors worried about interest rates.",
            "Hi",
            "Petrel runs transformer models in pure Java, on desktops and phones alike.",
            "Ångström-scale features were resolved by the new microscope in 2023.",
            "What's the weather like tomorrow?");

    static OrtEnvironment env;
    static WordPieceTokenizer tokenizer;

    @BeforeAll
    static void setUp() throws Exception {
        env = OrtEnvironment.getEnvironment();
        tokenizer = WordPieceTokenizer.fromClasspath(EmbeddedModels.MINILM_TOKENIZER);
    }

    @ParameterizedTest(name = "{0}: sentences {1}..{2}, padding {3}, ONNX Runtime at {5}")
    @CsvSource({
            "/all-minilm-l6-v2.onnx,   0, 7, FIXED,   1e-4, ALL_OPT",
            "/all-minilm-l6-v2.onnx,   2, 4, FIXED,   1e-4, ALL_OPT",
            "/all-minilm-l6-v2.onnx,   3, 4, FIXED,   1e-4, ALL_OPT",
            "/all-minilm-l6-v2.onnx,   0, 7, LONGEST, 1e-4, ALL_OPT",
            "/all-minilm-l6-v2-q.onnx, 0, 3, LONGEST, 1e-3, BASIC_OPT",
            "/all-minilm-l6-v2-q.onnx, 2, 5, LONGEST, 1e-3, BASIC_OPT",
            "/all-minilm-l6-v2-q.onnx, 4, 7, LONGEST, 1e-3, BASIC_OPT"})
    void matchesOnnxRuntime(String resource, int from, int to, String padding, double tolerance,
                            OrtSession.SessionOptions.OptLevel level) throws Exception {
        Map<String, Tensor> inputs = inputs(from, to, padding);
        Map<String, Tensor> petrel = runPetrel(resource, inputs);
        Map<String, float[]> ort = runOnnxRuntime(resource, inputs, level);
        assertThat(petrel.keySet()).containsExactlyInAnyOrderElementsOf(ort.keySet());
        for (Map.Entry<String, float[]> e : ort.entrySet()) {
            float[] actual = petrel.get(e.getKey()).toFloatArray();
            double worst = maxAbsDiff(actual, e.getValue());
            System.out.printf("%s %s %s: max |petrel - onnxruntime %s| = %.3g%n",
                    resource, e.getKey(), petrel.get(e.getKey()).describe(), level, worst);
            assertThat(worst).as("max abs difference of %s", e.getKey()).isLessThanOrEqualTo(tolerance);
        }
    }

    private static Map<String, Tensor> inputs(int from, int to, String padding) {
        WordPieceTokenizer t = padding.equals("FIXED") ? tokenizer
                : tokenizer.withPadding(new WordPieceTokenizer.Padding(0, 0, 0, 0, "[PAD]", WordPieceTokenizer.Direction.RIGHT));
        List<Encoding> batch = t.encodeBatch(SENTENCES.subList(from, to));
        int b = batch.size(), s = batch.get(0).ids().length;
        if (b > 1) assertThat(s).as("sequence length differs from batch size").isNotEqualTo(b);
        return SentenceEmbedder.inputs(batch);
    }

    private static Map<String, Tensor> runPetrel(String resource, Map<String, Tensor> inputs) {
        Model model = Model.load(EmbeddedModels.file(resource));
        try (Session session = model.newSession()) {
            Map<String, Tensor> out = session.run(inputs);
            // A second run reuses the plan; it must give the same answer.
            Map<String, Tensor> again = session.run(inputs);
            for (String name : out.keySet()) {
                assertThat(again.get(name).toFloatArray()).containsExactly(out.get(name).toFloatArray());
            }
            return out;
        }
    }

    private static Map<String, float[]> runOnnxRuntime(String resource, Map<String, Tensor> inputs,
                                                       OrtSession.SessionOptions.OptLevel level) throws Exception {
        Map<String, float[]> out = new HashMap<>();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            options.setOptimizationLevel(level);
            try (OrtSession ort = env.createSession(EmbeddedModels.file(resource).toString(), options)) {
                Map<String, OnnxTensor> feeds = new HashMap<>();
                for (String name : ort.getInputNames()) {
                    Tensor t = inputs.get(name);
                    feeds.put(name, OnnxTensor.createTensor(env, LongBuffer.wrap(t.toLongArray()), t.shape()));
                }
                try (OrtSession.Result result = ort.run(feeds)) {
                    for (Map.Entry<String, OnnxValue> e : result) {
                        FloatBuffer fb = ((OnnxTensor) e.getValue()).getFloatBuffer();
                        float[] v = new float[fb.remaining()];
                        fb.get(v);
                        out.put(e.getKey(), v);
                    }
                } finally {
                    for (OnnxTensor t : feeds.values()) t.close();
                }
            }
        }
        return out;
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double worst = 0;
        for (int i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
        return worst;
    }
}
