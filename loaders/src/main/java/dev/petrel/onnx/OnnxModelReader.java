package dev.petrel.onnx;

import dev.petrel.ModelFormatException;
import dev.petrel.graph.Graph;
import dev.petrel.spi.ModelLoader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * Reads ONNX models ({@code .onnx}, a serialized ModelProto). The file is memory-mapped read-only and
 * weights stay views of that mapping (or of mappings of their external data files): loading a model
 * copies no weight bytes. Malformed files fail with a {@link ModelFormatException} that names the
 * message, field and byte offset; valid models using something Petrel lacks (sequence values, string
 * tensors, sparse tensors, model functions) fail with a {@link dev.petrel.UnsupportedFeatureException}.
 */
public final class OnnxModelReader implements ModelLoader {
    /** ModelProto field 1 (ir_version) as a varint: the first byte of every protobuf-serialized model. */
    private static final int IR_VERSION_TAG = 0x08;

    @Override
    public String format() {
        return "onnx";
    }

    @Override
    public boolean accepts(Path file) throws IOException {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".onnx")) return true;
        if (!Files.isRegularFile(file)) return false;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer first = ByteBuffer.allocate(1);
            return ch.read(first) == 1 && (first.get(0) & 0xFF) == IR_VERSION_TAG;
        }
    }

    @Override
    public Graph load(Path file) throws IOException {
        MappedByteBuffer mapped;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0) throw new ModelFormatException(file + " is empty");
            if (size > Integer.MAX_VALUE) {
                throw new ModelFormatException(file + " is " + size + " bytes; a ModelProto cannot exceed 2 GB"
                        + " (larger models keep their weights in external data files)");
            }
            mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
        }
        Path dir = file.toAbsolutePath().getParent();
        try (ExternalFiles external = new ExternalFiles(dir)) {
            return new OnnxParser(external).modelProto(ProtoReader.of(mapped, "ModelProto"));
        }
    }

    /**
     * Parses a ModelProto held in memory (e.g. an Android asset). Weights given as raw data stay views of
     * {@code model}, which must therefore not change afterwards; external data is not available.
     */
    public static Graph read(ByteBuffer model) {
        if (!model.hasRemaining()) throw new ModelFormatException("the model is empty");
        try (ExternalFiles none = new ExternalFiles(null)) {
            return new OnnxParser(none).modelProto(ProtoReader.of(model, "ModelProto"));
        } catch (IOException e) {
            throw new IllegalStateException("closing no files cannot fail", e);
        }
    }
}
