package dev.petrel.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.DType;
import dev.petrel.PetrelException;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Dim;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.graph.ValueInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Read, write, read again: the second graph equals the first, for every model Petrel can read. */
class OnnxModelWriterTest {
    @TempDir
    Path tmp;

    @Test
    void conformanceModelsRoundTrip() throws IOException {
        Path data = Paths.get(System.getProperty("petrel.onnx.testdata", "/usr/share/libonnx-testdata/data"), "node");
        Assumptions.assumeTrue(Files.isDirectory(data), "ONNX backend test data not installed at " + data);
        OnnxModelReader reader = new OnnxModelReader();
        int written = 0;
        try (Stream<Path> dirs = Files.list(data)) {
            for (Path dir : (Iterable<Path>) dirs.sorted()::iterator) {
                Path model = dir.resolve("model.onnx");
                if (!Files.isRegularFile(model)) continue;
                Graph g;
                try {
                    g = reader.load(model);
                } catch (PetrelException e) {
                    continue;
                }
                Path out = tmp.resolve("m.onnx");
                new OnnxModelWriter().write(g, out);
                assertSameGraph(reader.load(out), g, dir.getFileName().toString());
                written++;
            }
        }
        System.out.println("conformance models written and read back: " + written);
        assertThat(written).isGreaterThan(500);
    }

    @Test
    void gpt2ExportsRoundTrip() throws IOException {
        Path dir = Paths.get("..", "engine", "llm", "src", "test", "resources", "gpt2", "onnx");
        for (String name : List.of("gpt2-tiny-nopast-opset14.onnx", "gpt2-tiny-nopast-opset17.onnx",
                "gpt2-tiny-past-opset17.onnx", "gpt2-tiny-merged-opset17.onnx")) {
            Graph g = new OnnxModelReader().load(dir.resolve(name));
            Path out = tmp.resolve(name);
            new OnnxModelWriter().write(g, out);
            assertSameGraph(new OnnxModelReader().load(out), g, name);
            ByteArrayOutputStream mem = new ByteArrayOutputStream();
            new OnnxModelWriter().write(g, mem);
            assertThat((long) mem.size()).isEqualTo(Files.size(out)).isEqualTo(new OnnxModelWriter().size(g));
        }
    }

    @Test
    void everyAttributeKindAndSymbolicDims() throws IOException {
        Graph body = new Graph.Builder().name("body")
                .input(new ValueInfo("bx", DType.FLOAT, new Dim[] {Dim.symbol("n")}))
                .output(new ValueInfo("by", DType.FLOAT, null))
                .node(new Node("neg", "Neg", "", 13, List.of("bx"), List.of("by"), Attributes.empty()))
                .opset("", 13).opset("com.example", 2).build();
        Tensor half = Tensor.wrap(DType.FLOAT16, ByteBuffer.wrap(new byte[] {0, 60, 0, -68}), 2);
        Attributes attrs = new Attributes(List.of(
                Attribute.ofFloat("f", -1.5f), Attribute.ofInt("i", -3), Attribute.ofString("s", "héllo"),
                Attribute.ofTensor("t", half), Attribute.ofGraph("g", body),
                Attribute.ofFloats("fs", new float[] {1f, 2.5f}), Attribute.ofInts("is", new long[] {-1, 1L << 40}),
                Attribute.ofStrings("ss", List.of("a", "")), Attribute.ofTensors("ts", List.of(half, Tensor.of(new long[] {7}, 1))),
                Attribute.ofGraphs("gs", List.of(body, body))));
        Graph g = new Graph.Builder().name("top")
                .input(new ValueInfo("x", DType.FLOAT, new Dim[] {Dim.symbol("batch"), Dim.of(3), Dim.unknown()}))
                .input(new ValueInfo("opt", null, null))
                .output(new ValueInfo("y", DType.FLOAT, new Dim[] {Dim.symbol("batch"), Dim.of(3), Dim.unknown()}))
                .initializer("w", Tensor.of(new boolean[] {true, false}, 2))
                .initializer("d", Tensor.of(new double[] {Math.PI}))
                .node(new Node("custom", "Custom", "com.example", 2, List.of("x", "", "w"), List.of("y", ""), attrs))
                .opset("", 13).opset("com.example", 2).build();
        Path out = tmp.resolve("kinds.onnx");
        new OnnxModelWriter().write(g, out);
        Graph back = new OnnxModelReader().load(out);
        assertSameGraph(back, g, "kinds");
        assertThat(back.inputs().get(0).describe()).isEqualTo("x: FLOAT[batch, 3, ?]");
        assertThat(back.nodes().get(0).attributes().getString("s", null)).isEqualTo("héllo");
    }

