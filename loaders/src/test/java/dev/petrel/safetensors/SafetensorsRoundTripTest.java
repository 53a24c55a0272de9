package dev.petrel.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.UnsupportedFeatureException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class SafetensorsRoundTripTest {
    /** Every Petrel type with a safetensors name. */
    static final DType[] TYPES = {DType.DOUBLE, DType.FLOAT, DType.FLOAT16, DType.BFLOAT16, DType.INT64, DType.INT32,
            DType.INT16, DType.INT8, DType.UINT8, DType.BOOL, DType.UINT16, DType.UINT32, DType.UINT64};

    @TempDir
    Path dir;

    static Tensor random(DType type, Random random, int... dims) {
        Tensor t = Tensor.allocate(type, dims);
        for (int i = 0; i < t.bytes().limit(); i++) t.bytes().put(i, (byte) random.nextInt(256));
        if (type == DType.BOOL) for (int i = 0; i < t.size(); i++) t.bytes().put(i, (byte) (random.nextBoolean() ? 1 : 0));
        return t;
    }

    /** One tensor of every type, odd sizes so that narrow types leave wide ones misaligned unless sorted. */
    static Map<String, Tensor> everyType() {
        Random random = new Random(7);
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (int i = 0; i < TYPES.length; i++) m.put("t" + i + "." + TYPES[i], random(TYPES[i], random, 3, 1 + i % 3));
        return m;
    }

    /** 0 maps the file tensor by tensor, as for files over 2 GiB. */
    @ParameterizedTest
    @ValueSource(longs = {Integer.MAX_VALUE, 0})
    void everyDtypeRoundTrips(long wholeMapLimit) throws IOException {
        Map<String, Tensor> tensors = everyType();
        Path file = dir.resolve("all.safetensors");
        SafetensorsWriter.write(file, tensors, Map.of("format", "pt", "note", "quote \" and \u00e9"));
        try (SafetensorsFile f = SafetensorsFile.open(file, wholeMapLimit)) {
            assertThat(f.names()).containsExactlyInAnyOrderElementsOf(tensors.keySet());
            assertThat(f.metadata()).containsEntry("format", "pt").containsEntry("note", "quote \" and \u00e9");
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                Tensor want = e.getValue();
                Tensor got = f.tensor(e.getKey());
                assertThat(got.dtype()).as(e.getKey()).isEqualTo(want.dtype());
                assertThat(got.dims()).isEqualTo(want.dims());
                assertThat(got.toByteArray()).as(e.getKey()).isEqualTo(want.toByteArray());
                TensorInfo info = f.info(e.getKey());
                assertThat(info.dtype()).isEqualTo(want.dtype());
                assertThat(info.shape()).isEqualTo(want.shape());
                assertThat(info.byteSize()).isEqualTo(want.bytes().limit());
                assertThat(info.fileOffset() % want.dtype().byteSize()).as("%s aligned", e.getKey()).isZero();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT", "DOUBLE", "INT64", "INT32", "UINT32", "UINT64"})
    void typedValuesSurvive(DType type) throws IOException {
        Tensor t = random(type, new Random(type.ordinal()), 2, 3);
        SafetensorsWriter.write(dir.resolve("x.safetensors"), Map.of("x", t));
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("x.safetensors"))) {
            Tensor got = f.tensor("x");
            switch (type) {
                case FLOAT: assertThat(got.toFloatArray()).isEqualTo(t.toFloatArray()); break;
                case DOUBLE: assertThat(got.toDoubleArray()).isEqualTo(t.toDoubleArray()); break;
                case INT64: case UINT64: assertThat(got.toLongArray()).isEqualTo(t.toLongArray()); break;
                default: assertThat(got.toIntArray()).isEqualTo(t.toIntArray()); break;
            }
        }
    }

    @Test
    void writerPadsTheHeaderAndSortsWidestFirst() throws IOException {
        Path file = dir.resolve("p.safetensors");
        SafetensorsWriter.write(file, everyType());
        byte[] bytes = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertThat(n % 8).isZero();
        String header = new String(bytes, 8, (int) n, java.nio.charset.StandardCharsets.UTF_8);
        assertThat(header).startsWith("{\"t0.DOUBLE\":{\"dtype\":\"F64\",\"shape\":[3,1],\"data_offsets\":[0,24]}");
        assertThat(header.trim()).endsWith("}");
        assertThat(header.substring(header.trim().length())).matches(" {0,7}");
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            long previousWidth = 8;
            for (String name : f.names()) {
                long width = f.info(name).dtype().byteSize();
                assertThat(width).isLessThanOrEqualTo(previousWidth);
                previousWidth = width;
            }
        }
    }

    @Test
    void scalarsEmptyTensorsAndEmptyFiles() throws IOException {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("scalar", Tensor.scalar(4.25f));
        m.put("empty", Tensor.allocate(DType.INT64, 0, 5));
        m.put("bytes", Tensor.of(DType.UINT8, new byte[] {1, 2, 3}, 3));
        SafetensorsWriter.write(dir.resolve("s.safetensors"), m);
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("s.safetensors"))) {
            assertThat(f.tensor("scalar").rank()).isZero();
            assertThat(f.tensor("scalar").toFloatArray()).containsExactly(4.25f);
            assertThat(f.tensor("empty").dims()).containsExactly(0, 5);
            assertThat(f.info("empty").byteSize()).isZero();
            assertThat(f.tensor("bytes").toByteArray()).containsExactly(1, 2, 3);
            assertThat(f.metadata()).isEmpty();
        }
        SafetensorsWriter.write(dir.resolve("none.safetensors"), Map.of());
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("none.safetensors"))) {
            assertThat(f.names()).isEmpty();
        }
    }

    @Test
    void eightBitFloatsHaveInfoAndBytesButNoTensor() throws IOException {
        byte[] file = StFiles.assemble("{\"q\":{\"dtype\":\"F8_E4M3\",\"shape\":[2,2],\"data_offsets\":[0,4]},"
                + "\"n\":{\"dtype\":\"F4\",\"shape\":[4],\"data_offsets\":[4,6]}}", new byte[] {1, 2, 3, 4, 5, 6});
        try (SafetensorsFile f = SafetensorsFile.open(StFiles.write(dir.resolve("f8.safetensors"), file))) {
            assertThat(f.info("q").dtypeName()).isEqualTo("F8_E4M3");
            assertThat(f.info("q").dtype()).isNull();
            assertThat(f.info("n").byteSize()).isEqualTo(2);
            ByteBuffer raw = f.bytes("q");
            assertThat(new byte[] {raw.get(0), raw.get(1), raw.get(2), raw.get(3)}).containsExactly(1, 2, 3, 4);
            assertThat(raw.limit()).isEqualTo(4);
            assertThatThrownBy(() -> f.tensor("q")).isInstanceOf(UnsupportedFeatureException.class)
                    .hasMessageContaining("f8.safetensors").hasMessageContaining("tensor 'q' has dtype F8_E4M3");
        }
    }

    @Test
    void unknownNamesAndClosedFilesFailClearly() throws IOException {
        SafetensorsWriter.write(dir.resolve("u.safetensors"), Map.of("w", Tensor.scalar(1f)));
        SafetensorsFile f = SafetensorsFile.open(dir.resolve("u.safetensors"));
        assertThatThrownBy(() -> f.tensor("v")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no tensor 'v'").hasMessageContaining("it has 1: w");
        Tensor kept = f.tensor("w");
        f.close();
        f.close();
        assertThat(kept.toFloatArray()).as("valid after close").containsExactly(1f);
        assertThat(f.info("w").byteSize()).isEqualTo(4);
        assertThatThrownBy(() -> f.tensor("w")).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void writerRejectsWhatTheFormatCannotHold() {
        assertThatThrownBy(() -> SafetensorsWriter.write(dir.resolve("m.safetensors"), Map.of("__metadata__", Tensor.scalar(1f))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("__metadata__");
    }

    /**
     * Zero copy, proven by behaviour rather than by buffer flags alone: bytes changed in the file after the
     * tensor was taken show through it, which a copy could not do. (A read-only shared mapping sees
     * writes made through the page cache; this holds on Linux and Android.)
     */
    @ParameterizedTest
    @ValueSource(longs = {Integer.MAX_VALUE, 0})
    void tensorsAreViewsOfTheMapping(long wholeMapLimit) throws IOException {
        Path file = dir.resolve("z.safetensors");
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("a", Tensor.of(new float[] {1, 2, 3, 4}, 4));
        m.put("b", Tensor.of(new float[] {5, 6}, 2));
        SafetensorsWriter.write(file, m);
        try (SafetensorsFile f = SafetensorsFile.open(file, wholeMapLimit)) {
            Tensor b = f.tensor("b");
            assertThat(b.bytes().isDirect()).isTrue();
            assertThat(b.bytes().isReadOnly()).isTrue();
            assertThat(b.toFloatArray()).containsExactly(5, 6);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ByteBuffer seven = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, 7f);
                ch.write(seven, f.info("b").fileOffset() + 4);
            }
            assertThat(b.toFloatArray()).containsExactly(5, 7);
            assertThat(f.tensor("a").toFloatArray()).containsExactly(1, 2, 3, 4);
        }
    }
}
