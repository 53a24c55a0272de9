package dev.petrel.onnx;

import dev.petrel.ModelFormatException;
import dev.petrel.UnsupportedFeatureException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * Maps regions of the files that hold a model's external tensor data, read-only and without copying.
 * Each tensor gets its own mapping, so a model's weights may total more than 2 GB. Channels are kept
 * open during one load and closed after; the mappings stay valid.
 */
final class ExternalFiles implements Closeable {
    private final Path baseDir;
    private final Map<Path, FileChannel> channels = new HashMap<>();

    /** @param baseDir the model's directory, or null when the data has no location (a bare buffer) */
    ExternalFiles(Path baseDir) {
        this.baseDir = baseDir == null ? null : baseDir.toAbsolutePath().normalize();
    }

    /**
     * The bytes {@code [offset, offset + length)} of {@code location}, which must lie inside the
     * model's directory. The check is lexical on purpose: weights that are symbolic links into a
     * cache directory (as model hubs lay them out) must keep working.
     */
    ByteBuffer map(String tensor, String location, long offset, long length) {
        String what = "tensor '" + tensor + "' external data";
        if (baseDir == null) {
            throw new UnsupportedFeatureException(what + ": external data needs the model's file location");
        }
        Path rel;
        try {
            rel = Paths.get(location);
        } catch (InvalidPathException e) {
            throw new ModelFormatException(what + ": invalid location '" + location + "'");
        }
        if (location.isEmpty() || rel.isAbsolute() || rel.getRoot() != null) {
            throw new ModelFormatException(what + ": location '" + location + "' must be a relative path");
        }
        Path file = baseDir.resolve(rel).normalize();
        if (!file.startsWith(baseDir) || file.equals(baseDir)) {
            throw new ModelFormatException(what + ": location '" + location + "' escapes the model's directory");
        }
        try {
            FileChannel ch = channels.get(file);
            if (ch == null) {
                ch = FileChannel.open(file, StandardOpenOption.READ);
                channels.put(file, ch);
            }
            long size = ch.size();
            if (offset < 0 || length < 0 || offset > size || length > size - offset) {
                throw new ModelFormatException(what + ": offset " + offset + " + length " + length
                        + " lies outside '" + location + "' (" + size + " bytes)");
            }
            if (length == 0) return ByteBuffer.allocate(0);
            return ch.map(FileChannel.MapMode.READ_ONLY, offset, length);
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(what + ": file '" + location + "' does not exist");
        } catch (IOException e) {
            throw new ModelFormatException(what + ": cannot read '" + location + "': " + e, e);
        }
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (FileChannel ch : channels.values()) {
            try {
                ch.close();
            } catch (IOException e) {
                if (first == null) first = e;
            }
        }
        channels.clear();
        if (first != null) throw first;
    }
}
