package dev.petrel.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.DType;
import dev.petrel.Tensor;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file built byte by byte from the format description, so that a bug shared by the writer and the
 * reader cannot hide: the reader must read it, and the writer must produce exactly these bytes.
 */
class HandAssembledFileTest {
    @TempDir
    Path dir;

    /**
     * The header with {@code __metadata__}, padded with spaces to a multiple of 8 bytes, then the tensors
     * widest first: "b" F32[2] = {1.5, -2.0} at [0, 8), "a" I16[3] = {1, -2, 300} at [8, 14).
     */
    static byte[] handMade() {
        String json = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"a\":{\"dtype\":\"I16\",\"shape\":[3],\"data_offsets\":[8,14]}}";
        byte[] text = json.getBytes(StandardCharsets.US_ASCII);
        int padded = (text.length + 7) / 8 * 8;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // u64 little-endian header length: least significant byte first.
        out.write(padded & 0xFF);
        out.write((padded >> 8) & 0xFF);
        for (int i = 0; i < 6; i++) out.write(0);
        out.write(text, 0, text.length);
        for (int i = text.length; i < padded; i++) out.write(' ');
        // 1.5f = 0x3FC00000, -2.0f = 0xC0000000, little-endian.
        out.write(new byte[] {0x00, 0x00, (byte) 0xC0, 0x3F}, 0, 4);
        out.write(new byte[] {0x00, 0x00, 0x00, (byte) 0xC0}, 0, 4);
        // 1, -2 (0xFFFE), 300 (0x012C) as little-endian shorts.
        out.write(new byte[] {0x01, 0x00, (byte) 0xFE, (byte) 0xFF, 0x2C, 0x01}, 0, 6);
        return out.toByteArray();
    }

    @Test
    void readerReadsTheHandMadeFile() throws Exception {
        byte[] bytes = handMade();
        assertThat((bytes.length - 14 - 8) % 8).as("padded header").isZero();
        try (SafetensorsFile f = SafetensorsFile.open(StFiles.write(dir.resolve("hand.safetensors"), bytes))) {
            assertThat(f.names()).containsExactly("b", "a");
            assertThat(f.metadata()).containsExactly(Map.entry("format", "pt"));
            Tensor b = f.tensor("b");
            assertThat(b.dtype()).isEqualTo(DType.FLOAT);
            assertThat(b.toFloatArray()).containsExactly(1.5f, -2.0f);
            Tensor a = f.tensor("a");
            assertThat(a.dtype()).isEqualTo(DType.INT16);
            assertThat(a.dims()).containsExactly(3);
            assertThat(new short[] {a.shorts().get(0), a.shorts().get(1), a.shorts().get(2)}).containsExactly((short) 1, (short) -2, (short) 300);
            assertThat(f.info("a").fileOffset()).isEqualTo(bytes.length - 6);
            assertThat(f.info("a").begin()).isEqualTo(8);
            assertThat(f.info("a").end()).isEqualTo(14);
        }
    }

    @Test
    void writerProducesTheSameBytes() throws Exception {
        Tensor b = Tensor.of(new float[] {1.5f, -2.0f}, 2);
        Tensor a = Tensor.allocate(DType.INT16, 3);
        a.shorts().put(0, (short) 1).put(1, (short) -2).put(2, (short) 300);
        Map<String, Tensor> tensors = new java.util.LinkedHashMap<>();
        tensors.put("a", a);  // given first, stored second: the narrower type goes after
        tensors.put("b", b);
        Path out = dir.resolve("written.safetensors");
        SafetensorsWriter.write(out, tensors, Map.of("format", "pt"));
        assertThat(java.nio.file.Files.readAllBytes(out)).isEqualTo(handMade());
    }
}