    // ------------------------------------------------------------------ structural equality

    static void assertSameGraph(Graph actual, Graph expected, String where) {
        assertThat(actual.name()).as(where).isEqualTo(expected.name().isEmpty() ? "graph" : expected.name());
        assertThat(actual.opsets()).as(where).isEqualTo(expected.opsets());
        assertThat(describe(actual.inputs())).as(where + " inputs").isEqualTo(describe(expected.inputs()));
        assertThat(describe(actual.outputs())).as(where + " outputs").isEqualTo(describe(expected.outputs()));
        assertThat(actual.initializers().keySet()).as(where).containsExactlyElementsOf(expected.initializers().keySet());
        for (Map.Entry<String, Tensor> e : expected.initializers().entrySet()) {
            assertSameTensor(actual.initializers().get(e.getKey()), e.getValue(), where + " initializer " + e.getKey());
        }
        assertThat(actual.nodes()).as(where).hasSameSizeAs(expected.nodes());
        for (int i = 0; i < expected.nodes().size(); i++) {
            Node a = actual.nodes().get(i);
            Node x = expected.nodes().get(i);
            String at = where + " node " + x;
            assertThat(a.name()).as(at).isEqualTo(x.name());
            assertThat(a.opType()).as(at).isEqualTo(x.opType());
            assertThat(a.domain()).as(at).isEqualTo(x.domain());
            assertThat(a.opsetVersion()).as(at).isEqualTo(x.opsetVersion());
            assertThat(a.inputs()).as(at).isEqualTo(x.inputs());
            assertThat(a.outputs()).as(at).isEqualTo(x.outputs());
            assertThat(a.attributes().all()).as(at).hasSameSizeAs(x.attributes().all());
            for (Attribute ex : x.attributes().all()) {
                Attribute ac = a.attributes().get(ex.name());
                assertThat(ac).as(at + " attribute " + ex.name()).isNotNull();
                assertThat(ac.kind()).as(at).isEqualTo(ex.kind());
                assertSameValue(ac.value(), ex.value(), at + " attribute " + ex.name());
            }
        }
    }

    private static void assertSameValue(Object a, Object x, String where) {
        if (x instanceof Tensor) {
            assertSameTensor((Tensor) a, (Tensor) x, where);
        } else if (x instanceof Graph) {
            assertSameGraph((Graph) a, (Graph) x, where);
        } else if (x instanceof List) {
            List<?> la = (List<?>) a;
            List<?> lx = (List<?>) x;
            assertThat(la).as(where).hasSameSizeAs(lx);
            for (int i = 0; i < lx.size(); i++) assertSameValue(la.get(i), lx.get(i), where + "[" + i + "]");
        } else if (x instanceof Float) {
            assertThat(Float.floatToRawIntBits((Float) a)).as(where).isEqualTo(Float.floatToRawIntBits((Float) x));
        } else {
            assertThat(a).as(where).isEqualTo(x);
        }
    }

    static void assertSameTensor(Tensor a, Tensor x, String where) {
        assertThat(a.dtype()).as(where).isEqualTo(x.dtype());
        assertThat(a.dims()).as(where).isEqualTo(x.dims());
        assertThat(a.bytes().equals(x.bytes())).as(where + " bytes").isTrue();
    }

    private static List<String> describe(List<ValueInfo> v) {
        return v.stream().map(ValueInfo::describe).toList();
    }
}
