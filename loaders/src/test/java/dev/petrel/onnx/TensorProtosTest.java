package dev.petrel.onnx;

import static dev.petrel.onnx.Onnx.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.petrel.DType;
import dev.petrel.ModelFormatException;
import dev.petrel.Tensor;
import dev.petrel.UnsupportedFeatureException;
import dev.petrel.spi.Float16;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TensorProtosTest {
    @TempDir
    Path dir;

    private NamedTensor roundTrip(String name, Tensor t) throws IOException {
        Path f = dir.resolve(name + ".pb");
        TensorProtos.write(f, name, t);
        NamedTensor back = TensorProtos.read(f);
        assertThat(back.name()).isEqualTo(name);
        assertThat(back.tensor().dtype()).isEqualTo(t.dtype());
        assertThat(back.tensor().dims()).containsExactly(t.dims());
        assertThat(back.tensor().toByteArray()).containsExactly(t.toByteArray());
        return back;
    }

    @Test
    void roundTripsEveryStorableType() throws IOException {
        roundTrip("f", Tensor.of(new float[] {1.5f, -2f, Float.NaN, 0f, 3f, 4f}, 2, 3));
        roundTrip("d", Tensor.of(new double[] {Math.PI, -0.0}, 2));
        roundTrip("l", Tensor.of(new long[] {Long.MIN_VALUE, 7}, 2, 1));
        roundTrip("i", Tensor.of(new int[] {-1, 2, 3}, 3));
        roundTrip("b", Tensor.of(new boolean[] {true, false}, 2));
        roundTrip("u8", Tensor.of(DType.UINT8, new byte[] {(byte) 255, 0}, 2));
        roundTrip("scalar", Tensor.scalar(42f));
        roundTrip("empty", Tensor.allocate(DType.FLOAT, 3, 0));
        Tensor h = Tensor.allocate(DType.FLOAT16, 2);
        h.shorts().put(0, Float16.fromFloat(0.5f));
        h.shorts().put(1, Float16.fromFloat(-3f));
        assertThat(Float16.toFloat(roundTrip("h", h).tensor().shorts().get(1))).isEqualTo(-3f);
    }

    @Test
    void readDataIsAViewOfTheMappedFile() throws IOException {
        NamedTensor t = roundTrip("f", Tensor.of(new float[] {1, 2, 3}, 3));
        assertThat(t.tensor().bytes().isDirect()).isTrue();
        assertThat(t.tensor().bytes().isReadOnly()).isTrue();
        assertThat(t.tensor().toFloatArray()).containsExactly(1f, 2f, 3f);
    }

    @Test
    void writesTheStandardFieldLayout() throws IOException {
        Path f = dir.resolve("x.pb");
        TensorProtos.write(f, "x", Tensor.of(new float[] {1, 2}, 1, 2));
        byte[] expected = Onnx.tensor("x", FLOAT, 1, 2).bytes(9, ProtoWriter.littleEndianFloats(1, 2)).toByteArray();
        assertThat(Files.readAllBytes(f)).containsExactly(expected);
    }

    @Test
    void readsTypedFieldsFromABuffer() {
        byte[] pb = tensor("v", INT64, 3).packedVarints(7, -1, 0, 1L << 50).toByteArray();
        NamedTensor t = TensorProtos.read(ByteBuffer.wrap(pb));
        assertThat(t.name()).isEqualTo("v");
        assertThat(t.tensor().toLongArray()).containsExactly(-1L, 0L, 1L << 50);
        byte[] u16 = tensor("u", UINT16, 2).varint(5, 65535).varint(5, 2).toByteArray();
        assertThat(TensorProtos.read(ByteBuffer.wrap(u16)).tensor().shorts().get(0)).isEqualTo((short) -1);
    }

    @Test
    void boolInt32DataIsNormalizedToZeroOrOne() {
        byte[] pb = tensor("b", BOOL, 3).packedVarints(5, 2, 0, 1).toByteArray();
        assertThat(TensorProtos.read(ByteBuffer.wrap(pb)).tensor().toByteArray()).containsExactly(1, 0, 1);
    }

    @Test
    void sequenceAndOptionalFilesAreUnsupportedNotMalformed() {
        // SequenceProto{name "x", elem_type TENSOR, tensor_values [TensorProto]} as the backend tests store it.
        byte[] seq = new ProtoWriter().string(1, "x").varint(2, 1)
                .message(3, Onnx.floatTensor("", new float[] {1, 2}, 2))
                .message(3, Onnx.floatTensor("", new float[] {3}, 1)).toByteArray();
        assertThatThrownBy(() -> TensorProtos.read(ByteBuffer.wrap(seq))).isInstanceOf(UnsupportedFeatureException.class)
                .hasMessageContaining("'x' holds a sequence, optional or map value");
        byte[] emptyOptional = new ProtoWriter().string(1, "optional_input").varint(2, 0).toByteArray();
        assertThatThrownBy(() -> TensorProtos.read(ByteBuffer.wrap(emptyOptional))).isInstanceOf(UnsupportedFeatureException.class);
    }

    @Test
    void truncatedTensorFilesAreFormatErrors() throws IOException {
        Path f = dir.resolve("t.pb");
        TensorProtos.write(f, "t", Tensor.of(new float[] {1, 2, 3, 4}, 2, 2));
        byte[] full = Files.readAllBytes(f);
        for (int len = 0; len < full.length; len++) {
            byte[] cut = Arrays.copyOf(full, len);
            assertThatThrownBy(() -> TensorProtos.read(ByteBuffer.wrap(cut))).as("prefix %d", len).isInstanceOf(ModelFormatException.class);
        }
    }

    @net.jqwik.api.Property(tries = 1000)
    void randomByteFlipsReadOrFailCleanly(@net.jqwik.api.ForAll long seed) {
        byte[] pb = tensor("t", INT64, 2, 2).packedVarints(7, 1, -1, 300, 1L << 40).message(13, new ProtoWriter().string(1, "k"))
                .toByteArray();
        java.util.Random random = new java.util.Random(seed);
        for (int i = 1 + random.nextInt(4); i > 0; i--) pb[random.nextInt(pb.length)] = (byte) random.nextInt(256);
        try {
            TensorProtos.read(ByteBuffer.wrap(pb));
        } catch (dev.petrel.PetrelException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }

    @Test
    void externalDataNeedsAFileLocation() {
        byte[] pb = tensor("e", FLOAT, 1).message(13, new ProtoWriter().string(1, "location").string(2, "w.bin")).varint(14, 1).toByteArray();
        assertThatThrownBy(() -> TensorProtos.read(ByteBuffer.wrap(pb))).isInstanceOf(UnsupportedFeatureException.class)
                .hasMessageContaining("external data");
    }
}
