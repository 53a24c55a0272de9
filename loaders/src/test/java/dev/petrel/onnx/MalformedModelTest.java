package dev.petrel.onnx;

import static dev.petrel.onnx.Onnx.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.petrel.ModelFormatException;
import dev.petrel.PetrelException;
import dev.petrel.UnsupportedFeatureException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broken files must fail with a PetrelException that says what and where, quickly and without other exceptions. */
class MalformedModelTest {
    @TempDir
    Path dir;

    private static ModelFormatException formatError(byte[] model) {
        try {
            OnnxModelReader.read(ByteBuffer.wrap(model));
        } catch (ModelFormatException e) {
            return e;
        }
        return fail("expected a ModelFormatException");
    }

    /** Loads, or fails with a PetrelException; anything else (index errors, OOM, IAE) fails the test. */
    private static void loadsOrFailsCleanly(byte[] model) {
        try {
            OnnxModelReader.read(ByteBuffer.wrap(model));
        } catch (PetrelException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        } catch (Throwable t) {
            throw new AssertionError("unexpected " + t, t);
        }
    }

    @Test
    void everyTruncationIsAFormatError() {
        byte[] model = OnnxModelReaderTest.richModel();
        Assertions.assertTimeout(Duration.ofSeconds(20), () -> {
            for (int len = 0; len < model.length; len++) {
                try {
                    OnnxModelReader.read(ByteBuffer.wrap(model, 0, len));
                    fail("prefix of " + len + " of " + model.length + " bytes loaded");
                } catch (ModelFormatException expected) {
                    assertThat(expected.getMessage()).isNotBlank();
                } catch (Throwable t) {
                    throw new AssertionError("prefix of " + len + " bytes: unexpected " + t, t);
                }
            }
        });
    }

    @Test
    void everyTruncatedFileIsAFormatError() throws IOException {
        byte[] model = OnnxModelReaderTest.richModel();
        OnnxModelReader reader = new OnnxModelReader();
        Path f = dir.resolve("cut.onnx");
        for (int len = 0; len < model.length; len += 7) {
            Files.write(f, java.util.Arrays.copyOf(model, len));
            assertThatThrownBy(() -> reader.load(f)).as("prefix of %d bytes", len).isInstanceOf(ModelFormatException.class);
        }
    }

    @Property(tries = 3000)
    void randomByteFlipsLoadOrFailCleanly(@ForAll long seed, @ForAll @IntRange(min = 1, max = 6) int flips) {
        byte[] model = OnnxModelReaderTest.richModel();
        Random random = new Random(seed);
        for (int i = 0; i < flips; i++) model[random.nextInt(model.length)] = (byte) random.nextInt(256);
        loadsOrFailsCleanly(model);
    }

    @Property(tries = 500)
    void randomBytesFailCleanly(@ForAll long seed, @ForAll @IntRange(min = 1, max = 300) int length) {
        byte[] junk = new byte[length];
        new Random(seed).nextBytes(junk);
        loadsOrFailsCleanly(junk);
    }

    @Test
    void hugeDeclaredLengthNamesTensorFieldAndOffset() {
        ProtoWriter w = tensor("w", FLOAT, 3).tag(9, 2).rawVarint(1_000_000).raw(new byte[12]);
        byte[] model = model(OnnxModelReaderTest.identityGraph(w));
        assertThat(formatError(model).getMessage())
                .matches("TensorProto 'w' field 9 \\(raw_data\\): length 1000000 runs past the end of the enclosing message at byte \\d+");
    }

    @Test
    void negativeLengthIsRejected() {
        ProtoWriter w = tensor("w", FLOAT, 3).tag(9, 2).rawVarint(-1).raw(new byte[12]);
        assertThat(formatError(model(OnnxModelReaderTest.identityGraph(w))).getMessage()).contains("length 18446744073709551615 runs past");
    }

    @Test
    void varintLongerThanTenBytes() {
        ProtoWriter w = new ProtoWriter().tag(1, 0).raw(new byte[] {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1})
                .varint(2, FLOAT).string(8, "w");
        assertThat(formatError(model(OnnxModelReaderTest.identityGraph(w))).getMessage()).contains("varint longer than 10 bytes");
    }

    @Test
    void wrongWireTypeForKnownField() {
        ProtoWriter graph = new ProtoWriter().message(1, new ProtoWriter().string(1, "x").string(2, "y").varint(4, 3))
                .message(11, valueInfo("x", FLOAT)).message(12, valueInfo("y", FLOAT));
        assertThat(formatError(model(graph)).getMessage()).matches("NodeProto field 4 \\(op_type\\): wire type 0 where 2 was expected at byte \\d+");
    }

    @Test
    void groupsAndInvalidWireTypesAreRejected() {
        ProtoWriter group = new ProtoWriter().tag(40, 3).tag(40, 4);
        assertThat(formatError(model(group)).getMessage()).contains("groups");
        byte[] bad = new ProtoWriter().varint(1, 8).tag(3, 7).toByteArray();
        assertThat(formatError(bad).getMessage()).contains("invalid wire type 7");
        byte[] zero = new ProtoWriter().varint(1, 8).tag(0, 0).rawVarint(1).toByteArray();
        assertThat(formatError(zero).getMessage()).contains("field number 0");
    }

