package dev.petrel.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Assembles safetensors files byte by byte, independently of {@link SafetensorsWriter}. */
final class StFiles {
    private StFiles() {}

    /** The 8-byte little-endian length, the header as given (no padding), then {@code data}. */
    static byte[] assemble(String header, byte[] data) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + json.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(json.length).put(json).put(data).array();
    }

    static byte[] assemble(String header, int dataBytes) {
        return assemble(header, new byte[dataBytes]);
    }

    static Path write(Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes);
        return file;
    }
}
