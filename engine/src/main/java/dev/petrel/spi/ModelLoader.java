package dev.petrel.spi;

import dev.petrel.graph.Graph;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Reads one model file format into a {@link Graph}; found through {@link java.util.ServiceLoader}
 * (declare it in {@code META-INF/services/dev.petrel.spi.ModelLoader}).
 */
public interface ModelLoader {
    /** Short format name, e.g. "onnx". */
    String format();

    /** True when this loader recognizes the file (by name or by its first bytes). */
    boolean accepts(Path file) throws IOException;

    /**
     * Reads the file. Weights should stay views of a memory mapping of the file, never copies.
     *
     * @throws dev.petrel.ModelFormatException when the file is malformed
     */
    Graph load(Path file) throws IOException;
}
