package dev.petrel.quantize;

import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.Model;
import dev.petrel.Session;
import dev.petrel.Tensor;
import dev.petrel.cli.EmbeddedModels;
import dev.petrel.cli.SentenceEmbedder;
import dev.petrel.graph.Graph;
import dev.petrel.onnx.OnnxModelWriter;
import dev.petrel.tokenizer.Encoding;
import dev.petrel.tokenizer.WordPieceTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * all-MiniLM-L6-v2 fp32 quantized by {@link WeightQuantizer} and written by {@link OnnxModelWriter}:
 * Petrel and ONNX Runtime run the written file on the same padded batches of real sentences and agree,
 * and the sentence embeddings stay close to the fp32 model's.
 */
class MiniLmQuantizeTest {
    static final List<String> SENTENCES = List.of(
            "The quick brown fox jumps over the lazy dog.",
            "A café in Zürich serves naïve crème brûlée!",
            "Stock markets fell sharply on Monday as investors worried about interest rates.",
            "Hi",
            "Petrel runs transformer models in pure Java, on desktops and phones alike.",
            "Ångström-scale features were resolved by the new microscope in 2023.",
            "What's the weather like tomorrow?",
            "The central bank raised its key rate by a quarter of a percentage point.",
            "She played the violin at the concert last night.",
            "Photosynthesis converts light energy into chemical energy in plants.",
            "My flight was delayed for three hours because of the storm.",
            "How do I reset my password?",
            "The museum opens at nine and closes at five on weekdays.",
            "Quantum computers exploit superposition and entanglement.",
            "He forgot his umbrella and got soaked on the way home.",
            "Add two cups of flour and stir until the batter is smooth.",
            "The team won the championship after a dramatic penalty shootout.",
            "Electric cars are becoming cheaper every year.",
            "Please send me the report by Friday afternoon.",
            "Mount Everest is the highest mountain above sea level.",
            "The cat slept in a patch of sunlight on the kitchen floor.",
            "Researchers published a new method for protein structure prediction.");

