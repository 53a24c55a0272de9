package dev.petrel.quantize;

import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.DType;
import dev.petrel.Model;
import dev.petrel.Session;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Dim;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.graph.ValueInfo;
import dev.petrel.onnx.OnnxModelWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each format on a small graph with a MatMul, a Gemm transB=1 with a 1-D bias, a Gemm transB=0 with a
 * [1, N] bias, and a weight shared by two MatMuls: the written file runs in Petrel and ONNX Runtime
 * with the same result, close to the fp32 graph's.
 */
class WeightQuantizerTest {
    static final int M = 3, K = 96, N = 80;
    @TempDir
    Path tmp;

    static Tensor random(Random r, int... dims) {
        int n = 1;
        for (int d : dims) n *= d;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return Tensor.of(v, java.util.Arrays.stream(dims).asLongStream().toArray());
    }

    /** y1 = x·W1, y2 = Gemm(x, W2ᵀ, b2), y3 = Gemm(x, W3, c3), y4 = x·W1 again (shared), y5 = Gemm(x, W4 small). */
    static Graph graph() {
        Random r = new Random(42);
        Node mm = new Node("mm", "MatMul", "", 17, List.of("x", "W1"), List.of("y1"), Attributes.empty());
        Node g1 = new Node("g1", "Gemm", "", 17, List.of("x", "W2", "b2"), List.of("y2"),
                new Attributes(List.of(Attribute.ofInt("transB", 1))));
        Node g2 = new Node("g2", "Gemm", "", 17, List.of("x", "W3", "c3"), List.of("y3"), Attributes.empty());
        Node mm2 = new Node("mm2", "MatMul", "", 17, List.of("x", "W1"), List.of("y4"), Attributes.empty());
        Node g3 = new Node("g3", "Gemm", "", 17, List.of("x", "W4"), List.of("y5"), Attributes.empty());
        Graph.Builder b = new Graph.Builder().name("quant_test").opset("", 17)
                .input(new ValueInfo("x", DType.FLOAT, new Dim[] {Dim.symbol("M"), Dim.of(K)}))
                .initializer("W1", random(r, K, N)).initializer("W2", random(r, N, K)).initializer("b2", random(r, N))
                .initializer("W3", random(r, K, N)).initializer("c3", random(r, 1, N)).initializer("W4", random(r, K, 8))
                .node(mm).node(g1).node(g2).node(mm2).node(g3);
        for (String y : List.of("y1", "y2", "y3", "y4", "y5")) b.output(new ValueInfo(y, DType.FLOAT, null));
        return b.build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"int8", "int8/channel", "q4", "q4/sym", "q8", "q8/sym", "nf4", "fp4"})
    void formatRunsInBothEnginesCloseToFp32(String label) throws Exception {
        QuantFormat.Kind kind = QuantFormat.Kind.parse(label.split("/")[0]);
        QuantFormat f = kind == QuantFormat.Kind.INT8 ? QuantFormat.int8(label.endsWith("channel"))
                : kind.isNBits() ? new QuantFormat(kind, 32, false, label.endsWith("sym"))
                : new QuantFormat(kind, 64, false, true);
        Graph g = graph();
        WeightQuantizer.Result res = new WeightQuantizer().minSize(1000).quantize(g, f);
        Map<String, WeightQuantizer.WeightReport> reports = res.weights().stream()
                .collect(Collectors.toMap(WeightQuantizer.WeightReport::name, w -> w));
        assertThat(reports.keySet()).containsExactlyInAnyOrder("W1", "W2", "W3", "W4");
        assertThat(reports.get("W4").quantized()).isFalse();
        assertThat(reports.get("W4").keptBecause()).contains("fewer than 1000");
        assertThat(reports.get("W1").quantized()).isTrue();
        List<String> ops = res.graph().nodes().stream().map(Node::opType).toList();
        if (kind == QuantFormat.Kind.INT8) {
            assertThat(ops).filteredOn("DequantizeLinear"::equals).hasSize(3);
            assertThat(res.quantizedBitsPerWeight()).isBetween(8.0, 8.5);
        } else {
            String op = kind.isNBits() ? "MatMulNBits" : "MatMulBnb4";
            assertThat(ops).filteredOn(op::equals).hasSize(4);
            // MatMulNBits takes a 1-D bias as input; the [1, N] one (and every Bnb4 bias) is an Add.
            assertThat(ops).filteredOn("Add"::equals).hasSize(kind.isNBits() ? 1 : 2);
            double bits = kind.bits() + 32.0 / 32 * (kind.isNBits() ? 1 : 0.5) + (kind.isNBits() && !f.symmetric() ? kind.bits() / 32.0 : 0);
            // (Q4 packs a row's 3 zero points into 2 bytes: 16/96 bits instead of 12/96.)
            assertThat(res.quantizedBitsPerWeight()).isCloseTo(bits, org.assertj.core.data.Offset.offset(0.05));
            // W1 is shared by two MatMuls: one set of initializers.
            assertThat(res.graph().initializers().keySet().stream().filter(n -> n.startsWith("W1_")).count())
                    .isEqualTo(kind.isNBits() && !f.symmetric() ? 3 : 2);
        }
        Path file = tmp.resolve("q.onnx");
        new OnnxModelWriter().write(res.graph(), file);

        Tensor x = random(new Random(7), M, K);
        Map<String, Tensor> fp32;
        Map<String, Tensor> petrel;
        try (Session s = Model.of(g).newSession()) {
            fp32 = s.run(Map.of("x", x));
        }
        try (Session s = Model.load(file).newSession()) {
            petrel = s.run(Map.of("x", x));
        }
        Map<String, float[]> ort;
        try (OrtRunner o = new OrtRunner(file)) {
            ort = o.run(Map.of("x", x));
        }
        // Relative RMS error of a product of N(0,1) weights quantized with these formats.
        double bound = kind == QuantFormat.Kind.INT8 || kind == QuantFormat.Kind.Q8 ? 0.015 : kind == QuantFormat.Kind.FP4 ? 0.2 : 0.13;
        for (String y : List.of("y1", "y2", "y3", "y4", "y5")) {
            float[] ref = fp32.get(y).toFloatArray();
            float[] p = petrel.get(y).toFloatArray();
            float[] o = ort.get(y);
            double err = 0, norm = 0, engines = 0;
            for (int i = 0; i < ref.length; i++) {
                err += (p[i] - ref[i]) * (double) (p[i] - ref[i]);
                norm += ref[i] * (double) ref[i];
                engines = Math.max(engines, Math.abs(p[i] - o[i]));
            }
            double rel = Math.sqrt(err / norm);
            System.out.printf("%s %s: relative RMS error vs fp32 %.4f, max |petrel - onnxruntime| %.2g%n", label, y, rel, engines);
            assertThat(engines).as(y).isLessThan(1e-4);
            if (y.equals("y5")) assertThat(rel).isZero();
            else assertThat(rel).as(y).isLessThan(bound).isGreaterThan(0);
        }
    }

    @Test
    void sharedWithAnotherReaderOrPlannedFp32StaysFp32() {
        Random r = new Random(1);
        Graph g = new Graph.Builder().opset("", 17)
                .input(new ValueInfo("x", DType.FLOAT, null)).input(new ValueInfo("ids", DType.INT64, null))
                .initializer("E", random(r, 64, 64)).initializer("W", random(r, 64, 64))
                .node(new Node("mm", "MatMul", "", 17, List.of("x", "E"), List.of("y"), Attributes.empty()))
                .node(new Node("gather", "Gather", "", 17, List.of("E", "ids"), List.of("e"), Attributes.empty()))
                .node(new Node("mm2", "MatMul", "", 17, List.of("x", "W"), List.of("z"), Attributes.empty()))
                .output(new ValueInfo("y", null, null)).output(new ValueInfo("e", null, null)).output(new ValueInfo("z", null, null))
                .build();
        WeightQuantizer q = new WeightQuantizer();
        assertThat(q.candidates(g)).extracting(WeightQuantizer.Candidate::name).containsExactly("E", "W");
        assertThat(q.candidates(g).get(0).notQuantizableBecause()).contains("Gather 'gather'");
        WeightQuantizer.Result res = q.quantize(g, name -> null);
        assertThat(res.weights()).allMatch(w -> !w.quantized());
        assertThat(res.weights().get(1).keptBecause()).contains("plan");
        res = q.quantize(g, QuantFormat.fromBits(Map.of("W", 8, "E", 4), null));
        assertThat(res.countsByFormat()).containsEntry("fp32", 1).containsEntry("int8/channel", 1);
        assertThat(res.graph().initializers()).containsKey("E").doesNotContainKey("W");
    }

    /** GPT-2's tied lm_head: logits = x · Transpose(wte), wte also read by the embedding Gather. */
    @ParameterizedTest
    @ValueSource(strings = {"int8", "q4", "nf4", "int8+embeddings", "q4+embeddings"})
    void tiedEmbeddingGetsAQuantizedCopyForTheLmHead(String label) throws Exception {
        boolean embeddings = label.endsWith("+embeddings");
        label = label.replace("+embeddings", "");
        Random r = new Random(3);
        Graph g = new Graph.Builder().opset("", 17)
                .input(new ValueInfo("ids", DType.INT64, new Dim[] {Dim.symbol("S")}))
                .initializer("wte", random(r, 200, 64))
                .node(new Node("gather", "Gather", "", 17, List.of("wte", "ids"), List.of("h"), Attributes.empty()))
                .node(new Node("t", "Transpose", "", 17, List.of("wte"), List.of("wteT"), Attributes.empty()))
                .node(new Node("lm_head", "MatMul", "", 17, List.of("h", "wteT"), List.of("logits"), Attributes.empty()))
                .output(new ValueInfo("logits", DType.FLOAT, null)).build();
        QuantFormat f = QuantFormat.of(QuantFormat.Kind.parse(label));
        WeightQuantizer.Result res = new WeightQuantizer().embeddings(embeddings).quantize(g, f);
        assertThat(res.weights()).hasSize(1);
        WeightQuantizer.WeightReport w = res.weights().get(0);
        assertThat(w.quantized()).isTrue();
        if (embeddings) {
            assertThat(w.note()).contains("embedding table");
            assertThat(res.graph().initializers()).doesNotContainKey("wte");
            assertThat(res.graph().initializers().get("wte_rows_quantized").dtype()).isEqualTo(DType.INT8);
        } else {
            assertThat(w.note()).contains("Gather 'gather'");
            assertThat(res.graph().initializers()).containsKey("wte");
        }
        assertThat(res.graph().nodes()).extracting(Node::opType).doesNotContain("Transpose");
        Path file = tmp.resolve("tied.onnx");
        new OnnxModelWriter().write(res.graph(), file);
        Tensor ids = Tensor.of(new long[] {5, 17, 199, 0}, 4);
        float[] ref, petrel;
        try (Session s = Model.of(g).newSession()) {
            ref = s.run(Map.of("ids", ids)).get("logits").toFloatArray();
        }
        try (Session s = Model.load(file).newSession()) {
            petrel = s.run(Map.of("ids", ids)).get("logits").toFloatArray();
        }
        float[] ort;
        try (OrtRunner o = new OrtRunner(file)) {
            ort = o.run(Map.of("ids", ids)).get("logits");
        }
        double err = 0, norm = 0, engines = 0;
        for (int i = 0; i < ref.length; i++) {
            err += (petrel[i] - ref[i]) * (double) (petrel[i] - ref[i]);
            norm += ref[i] * (double) ref[i];
            engines = Math.max(engines, Math.abs(petrel[i] - ort[i]));
        }
        System.out.printf("tied %s: relative RMS error %.4f, max |petrel - onnxruntime| %.2g%n", label, Math.sqrt(err / norm), engines);
        assertThat(engines).isLessThan(1e-4);
        assertThat(Math.sqrt(err / norm)).isLessThan(label.equals("int8") ? 0.02 : 0.13);
    }

    @Test
    void embeddingOnlyTableIsInt8PerRow() throws Exception {
        Random r = new Random(4);
        Graph g = new Graph.Builder().opset("", 13)
                .input(new ValueInfo("ids", DType.INT64, new Dim[] {Dim.of(2), Dim.of(3)}))
                .initializer("table", random(r, 100, 48))
                .node(new Node("gather", "Gather", "", 13, List.of("table", "ids"), List.of("e"), Attributes.empty()))
                .output(new ValueInfo("e", DType.FLOAT, null)).build();
        WeightQuantizer.Result res = new WeightQuantizer().embeddings(true).quantize(g, QuantFormat.of(QuantFormat.Kind.Q4));
        assertThat(res.countsByFormat()).containsExactly(Map.entry("int8/row", 1));
        assertThat(new WeightQuantizer().quantize(g, QuantFormat.of(QuantFormat.Kind.Q4)).weights()).isEmpty();
        Path file = tmp.resolve("emb.onnx");
        new OnnxModelWriter().write(res.graph(), file);
        Tensor ids = Tensor.of(new long[] {0, 99, -1, 42, 7, 7}, 2, 3);
        float[] ref = g.initializers().get("table").toFloatArray();
        float[] petrel;
        try (Session s = Model.load(file).newSession()) {
            Tensor e = s.run(Map.of("ids", ids)).get("e");
            assertThat(e.dims()).containsExactly(2, 3, 48);
            petrel = e.toFloatArray();
        }
        float[] ort;
        try (OrtRunner o = new OrtRunner(file)) {
            ort = o.run(Map.of("ids", ids)).get("e");
        }
        long[] rows = {0, 99, 99, 42, 7, 7};
        for (int i = 0; i < 6; i++) {
            float amax = 0;
            for (int c = 0; c < 48; c++) amax = Math.max(amax, Math.abs(ref[(int) rows[i] * 48 + c]));
            for (int c = 0; c < 48; c++) {
                float x = ref[(int) rows[i] * 48 + c];
                assertThat(petrel[i * 48 + c]).isCloseTo(x, org.assertj.core.data.Offset.offset(amax / 127f / 2 * 1.001f));
                assertThat(ort[i * 48 + c]).isEqualTo(petrel[i * 48 + c]);
            }
        }
    }
}
