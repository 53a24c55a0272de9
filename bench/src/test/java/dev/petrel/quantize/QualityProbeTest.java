package dev.petrel.quantize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.petrel.Model;
import dev.petrel.Tensor;
import dev.petrel.cli.EmbeddedModels;
import dev.petrel.graph.Graph;
import dev.petrel.optimize.GraphOptimizer;
import dev.petrel.tokenizer.ByteLevelBpeTokenizer;
import dev.petrel.tokenizer.WordPieceTokenizer;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The probes against models degraded by {@link SimulatedQuantization} (no dependency on the real quantizer). */
class QualityProbeTest {
    static Model model(Graph g) {
        return Model.of(GraphOptimizer.optimize(g, Model.registry()));
    }

    /** Every block weight at {@code bits}. */
    static Graph degraded(Graph g, List<LayerScore> layers, int bits) {
        Map<String, Integer> plan = new HashMap<>();
        for (LayerScore l : layers) if (l.scored()) for (LayerScore.Weight w : l.weights()) plan.put(w.name(), bits);
        return SimulatedQuantization.apply(g, layers, plan);
    }

    @Test
    void roundTripsPerChannelInt8() {
        // MatMul B [K=2, N=2]: column 0 {1, -0.3} has scale 1/127, column 1 {0.5, 0.25} scale 0.5/127.
        Tensor w = Tensor.of(new float[] {1f, 0.5f, -0.3f, 0.25f}, 2, 2);
        float[] q = SimulatedQuantization.roundTrip(w, 2, 8).toFloatArray();
        assertThat(q[0]).isEqualTo(1f);
        assertThat(q[1]).isCloseTo(0.5f, within(1e-7f));
        assertThat(q[2]).isCloseTo(-38f / 127, within(1e-7f));
        // 0.25 / (0.5/127) = 63.5 rounds to even: 64.
        assertThat(q[3]).isCloseTo(64 * 0.5f / 127, within(1e-7f));
    }

    @Test
    void roundTripsBlockwiseFourBitWithZeroPoint() {
        // Range [-0.5, 1]: scale 0.1, zero point 5; 0.33 → code 8 → 0.3.
        float[] v = {0f, 1f, 0.33f, -0.5f};
        float[] expected = {0f, 1f, 0.3f, -0.5f};
        assertThat(SimulatedQuantization.roundTrip(Tensor.of(v, 4, 1), 4, 4).toFloatArray()).containsExactly(expected, within(1e-6f));
        // The same weight stored [N, K] (K along the row).
        assertThat(SimulatedQuantization.roundTrip(Tensor.of(v, 1, 4), 4, 4).toFloatArray()).containsExactly(expected, within(1e-6f));
        // Blocks of 32 have their own scales: small values in the first block keep their precision.
        float[] two = new float[64];
        for (int i = 0; i < 64; i++) two[i] = i < 32 ? 0.001f * (i % 7) : 10f * (i % 5);
        float[] q = SimulatedQuantization.roundTrip(Tensor.of(two, 64, 1), 64, 4).toFloatArray();
        for (int i = 0; i < 32; i++) assertThat(q[i]).isCloseTo(two[i], within(0.0002f));
    }

    @Test
    void causalLmProbeSeesDegradation() throws IOException {
        Graph g = Model.readGraph(LayerImportanceTest.GPT2.resolve("onnx/gpt2-tiny-nopast-opset17.onnx"));
        List<LayerScore> layers = LayerImportance.detect(g).groups();
        ByteLevelBpeTokenizer tok = ByteLevelBpeTokenizer.fromFolder(LayerImportanceTest.GPT2.resolve("gpt2-tiny"));
        List<long[]> seqs = Calibration.tokenSequences(tok, Calibration.STORIES, 64);
        Model ref = model(g);

        QualityProbe.LmQuality same = QualityProbe.causalLm("fp32", ref, model(g), seqs);
        int tokens = 0;
        for (long[] s : seqs) tokens += s.length;
        assertThat(same.positions()).isEqualTo(tokens);
        assertThat(same.top1Agreement()).isEqualTo(1.0);
        assertThat(same.meanKl()).isLessThan(1e-9);

        QualityProbe.LmQuality q8 = QualityProbe.causalLm("int8", ref, model(degraded(g, layers, 8)), seqs);
        QualityProbe.LmQuality q4 = QualityProbe.causalLm("q4", ref, model(degraded(g, layers, 4)), seqs);
        QualityProbe.LmQuality q2 = QualityProbe.causalLm("q2", ref, model(degraded(g, layers, 2)), seqs);
        assertThat(q8.meanKl()).isGreaterThan(0).isLessThan(q4.meanKl());
        assertThat(q4.meanKl()).isLessThan(q2.meanKl());
        assertThat(q8.top1Agreement()).isGreaterThan(0.95);
        assertThat(q2.top1Agreement()).isLessThan(q8.top1Agreement());
        assertThat(q8.maxKl()).isGreaterThanOrEqualTo(q8.meanKl());
        assertThat(q4.row()).startsWith("q4").contains(String.valueOf(tokens));
    }

    @Test
    void embeddingProbeSeesDegradation() {
        Graph g = Model.readGraph(EmbeddedModels.file(EmbeddedModels.MINILM));
        List<LayerScore> layers = LayerImportance.detect(g).groups();
        WordPieceTokenizer tok = WordPieceTokenizer.fromClasspath(EmbeddedModels.MINILM_TOKENIZER);
        List<String> sentences = Calibration.SENTENCES.subList(16, 24);
        Model ref = model(g);

        QualityProbe.EmbeddingQuality same = QualityProbe.embeddings("fp32", ref, ref, tok, sentences);
        assertThat(same.sentences()).isEqualTo(8);
        assertThat(same.meanCosine()).isCloseTo(1.0, within(1e-6));
        QualityProbe.EmbeddingQuality q8 = QualityProbe.embeddings("int8", ref, model(degraded(g, layers, 8)), tok, sentences);
        QualityProbe.EmbeddingQuality q3 = QualityProbe.embeddings("q3", ref, model(degraded(g, layers, 3)), tok, sentences);
        assertThat(q8.worstCosine()).isGreaterThan(0.98).isLessThan(1.0);
        assertThat(q8.meanCosine()).isGreaterThanOrEqualTo(q8.worstCosine());
        assertThat(q3.meanCosine()).isLessThan(q8.meanCosine());
        assertThat(q3.worstIndex()).isBetween(0, 7);
    }
}
