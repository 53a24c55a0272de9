package dev.petrel.quantize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.petrel.Model;
import dev.petrel.cli.EmbeddedModels;
import dev.petrel.graph.Graph;
import dev.petrel.ops.PortableBackend;
import dev.petrel.optimize.GraphOptimizer;
import dev.petrel.spi.KernelRegistry;
import dev.petrel.tokenizer.WordPieceTokenizer;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** LIM plan → {@link WeightQuantizer} → quality probe, on all-MiniLM-L6-v2. */
class MixedPrecisionQuantizerTest {
    @Test
    void miniLmMixedPlanAtSixBits() {
        Graph g = Model.readGraph(EmbeddedModels.file(EmbeddedModels.MINILM));
        WordPieceTokenizer tok = WordPieceTokenizer.fromClasspath(EmbeddedModels.MINILM_TOKENIZER);
        WeightQuantizer quantizer = new WeightQuantizer();
        Set<String> quantizable = new HashSet<>();
        for (WeightQuantizer.Candidate c : quantizer.candidates(g)) if (c.notQuantizableBecause() == null) quantizable.add(c.name());

        List<LayerScore> scores = PrecisionPlanner.restrictTo(
                LayerImportance.score(g, Calibration.sentences(tok, Calibration.SENTENCES.subList(0, 8), g)), quantizable::contains);
        PrecisionPlanner.Plan plan = PrecisionPlanner.planLayers(scores, 6.0, 8, 4);
        System.out.print(LayerImportance.table(scores) + plan.table());
        // The last block (LIM 0.40 on all 32 sentences) stays at 8 bits; at 6.0 four of the six blocks go to 4 bits.
        assertThat(plan.bits().get(5)).isEqualTo(8);
        assertThat(plan.count(4)).isEqualTo(4);
        assertThat(plan.averageBits()).isLessThanOrEqualTo(6.0);

        Map<String, Integer> bits = plan.weightBits();
        WeightQuantizer.Result q = quantizer.quantize(g, QuantFormat.fromBits(bits, null));
        for (WeightQuantizer.WeightReport w : q.weights()) {
            Integer b = bits.get(w.name());
            if (b != null) assertThat(w.format().kind().bits()).as(w.name()).isEqualTo(b);
        }
        // The planner's size estimate is the quantizer's within scale/zero-point bookkeeping.
        assertThat(q.allBitsPerWeight()).isCloseTo(plan.effectiveBits(), within(0.05));

        List<String> probe = Calibration.SENTENCES.subList(16, 32);
        Model ref = QualityProbeTest.model(g);
        QualityProbe.EmbeddingQuality real = QualityProbe.embeddings("mixed 6.0", ref, QualityProbeTest.model(q.graph()), tok, probe);
        QualityProbe.EmbeddingQuality simulated = QualityProbe.embeddings("simulated 6.0", ref,
                QualityProbeTest.model(SimulatedQuantization.apply(g, scores, bits)), tok, probe);
        System.out.println(QualityProbe.EmbeddingQuality.header() + "\n" + real.row() + "\n" + simulated.row());
        assertThat(real.meanCosine()).isGreaterThan(0.98);
        assertThat(real.worstCosine()).isGreaterThan(0.9);
        // SimulatedQuantization computes what the written formats compute.
        assertThat(real.meanCosine()).isCloseTo(simulated.meanCosine(), within(1e-4));
    }

    static Model portable(Graph g) {
        KernelRegistry kernels = new KernelRegistry();
        kernels.addBackend(new PortableBackend());
        return Model.of(GraphOptimizer.optimize(g, kernels), kernels);
    }

    /**
     * The q4 MiniLM through the default kernels against the portable ones: the probe caught the Vector API
     * MatMulNBits going wrong from 4 rows of A up (mean cosine 0.05 instead of 0.95 on main at 41472b3).
     */
    @Test
    void vectorAndPortableKernelsAgreeOnQ4MiniLm() {
        Graph g = Model.readGraph(EmbeddedModels.file(EmbeddedModels.MINILM));
        WordPieceTokenizer tok = WordPieceTokenizer.fromClasspath(EmbeddedModels.MINILM_TOKENIZER);
        Graph q = new WeightQuantizer().quantize(g, QuantFormat.ofBits(4)).graph();
        QualityProbe.EmbeddingQuality agreement = QualityProbe.embeddings("q4 vector vs portable", portable(q),
                QualityProbeTest.model(q), tok, Calibration.SENTENCES.subList(16, 24));
        assertThat(agreement.worstCosine()).isGreaterThan(0.9999);
    }
}
