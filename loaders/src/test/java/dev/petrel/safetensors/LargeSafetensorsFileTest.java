package dev.petrel.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.petrel.UnsupportedFeatureException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file over 2 GiB, sparse on disk, read through per-tensor mappings. */
class LargeSafetensorsFileTest {
    @TempDir
    Path dir;

    @Test
    void tensorsBeyondTwoGigabytesAreMappedOneByOne() throws IOException {
        long big = 3_000_000_000L;
        String json = "{\"big\":{\"dtype\":\"U8\",\"shape\":[" + big + "],\"data_offsets\":[0," + big + "]},"
                + "\"tail\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[" + big + "," + (big + 8) + "]}}";
        byte[] header = StFiles.assemble(json, 0);
        Path file = dir.resolve("large.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.write(header);
            raf.seek(header.length + big);
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(3.5f).putFloat(-1f).array());
        }
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.info("tail").fileOffset()).isEqualTo(header.length + big);
            assertThat(f.tensor("tail").toFloatArray()).containsExactly(3.5f, -1f);
            assertThat(f.info("big").byteSize()).isEqualTo(big);
            assertThatThrownBy(() -> f.tensor("big")).isInstanceOf(UnsupportedFeatureException.class)
                    .hasMessage(file + ": tensor 'big' (U8[3000000000]) is 3000000000 bytes; one tensor must stay under"
                            + " 2 GiB (2147483647 bytes), the most one Java buffer holds");
        }
        assertThat(new String(header, 8, json.length(), StandardCharsets.UTF_8)).isEqualTo(json);
    }
}