    static WordPieceTokenizer tokenizer;
    static Graph fp32;
    static float[][] reference;
    static Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        WordPieceTokenizer t = WordPieceTokenizer.fromClasspath(EmbeddedModels.MINILM_TOKENIZER);
        WordPieceTokenizer.Padding p = t.padding();
        // Padded to the batch's longest sentence, as SentenceEmbedder does.
        tokenizer = p == null ? t : t.withPadding(new WordPieceTokenizer.Padding(0, p.multipleOf(), p.padId(), p.padTypeId(), p.padToken(), p.direction()));
        fp32 = Model.readGraph(EmbeddedModels.file(EmbeddedModels.MINILM));
        try (Session s = Model.of(fp32).newSession()) {
            reference = new SentenceEmbedder(tokenizer, s).embed(SENTENCES);
        }
        dir = Files.createTempDirectory("minilm-quant");
    }

    @AfterAll
    static void tearDown() throws Exception {
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) Files.delete(f);
        }
        Files.delete(dir);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "int8, 0.96", "int8/channel, 0.995", "q4, 0.97", "q4/sym, 0.96", "q4/b128, 0.95",
            "q8, 0.995", "nf4, 0.95", "fp4, 0.90", "int8/channel+embeddings, 0.995", "q4+embeddings, 0.97", "q8+embeddings, 0.995"})
    void runsInBothEnginesAndKeepsEmbeddings(String label, double minMeanCosine) throws Exception {
        boolean embeddings = label.endsWith("+embeddings");
        String[] parts = label.replace("+embeddings", "").split("/");
        QuantFormat.Kind kind = QuantFormat.Kind.parse(parts[0]);
        int block = parts.length > 1 && parts[1].startsWith("b") ? Integer.parseInt(parts[1].substring(1)) : kind.defaultBlockSize();
        QuantFormat f = new QuantFormat(kind, block, parts[parts.length - 1].equals("channel"), parts[parts.length - 1].equals("sym"));
        long t0 = System.nanoTime();
        WeightQuantizer.Result r = new WeightQuantizer().embeddings(embeddings).quantize(fp32, f);
        Path file = dir.resolve(label.replace('/', '_') + ".onnx");
        new OnnxModelWriter().write(r.graph(), file);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        // 6 layers x (Q, K, V, attention output, FFN in, FFN out) + the pooler's dense layer.
        assertThat(r.countsByFormat()).containsEntry(f.label(), 36 + 1);
        if (embeddings) assertThat(r.countsByFormat()).containsEntry("int8/row", 2);

        Map<String, Tensor> in = SentenceEmbedder.inputs(tokenizer.encodeBatch(SENTENCES));
        Tensor hidden;
        try (Session s = Model.load(file).newSession()) {
            hidden = s.run(in).get(r.graph().outputs().get(0).name());
        }
        float[] ort;
        try (OrtRunner o = new OrtRunner(file)) {
            ort = o.run(in).get(r.graph().outputs().get(0).name());
        }
        float[] petrel = hidden.toFloatArray();
        assertThat(petrel).hasSameSizeAs(ort);
        // Compared on real tokens: at padded positions (masked out of every attention and of the mean
        // pooling) fp32 summation order alone moves the int8 models' states by up to ~1e-3.
        long[] mask = in.get("attention_mask").toLongArray();
        int width = petrel.length / mask.length;
        double engines = 0;
        for (int i = 0; i < ort.length; i++) if (mask[i / width] != 0) engines = Math.max(engines, Math.abs(petrel[i] - ort[i]));

        float[][] e = SentenceEmbedder.meanPoolNormalize(hidden, in.get("attention_mask"));
        float[][] eOrt = SentenceEmbedder.meanPoolNormalize(Tensor.of(ort, hidden.shape()), in.get("attention_mask"));
        double sum = 0, worst = 1, ortSum = 0;
        for (int i = 0; i < SENTENCES.size(); i++) {
            double c = dot(e[i], reference[i]);
            sum += c;
            worst = Math.min(worst, c);
            ortSum += dot(eOrt[i], reference[i]);
        }
        double mean = sum / SENTENCES.size();
        System.out.printf("MiniLM %-13s %6.1f MiB  %.3f bits/weight  cosine vs fp32 mean %.5f worst %.5f (ORT mean %.5f)"
                        + "  max |petrel - onnxruntime| %.2g  (quantize+write %d ms)%n",
                label, Files.size(file) / 1048576.0, r.quantizedBitsPerWeight(), mean, worst, ortSum / SENTENCES.size(), engines, ms);
        assertThat(engines).isLessThan(1e-3);
        assertThat(mean).isGreaterThanOrEqualTo(minMeanCosine);
    }

    /**
     * For comparison: the int8 model that ships with the embeddings jar (ONNX Runtime's dynamic quantizer,
     * int8 weights and dynamically quantized activations), not written by Petrel.
     */
    @org.junit.jupiter.api.Test
    void shippedDynamicInt8ForComparison() {
        float[][] e;
        try (Session s = Model.load(EmbeddedModels.file(EmbeddedModels.MINILM_Q)).newSession()) {
            e = new SentenceEmbedder(tokenizer, s).embed(SENTENCES);
        }
        double sum = 0, worst = 1;
        for (int i = 0; i < SENTENCES.size(); i++) {
            double c = dot(e[i], reference[i]);
            sum += c;
            worst = Math.min(worst, c);
        }
        System.out.printf("MiniLM shipped ORT dynamic int8: cosine vs fp32 mean %.5f worst %.5f%n", sum / SENTENCES.size(), worst);
        assertThat(sum / SENTENCES.size()).isGreaterThan(0.9);
    }

    /**
     * QDQ int8 weights run as 8-bit MatMulNBits after the optimizer (WeightDequantFusion, vector kernels)
     * and as DequantizeLinear + MatMul without it: the same products up to fp32 summation order (on real
     * tokens: padded positions, masked out of attention and pooling, move by up to ~1e-3).
     */
    @org.junit.jupiter.api.Test
    void qdqWeightsFusedMatchDequantizeThenMatMul() throws Exception {
        WeightQuantizer.Result r = new WeightQuantizer().quantize(fp32, QuantFormat.int8(true));
        Path file = dir.resolve("int8-fusion.onnx");
        new OnnxModelWriter().write(r.graph(), file);
        Model fused = Model.load(file, true), plain = Model.load(file, false);
        // The 36 encoder MatMuls (those followed by GELU or a residual Add as dev.petrel::FusedMatMulNBits);
        // the pooler's Gemm keeps its DequantizeLinear.
        assertThat(fused.graph().nodes()).filteredOn(n -> n.opType().equals("MatMulNBits") || n.opType().equals("FusedMatMulNBits"))
                .hasSize(36);
        assertThat(fused.graph().nodes()).filteredOn(n -> n.opType().equals("FusedMatMulNBits")).hasSize(18);
        assertThat(fused.graph().nodes()).filteredOn(n -> n.opType().equals("DequantizeLinear")).hasSize(1);
        Map<String, Tensor> in = SentenceEmbedder.inputs(tokenizer.encodeBatch(SENTENCES));
        String out = r.graph().outputs().get(0).name();
        float[] a, b;
        try (Session s = fused.newSession(); Session t = plain.newSession()) {
            a = s.run(in).get(out).toFloatArray();
            b = t.run(in).get(out).toFloatArray();
        }
        long[] mask = in.get("attention_mask").toLongArray();
        int width = a.length / mask.length;
        double diff = 0, scale = 0, padDiff = 0;
        for (int i = 0; i < a.length; i++) {
            if (mask[i / width] == 0) {
                padDiff = Math.max(padDiff, Math.abs(a[i] - b[i]));
                continue;
            }
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
            scale = Math.max(scale, Math.abs(b[i]));
        }
        System.out.printf("MiniLM int8/channel QDQ: fused vs unfused max |diff| %.3g (max |y| %.3g), at padding %.3g%n", diff, scale, padDiff);
        assertThat(diff).isLessThan(1e-4 * scale);
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
    }
}