    @Test
    void unknownFieldsOfEveryWireTypeAreSkipped() {
        ProtoWriter w = OnnxModelReaderTest.floatTensorW().varint(99, 5).float32(98, 1f).double64(97, 2).string(96, "x");
        assertThat(OnnxModelReader.read(ByteBuffer.wrap(model(OnnxModelReaderTest.identityGraph(w)))).initializers()).containsKey("w");
    }

    @Test
    void negativeDims() {
        ProtoWriter w = tensor("w", FLOAT, -1).bytes(9, new byte[0]);
        assertThat(formatError(model(OnnxModelReaderTest.identityGraph(w))).getMessage())
                .isEqualTo("TensorProto 'w': dimension 0 is negative (-1)");
    }

    @Test
    void absurdDims() {
        ProtoWriter huge = tensor("w", FLOAT, 1L << 40).bytes(9, new byte[4]);
        assertThat(formatError(model(OnnxModelReaderTest.identityGraph(huge))).getMessage()).contains("'w'").contains("too large");
        ProtoWriter overflow = tensor("w", FLOAT, 1 << 20, 1 << 20, 1 << 20).bytes(9, new byte[4]);
        assertThat(formatError(model(OnnxModelReaderTest.identityGraph(overflow))).getMessage()).contains("more than 2^31-1 elements");
        ProtoWriter tooManyBytes = tensor("w", FLOAT, 1 << 30).bytes(9, new byte[4]);
        assertThat(formatError(model(OnnxModelReaderTest.identityGraph(tooManyBytes))).getMessage()).contains("more than one buffer");
    }

    @Test
    void rawDataSizeMismatch() {
        ProtoWriter w = tensor("w", FLOAT, 2, 2).bytes(9, new byte[12]);
        assertThat(formatError(model(OnnxModelReaderTest.identityGraph(w))).getMessage())
                .isEqualTo("TensorProto 'w': raw_data holds 12 bytes, but FLOAT[2, 2] needs 16");
    }

    @Test
    void typedDataCountMismatchAndWrongField() {
        ProtoWriter few = tensor("w", FLOAT, 3).packedFloats(4, 1, 2);
        assertThat(formatError(model(OnnxModelReaderTest.identityGraph(few))).getMessage()).contains("float_data holds 2 values, but the dims need 3");
        ProtoWriter wrong = tensor("w", FLOAT, 1).varint(7, 3);
        assertThat(formatError(model(OnnxModelReaderTest.identityGraph(wrong))).getMessage()).contains("int64_data cannot hold FLOAT");
        ProtoWriter none = tensor("w", FLOAT, 1);
        assertThat(formatError(model(OnnxModelReaderTest.identityGraph(none))).getMessage()).contains("has no data");
        ProtoWriter ragged = tensor("w", FLOAT, 1).bytes(4, new byte[5]);
        assertThat(formatError(model(OnnxModelReaderTest.identityGraph(ragged))).getMessage()).contains("not a multiple of 4");
    }

    @Test
    void unknownAndUnsupportedDataTypes() {
        ProtoWriter unknown = tensor("w", 99, 1).bytes(9, new byte[4]);
        assertThat(formatError(model(OnnxModelReaderTest.identityGraph(unknown))).getMessage()).contains("unknown data_type 99");
        ProtoWriter fp8 = tensor("w", 17, 1).bytes(9, new byte[1]);
        assertThatThrownBy(() -> OnnxModelReader.read(ByteBuffer.wrap(model(OnnxModelReaderTest.identityGraph(fp8)))))
                .isInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("FLOAT8E4M3FN");
        ProtoWriter missing = new ProtoWriter().varint(1, 1).string(8, "w").bytes(9, new byte[4]);
        assertThat(formatError(model(OnnxModelReaderTest.identityGraph(missing))).getMessage()).contains("has no data_type");
    }

    @Test
    void missingNodeInputAndOpType() {
        ProtoWriter reads = new ProtoWriter().message(1, node("n", "Relu", names("nope"), names("y"))).message(12, valueInfo("y", FLOAT));
        assertThat(formatError(model(reads)).getMessage()).contains("'n'").contains("'nope'");
        ProtoWriter noOp = new ProtoWriter().message(1, new ProtoWriter().string(1, "x").string(2, "y").string(3, "n"))
                .message(11, valueInfo("x", FLOAT)).message(12, valueInfo("y", FLOAT));
        assertThat(formatError(model(noOp)).getMessage()).contains("'n'").contains("no op_type");
    }

    @Test
    void cycle() {
        ProtoWriter g = new ProtoWriter()
                .message(1, node("a", "Relu", names("q"), names("p")))
                .message(1, node("b", "Relu", names("p"), names("q")))
                .message(12, valueInfo("q", FLOAT));
        assertThat(formatError(model(g)).getMessage()).contains("cycle");
    }

