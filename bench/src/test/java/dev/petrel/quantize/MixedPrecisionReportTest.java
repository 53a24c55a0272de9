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
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The numbers of the mixed-precision study: LIM per block, plans for several targets and the quality of
 * each plan, with the weights quantized in fp32 ({@link SimulatedQuantization}: int8 per channel, q4
 * block 32 with zero points). The "inverse" rows lower the most important blocks first, as a control.
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

    private void study(List<LayerScore> scores, Graph g, BiFunction<String, Map<String, Integer>, String> probe) {
        print(LayerImportance.table(scores));
        print(probe.apply("uniform int8", PrecisionPlanner.plan(scores, 8, 8, 4)) + "   "
                + PrecisionPlanner.planLayers(scores, 8, 8, 4).summary());
        for (double t : TARGETS) {
            PrecisionPlanner.Plan p = PrecisionPlanner.planLayers(scores, t, 8, 4);
            print(p.table().stripTrailing());
            print(probe.apply("LIM " + t, p.weightBits()));
            PrecisionPlanner.Plan inv = PrecisionPlanner.planLayers(inverse(scores), t, 8, 4);
            print(probe.apply("inverse " + t, inv.weightBits()) + "   " + inv.summary());
        }
        print(probe.apply("uniform q4", PrecisionPlanner.plan(scores, 4, 8, 4)) + "   "
                + PrecisionPlanner.planLayers(scores, 4, 8, 4).summary());
    }

    @Test
    void miniLm() throws IOException {
        Graph g = Model.readGraph(EmbeddedModels.file(EmbeddedModels.MINILM));
        WordPieceTokenizer tok = WordPieceTokenizer.fromClasspath(EmbeddedModels.MINILM_TOKENIZER);
        List<LayerScore> scores = LayerImportance.score(g, Calibration.sentences(tok, Calibration.SENTENCES, g));
        Model ref = QualityProbeTest.model(g);
        print("== all-MiniLM-L6-v2: LIM over " + Calibration.SENTENCES.size() + " sentences; embedding cosine vs fp32");
        print(QualityProbe.EmbeddingQuality.header());
        study(scores, g, (label, plan) -> QualityProbe.embeddings(label, ref,
                QualityProbeTest.model(SimulatedQuantization.apply(g, scores, plan)), tok, Calibration.SENTENCES).row());
        write("minilm");
    }

    @Test
    void tinyGpt2() throws IOException {
        Graph g = Model.readGraph(LayerImportanceTest.GPT2.resolve("onnx/gpt2-tiny-nopast-opset17.onnx"));
        ByteLevelBpeTokenizer tok = ByteLevelBpeTokenizer.fromFolder(LayerImportanceTest.GPT2.resolve("gpt2-tiny"));
        List<long[]> seqs = Calibration.tokenSequences(tok, Calibration.STORIES, 64);
        // The tied embedding is also read by a Gather: the quantizer keeps it fp32, so it is not planned.
        List<LayerScore> scores = PrecisionPlanner.restrictTo(LayerImportance.score(g, Calibration.causalLmInputs(g, seqs)),
                n -> !n.equals("transformer.wte.weight"));
        Model ref = QualityProbeTest.model(g);
        print("== tiny GPT-2 (opset 17, no past): LIM over " + seqs.size() + " stories; next-token top-1 / KL vs fp32");
        print(QualityProbe.LmQuality.header());
        study(scores, g, (label, plan) -> QualityProbe.causalLm(label, ref,
                QualityProbeTest.model(SimulatedQuantization.apply(g, scores, plan)), seqs).row());
        write("gpt2-tiny");
    }

    private void write(String name) throws IOException {
        Path out = Path.of("target", "mixedprec-report-" + name + ".txt");
        Files.writeString(out, report);
        assertThat(out).exists();
    }
}
