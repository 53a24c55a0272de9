package dev.petrel.quantize;

import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.Model;
import dev.petrel.cli.EmbeddedModels;
import dev.petrel.graph.Graph;
import dev.petrel.tokenizer.ByteLevelBpeTokenizer;
import dev.petrel.tokenizer.WordPieceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The numbers of the mixed-precision study: LIM per block, plans for several targets and the quality of
 * each plan, with the weights quantized by {@link WeightQuantizer} and in
 * fp32 by {@link SimulatedQuantization} (int8 per channel, q4 block 32 with zero points). The "inverse" rows lower the most important blocks first, as a control.
 * About a minute of CPU: run with {@code -Dpetrel.report=true}; the tables go to stdout and
 * {@code target/mixedprec-report.txt}.
 */
@EnabledIfSystemProperty(named = "petrel.report", matches = "true")
class MixedPrecisionReportTest {
    static final double[] TARGETS = {7, 6, 5.5, 5};
    private final StringBuilder report = new StringBuilder();

    private void print(String s) {
        System.out.println(s);
        report.append(s).append('\n');
    }

    /** The same groups ranked the other way round (LIM negated). */
    static List<LayerScore> inverse(List<LayerScore> layers) {
        List<LayerScore> out = new ArrayList<>();
        for (LayerScore l : layers) out.add(l.scored() ? l.withScore(1 + l.lim()) : l);
        return out;
    }

    /** The weights {@link WeightQuantizer} rewrites (the others stay fp32 whatever the plan says). */
    List<LayerScore> quantizable(List<LayerScore> scores, Graph g) {
        Set<String> ok = new HashSet<>();
        for (WeightQuantizer.Candidate c : new WeightQuantizer().candidates(g)) {
            if (c.notQuantizableBecause() == null) ok.add(c.name());
            else print("kept fp32 by the quantizer: " + c.name() + " (" + c.notQuantizableBecause() + ")");
        }
        return PrecisionPlanner.restrictTo(scores, ok::contains);
    }

    /** Quality of the plan quantized by {@link WeightQuantizer} and in fp32 by {@link SimulatedQuantization}. */
    static String both(String label, Graph g, List<LayerScore> scores, Map<String, Integer> plan, BiFunction<String, Model, String> probe) {
        Graph real = new WeightQuantizer().quantize(g, QuantFormat.fromBits(plan, null)).graph();
        return probe.apply(label + " real", QualityProbeTest.model(real)) + "\n"
                + probe.apply(label + " sim", QualityProbeTest.model(SimulatedQuantization.apply(g, scores, plan)));
    }

    private void study(List<LayerScore> scores, Graph g, BiFunction<String, Model, String> modelProbe) {
        BiFunction<String, Map<String, Integer>, String> probe = (label, plan) -> both(label, g, scores, plan, modelProbe);
        print(LayerImportance.table(scores));
        print("uniform int8: " + PrecisionPlanner.planLayers(scores, 8, 8, 4).summary());
        print(probe.apply("uniform int8", PrecisionPlanner.plan(scores, 8, 8, 4)));
        for (double t : TARGETS) {
            PrecisionPlanner.Plan p = PrecisionPlanner.planLayers(scores, t, 8, 4);
            print(p.table().stripTrailing());
            print(probe.apply("LIM " + t, p.weightBits()));
            PrecisionPlanner.Plan inv = PrecisionPlanner.planLayers(inverse(scores), t, 8, 4);
            print("inverse order (most important lowered first): " + inv.bits());
            print(probe.apply("inverse " + t, inv.weightBits()));
        }
        print("uniform q4: " + PrecisionPlanner.planLayers(scores, 4, 8, 4).summary());
        print(probe.apply("uniform q4", PrecisionPlanner.plan(scores, 4, 8, 4)));
    }

    @Test
    void miniLm() throws IOException {
        Graph g = Model.readGraph(EmbeddedModels.file(EmbeddedModels.MINILM));
        WordPieceTokenizer tok = WordPieceTokenizer.fromClasspath(EmbeddedModels.MINILM_TOKENIZER);
        List<LayerScore> scores = LayerImportance.score(g, Calibration.sentences(tok, Calibration.SENTENCES, g));
        Model ref = QualityProbeTest.model(g);
        print("== all-MiniLM-L6-v2: LIM over " + Calibration.SENTENCES.size() + " sentences; embedding cosine vs fp32");
        print(QualityProbe.EmbeddingQuality.header());
        study(quantizable(scores, g), g, (label, q) -> QualityProbe.embeddings(label, ref, q, tok, Calibration.SENTENCES).row());
        write("minilm");
    }

    @Test
    void tinyGpt2() throws IOException {
        Graph g = Model.readGraph(LayerImportanceTest.GPT2.resolve("onnx/gpt2-tiny-nopast-opset17.onnx"));
        ByteLevelBpeTokenizer tok = ByteLevelBpeTokenizer.fromFolder(LayerImportanceTest.GPT2.resolve("gpt2-tiny"));
        List<long[]> seqs = Calibration.tokenSequences(tok, Calibration.STORIES, 64);
        List<LayerScore> scores = LayerImportance.score(g, Calibration.causalLmInputs(g, seqs));
        Model ref = QualityProbeTest.model(g);
        print("== tiny GPT-2 (opset 17, no past): LIM over " + seqs.size() + " stories; next-token top-1 / KL vs fp32");
        print(QualityProbe.LmQuality.header());
        study(quantizable(scores, g), g, (label, q) -> QualityProbe.causalLm(label, ref, q, seqs).row());
        write("gpt2-tiny");
    }

    private void write(String name) throws IOException {
        Path out = Path.of("target", "mixedprec-report-" + name + ".txt");
        Files.writeString(out, report);
        assertThat(out).exists();
    }
}