    @Test
    void nodeInADomainWithoutImport() {
        ProtoWriter g = new ProtoWriter().message(1, node("n", "Foo", names("x"), names("y")).string(7, "com.other"))
                .message(11, valueInfo("x", FLOAT)).message(12, valueInfo("y", FLOAT));
        assertThat(formatError(model(g)).getMessage()).contains("'n'").contains("com.other");
    }

    @Test
    void duplicateAttributeAndMalformedConstant() {
        ProtoWriter dup = new ProtoWriter().message(1, node("n", "Relu", names("x"), names("y"), intAttribute("a", 1), intAttribute("a", 2)))
                .message(11, valueInfo("x", FLOAT)).message(12, valueInfo("y", FLOAT));
        assertThat(formatError(model(dup)).getMessage()).contains("attribute 'a' twice");
        ProtoWriter twoValues = new ProtoWriter().message(1, node("c", "Constant", names(), names("y"), intAttribute("value_int", 1),
                attribute("value_float", 1).float32(2, 1))).message(12, valueInfo("y", FLOAT));
        assertThat(formatError(model(twoValues)).getMessage()).contains("Constant node 'c'");
        ProtoWriter strings = new ProtoWriter().message(1, node("c", "Constant", names(), names("y"), attribute("value_string", 3).string(4, "s")))
                .message(12, valueInfo("y", FLOAT));
        assertThatThrownBy(() -> OnnxModelReader.read(ByteBuffer.wrap(model(strings)))).isInstanceOf(UnsupportedFeatureException.class);
    }

    @Test
    void deeplyNestedSubgraphsAreRejectedWithoutStackOverflow() {
        ProtoWriter g = new ProtoWriter().message(12, valueInfo("x", FLOAT));
        for (int i = 0; i < 200; i++) {
            g = new ProtoWriter().message(1, node("n" + i, "If", names("x"), names("y"), graphAttribute("then_branch", g)))
                    .message(11, valueInfo("x", FLOAT)).message(12, valueInfo("y", FLOAT));
        }
        assertThat(formatError(model(g)).getMessage()).contains("nested more than");
    }

    @Test
    void functionAttributeReferencesAndSparseInitializersAreUnsupported() {
        ProtoWriter ref = new ProtoWriter().message(1, node("n", "Relu", names("x"), names("y"), new ProtoWriter().string(1, "a").string(21, "b")))
                .message(11, valueInfo("x", FLOAT)).message(12, valueInfo("y", FLOAT));
        assertThatThrownBy(() -> OnnxModelReader.read(ByteBuffer.wrap(model(ref)))).isInstanceOf(UnsupportedFeatureException.class)
                .hasMessageContaining("ref_attr_name");
        ProtoWriter sparse = new ProtoWriter().message(15, new ProtoWriter()).message(12, valueInfo("y", FLOAT));
        assertThatThrownBy(() -> OnnxModelReader.read(ByteBuffer.wrap(model(sparse)))).isInstanceOf(UnsupportedFeatureException.class)
                .hasMessageContaining("sparse");
    }

    // ------------------------------------------------------------------ external data

    private static ProtoWriter external(String location, String offset, String length) {
        ProtoWriter w = tensor("w", FLOAT, 2).message(13, new ProtoWriter().string(1, "location").string(2, location));
        if (offset != null) w.message(13, new ProtoWriter().string(1, "offset").string(2, offset));
        if (length != null) w.message(13, new ProtoWriter().string(1, "length").string(2, length));
        return w.varint(14, 1);
    }

    private PetrelException externalError(ProtoWriter w) throws IOException {
        Path sub = Files.createDirectories(dir.resolve("model"));
        Files.write(sub.resolve("w.bin"), new byte[16]);
        Files.write(dir.resolve("outside.bin"), new byte[16]);
        Path f = sub.resolve("model.onnx");
        Files.write(f, model(OnnxModelReaderTest.identityGraph(w)));
        try {
            new OnnxModelReader().load(f);
        } catch (PetrelException e) {
            return e;
        }
        return fail("expected a PetrelException");
    }

    @Test
    void externalDataOutsideTheFile() throws IOException {
        assertThat(externalError(external("w.bin", "12", null))).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("outside 'w.bin' (16 bytes)");
        assertThat(externalError(external("w.bin", "-4", null))).hasMessageContaining("negative");
        assertThat(externalError(external("w.bin", "x", null))).hasMessageContaining("not a number");
        assertThat(externalError(external("w.bin", "0", "12"))).hasMessageContaining("does not match the 8 bytes");
    }

    @Test
    void externalDataMayNotEscapeTheModelDirectory() throws IOException {
        assertThat(externalError(external("../outside.bin", null, null))).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("escapes the model's directory");
        assertThat(externalError(external("a/../../outside.bin", null, null))).hasMessageContaining("escapes");
        assertThat(externalError(external(dir.resolve("outside.bin").toString(), null, null))).hasMessageContaining("relative path");
        assertThat(externalError(external("missing.bin", null, null))).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("does not exist");
        assertThat(externalError(external("bad\0name", null, null))).isInstanceOf(ModelFormatException.class);
        assertThat(externalError(external(".", null, null))).isInstanceOf(ModelFormatException.class);
    }
}
