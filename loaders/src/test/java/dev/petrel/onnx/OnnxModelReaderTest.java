package dev.petrel.onnx;

import static dev.petrel.onnx.Onnx.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.petrel.DType;
import dev.petrel.ModelFormatException;
import dev.petrel.Tensor;
import dev.petrel.UnsupportedFeatureException;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.graph.ValueInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxModelReaderTest {
    @TempDir
    Path dir;

    /** A model that uses every feature the reader supports. */
    static byte[] richModel() {
        ProtoWriter thenBranch = new ProtoWriter().string(2, "then")
                .message(1, node("then_id", "Identity", names("s"), names("then_out")))
                .message(12, valueInfo("then_out", FLOAT, 3));
        ProtoWriter elseBranch = new ProtoWriter().string(2, "else")
                .message(1, node("else_id", "Identity", names("w"), names("else_out")))
                .message(12, valueInfo("else_out", FLOAT, 3));
        ProtoWriter tinyGraph = new ProtoWriter().string(2, "tiny").message(12, valueInfo("x", FLOAT));
        ProtoWriter custom = node("custom", "Custom", names("s", ""), names("t"),
                attribute("f", 1).float32(2, 1.5f),
                attribute("i", 2).varint(3, -7),
                attribute("s", 3).string(4, "hello"),
                attribute("t", 4).message(5, floatTensor("", new float[] {9, 8}, 2)),
                graphAttribute("g", tinyGraph),
                attribute("floats", 6).packedFloats(7, 1f, 2f),
                attribute("floats_unpacked", 6).float32(7, 3f).float32(7, 4f),
                attribute("ints", 7).packedVarints(8, 1, -2),
                attribute("ints_unpacked", 7).varint(8, 5).varint(8, -6),
                attribute("empty_ints", 7),
                attribute("strings", 8).string(9, "a").string(9, "b"),
                attribute("tensors", 9).message(10, floatTensor("", new float[] {1}, 1)).message(10, tensor("", INT64, 2).packedVarints(7, 4, 5)),
                attribute("graphs", 10).message(11, tinyGraph),
                new ProtoWriter().string(1, "untyped").varint(3, 42))
                .string(7, "com.test");
        ProtoWriter graph = new ProtoWriter()
                .message(1, node("add", "Add", names("x", "w"), names("s")))
                .message(1, node("c0", "Constant", names(), names("c"), attribute("value", 4).message(5, floatTensor("", new float[] {7, 8}, 2))))
                .message(1, node("c1", "Constant", names(), names("cf"), attribute("value_float", 1).float32(2, 2.5f)))
                .message(1, node("c2", "Constant", names(), names("cfs"), attribute("value_floats", 6).packedFloats(7, 1f, 2f, 3f)))
                .message(1, node("c3", "Constant", names(), names("ci"), attribute("value_int", 2).varint(3, 11)))
                .message(1, node("c4", "Constant", names(), names("cis"), attribute("value_ints", 7).packedVarints(8, 3, 4)))
                .message(1, custom)
                .message(1, node(null, "If", names("flag"), names("y"), graphAttribute("then_branch", thenBranch), graphAttribute("else_branch", elseBranch)))
                .string(2, "main")
                .message(5, floatTensor("w", new float[] {1, 2, 3}, 3))
                .message(5, tensor("b", FLOAT, 3).packedFloats(4, 0.5f, 0.25f, 0.125f))
                .message(5, tensor("i8", INT8, 2).packedVarints(5, -1, 127))
                .message(5, tensor("u8", UINT8, 2).varint(5, 255).varint(5, 1))
                .message(5, tensor("h", FLOAT16, 1).varint(5, 0x3C00))
                .message(5, tensor("flag", BOOL).varint(5, 1))
                .message(5, tensor("i32", INT32, 2).packedVarints(5, -3, 1 << 30))
                .message(5, tensor("l", INT64, 2).packedVarints(7, -5, 1L << 40))
                .message(5, tensor("d", DOUBLE, 2).packedDoubles(10, 0.1, -2.5))
                .message(5, tensor("d1", DOUBLE, 1).double64(10, 3.25))
                .message(5, tensor("u32", UINT32, 1).varint(11, 0xFFFFFFFFL))
                .message(5, tensor("u64", UINT64, 1).varint(11, -1L))
                .message(5, tensor("e", FLOAT, 0, 4))
                .string(10, "documentation is skipped")
                .message(11, valueInfo("x", FLOAT, "N", 3))
                .message(11, valueInfo("b", FLOAT, 3))
                .message(12, valueInfo("y", FLOAT, 3))
                .message(12, valueInfo("t", FLOAT))
                .message(13, valueInfo("s", FLOAT, "N", 3));
        return model(graph, opset("", 17), opset("com.test", 2));
    }

    private Path write(byte[] model) throws IOException {
        Path f = dir.resolve("model.onnx");
        Files.write(f, model);
        return f;
    }

    private Graph load(byte[] model) throws IOException {
        return new OnnxModelReader().load(write(model));
    }

    @Test
    void readsGraphStructure() throws IOException {
        Graph g = load(richModel());
        assertThat(g.name()).isEqualTo("main");
        assertThat(g.opsets()).containsExactly(Map.entry("", 17), Map.entry("com.test", 2));
        assertThat(g.inputs()).extracting(ValueInfo::describe).containsExactly("x: FLOAT[N, 3]", "b: FLOAT[3]");
        assertThat(g.outputs()).extracting(ValueInfo::describe).containsExactly("y: FLOAT[3]", "t: FLOAT[]");
        assertThat(g.nodes()).extracting(Node::name).containsExactly("add", "custom", "If_7");
        Node add = g.nodes().get(0);
        assertThat(add.opType()).isEqualTo("Add");
        assertThat(add.domain()).isEmpty();
        assertThat(add.opsetVersion()).isEqualTo(17);
        assertThat(add.inputs()).containsExactly("x", "w");
        assertThat(add.outputs()).containsExactly("s");
        Node custom = g.nodes().get(1);
        assertThat(custom.domain()).isEqualTo("com.test");
        assertThat(custom.opsetVersion()).isEqualTo(2);
        assertThat(custom.inputs()).containsExactly("s", "");
    }

    @Test
    void graphInputWithInitializerStaysAnOverridableInput() throws IOException {
        Graph g = load(richModel());
        assertThat(g.inputs()).extracting(ValueInfo::name).contains("b");
        assertThat(g.initializers().get("b").toFloatArray()).containsExactly(0.5f, 0.25f, 0.125f);
    }

    @Test
    void decodesEveryTypedDataField() throws IOException {
        Map<String, Tensor> init = load(richModel()).initializers();
        assertThat(init.get("w").toFloatArray()).containsExactly(1f, 2f, 3f);
        assertThat(init.get("i8").toByteArray()).containsExactly(-1, 127);
        assertThat(init.get("u8").toByteArray()).containsExactly(-1, 1);
        assertThat(init.get("h").shorts().get(0)).isEqualTo((short) 0x3C00);
        assertThat(init.get("flag").dtype()).isEqualTo(DType.BOOL);
        assertThat(init.get("flag").rank()).isZero();
        assertThat(init.get("flag").toByteArray()).containsExactly(1);
        assertThat(init.get("i32").toIntArray()).containsExactly(-3, 1 << 30);
        assertThat(init.get("l").toLongArray()).containsExactly(-5L, 1L << 40);
        assertThat(init.get("d").toDoubleArray()).containsExactly(0.1, -2.5);
        assertThat(init.get("d1").toDoubleArray()).containsExactly(3.25);
        assertThat(init.get("u32").toIntArray()).containsExactly(-1);
        assertThat(init.get("u64").toLongArray()).containsExactly(-1L);
        assertThat(init.get("e").dims()).containsExactly(0, 4);
        assertThat(init.get("e").size()).isZero();
    }

    @Test
    void constantNodesBecomeInitializers() throws IOException {
        Graph g = load(richModel());
        Map<String, Tensor> init = g.initializers();
        assertThat(init.get("c").toFloatArray()).containsExactly(7f, 8f);
        assertThat(init.get("cf").rank()).isZero();
        assertThat(init.get("cf").toFloatArray()).containsExactly(2.5f);
        assertThat(init.get("cfs").dims()).containsExactly(3);
        assertThat(init.get("cfs").toFloatArray()).containsExactly(1f, 2f, 3f);
        assertThat(init.get("ci").dtype()).isEqualTo(DType.INT64);
        assertThat(init.get("ci").rank()).isZero();
        assertThat(init.get("ci").toLongArray()).containsExactly(11L);
        assertThat(init.get("cis").toLongArray()).containsExactly(3L, 4L);
        assertThat(g.nodes()).noneMatch(n -> n.opType().equals("Constant"));
        // The constant's raw data is a view of the mapped file like any weight.
        assertThat(init.get("c").bytes().isDirect()).isTrue();
        assertThat(init.get("c").bytes().isReadOnly()).isTrue();
    }

    @Test
    void rawDataIsAViewOfTheMappedFile() throws IOException {
        Tensor w = load(richModel()).initializers().get("w");
        assertThat(w.bytes().isDirect()).isTrue();
        assertThat(w.bytes().isReadOnly()).isTrue();
        assertThat(w.bytes().capacity()).isEqualTo(12);
    }

    @Test
    void readsAttributesOfEveryKind() throws IOException {
        Attributes a = load(richModel()).nodes().get(1).attributes();
        assertThat(a.getFloat("f", 0)).isEqualTo(1.5f);
        assertThat(a.getInt("i", 0)).isEqualTo(-7);
        assertThat(a.getString("s", null)).isEqualTo("hello");
        assertThat(a.getTensor("t").toFloatArray()).containsExactly(9f, 8f);
        assertThat(a.getGraph("g").name()).isEqualTo("tiny");
        assertThat(a.getGraph("g").outerReferences()).containsExactly("x");
        assertThat(a.getFloats("floats")).containsExactly(1f, 2f);
        assertThat(a.getFloats("floats_unpacked")).containsExactly(3f, 4f);
        assertThat(a.getInts("ints")).containsExactly(1L, -2L);
        assertThat(a.getInts("ints_unpacked")).containsExactly(5L, -6L);
        assertThat(a.getInts("empty_ints")).isEmpty();
        assertThat(a.getStrings("strings")).containsExactly("a", "b");
        @SuppressWarnings("unchecked")
        List<Tensor> tensors = (List<Tensor>) a.get("tensors").value();
        assertThat(tensors).hasSize(2);
        assertThat(tensors.get(1).toLongArray()).containsExactly(4L, 5L);
        assertThat(a.get("graphs").kind()).isEqualTo(Attribute.Kind.GRAPHS);
        assertThat((List<?>) a.get("graphs").value()).hasSize(1);
        assertThat(a.getInt("untyped", 0)).isEqualTo(42);
    }

    @Test
    void subgraphsSeeTheOuterScopeAndShareTheOpsets() throws IOException {
        Node ifNode = load(richModel()).nodes().get(2);
        Graph then = ifNode.attributes().getGraph("then_branch");
        assertThat(then.name()).isEqualTo("then");
        assertThat(then.outerReferences()).containsExactly("s");
        assertThat(then.nodes().get(0).opsetVersion()).isEqualTo(17);
        assertThat(then.opsets()).containsEntry("com.test", 2);
        assertThat(ifNode.attributes().getGraph("else_branch").outerReferences()).containsExactly("w");
    }

    @Test
    void acceptsOnnxFilesByNameOrFirstByte() throws IOException {
        OnnxModelReader r = new OnnxModelReader();
        assertThat(r.format()).isEqualTo("onnx");
        assertThat(r.accepts(write(richModel()))).isTrue();
        Path noExt = dir.resolve("model.bin");
        Files.write(noExt, richModel());
        assertThat(r.accepts(noExt)).isTrue();
        Path other = dir.resolve("weights.gguf");
        Files.write(other, new byte[] {'G', 'G', 'U', 'F'});
        assertThat(r.accepts(other)).isFalse();
    }

    @Test
    void loadsThroughModelLoaderServiceRegistration() {
        assertThat(java.util.ServiceLoader.load(dev.petrel.spi.ModelLoader.class))
                .anyMatch(l -> l instanceof OnnxModelReader);
    }

    @Test
    void readsInMemoryModels() {
        Graph g = OnnxModelReader.read(ByteBuffer.wrap(richModel()));
        assertThat(g.initializers().get("w").toFloatArray()).containsExactly(1f, 2f, 3f);
    }

    @Test
    void modelWithoutOpsetImportDefaultsToOpset1BeforeIrVersion3() {
        ProtoWriter graph = new ProtoWriter().message(1, node("r", "Relu", names("x"), names("y")))
                .message(11, valueInfo("x", FLOAT)).message(12, valueInfo("y", FLOAT));
        byte[] old = new ProtoWriter().varint(1, 2).message(7, graph).toByteArray();
        assertThat(OnnxModelReader.read(ByteBuffer.wrap(old)).nodes().get(0).opsetVersion()).isEqualTo(1);
        byte[] modern = new ProtoWriter().varint(1, 8).message(7, graph).toByteArray();
        assertThatThrownBy(() -> OnnxModelReader.read(ByteBuffer.wrap(modern)))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("no opset_import");
    }

    @Test
    void aiOnnxDomainIsTheDefaultDomain() {
        ProtoWriter relu = node("r", "Relu", names("x"), names("y")).string(7, "ai.onnx");
        ProtoWriter graph = new ProtoWriter().message(1, relu).message(11, valueInfo("x", FLOAT)).message(12, valueInfo("y", FLOAT));
        Graph g = OnnxModelReader.read(ByteBuffer.wrap(model(graph, opset("ai.onnx", 13))));
        assertThat(g.nodes().get(0).domain()).isEmpty();
        assertThat(g.nodes().get(0).opsetVersion()).isEqualTo(13);
    }

    @Test
    void mapsExternalDataWithoutCopying() throws IOException {
        java.nio.ByteBuffer data = java.nio.ByteBuffer.allocate(40).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 10; i++) data.putFloat(i * 1.5f);
        Files.createDirectories(dir.resolve("weights"));
        Files.write(dir.resolve("weights/w.bin"), data.array());
        ProtoWriter w = tensor("w", FLOAT, 2, 2)
                .message(13, new ProtoWriter().string(1, "location").string(2, "weights/w.bin"))
                .message(13, new ProtoWriter().string(1, "offset").string(2, "8"))
                .message(13, new ProtoWriter().string(1, "length").string(2, "16"))
                .varint(14, 1);
        Graph g = load(model(identityGraph(w)));
        Tensor t = g.initializers().get("w");
        assertThat(t.toFloatArray()).containsExactly(3f, 4.5f, 6f, 7.5f);
        assertThat(t.bytes().isDirect()).isTrue();
        assertThat(t.bytes().isReadOnly()).isTrue();
    }

    static ProtoWriter floatTensorW() {
        return floatTensor("w", new float[] {1, 2}, 2);
    }

    /** A graph whose output is the initializer {@code w}. */
    static ProtoWriter identityGraph(ProtoWriter w) {
        return new ProtoWriter().message(1, node("id", "Identity", names("w"), names("y")))
                .message(5, w).message(12, valueInfo("y", FLOAT));
    }

    @Test
    void readsUnpackedDims() {
        ProtoWriter w = tensor("w", FLOAT, 2, 1).packedFloats(4, 1, 2);
        Tensor t = OnnxModelReader.read(ByteBuffer.wrap(model(identityGraph(w)))).initializers().get("w");
        assertThat(t.dims()).containsExactly(2, 1);
        ProtoWriter packed = new ProtoWriter().packedVarints(1, 1, 2).varint(2, FLOAT).string(8, "w").packedFloats(4, 1, 2);
        Tensor p = OnnxModelReader.read(ByteBuffer.wrap(model(identityGraph(packed)))).initializers().get("w");
        assertThat(p.dims()).containsExactly(1, 2);
        assertThat(p.toFloatArray()[1]).isCloseTo(2f, within(0f));
    }

    @Test
    void sequenceAndOptionalInputsAreUnsupported() {
        ProtoWriter seqType = new ProtoWriter().message(4, new ProtoWriter().message(1, new ProtoWriter()));
        ProtoWriter graph = new ProtoWriter().message(1, node("id", "Identity", names("x"), names("y")))
                .message(11, new ProtoWriter().string(1, "x").message(2, seqType)).message(12, valueInfo("y", FLOAT));
        assertThatThrownBy(() -> OnnxModelReader.read(ByteBuffer.wrap(model(graph))))
                .isInstanceOf(UnsupportedFeatureException.class)
                .hasMessage("unsupported value type: sequence for input 'x'");
        ProtoWriter optType = new ProtoWriter().message(9, new ProtoWriter());
        ProtoWriter graph2 = new ProtoWriter().message(1, node("id", "Identity", names("x"), names("y")))
                .message(11, valueInfo("x", FLOAT)).message(12, new ProtoWriter().string(1, "y").message(2, optType));
        assertThatThrownBy(() -> OnnxModelReader.read(ByteBuffer.wrap(model(graph2))))
                .isInstanceOf(UnsupportedFeatureException.class)
                .hasMessage("unsupported value type: optional for output 'y'");
    }

    @Test
    void stringTensorsAreUnsupported() {
        ProtoWriter s = tensor("names", STRING, 1).string(6, "abc");
        assertThatThrownBy(() -> OnnxModelReader.read(ByteBuffer.wrap(model(identityGraph(s).message(11, valueInfo("q", FLOAT))))))
                .isInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("'names'").hasMessageContaining("STRING");
    }
}
