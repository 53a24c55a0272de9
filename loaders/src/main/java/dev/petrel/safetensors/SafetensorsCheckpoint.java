package dev.petrel.safetensors;

import dev.petrel.ModelFormatException;
import dev.petrel.Tensor;
import dev.petrel.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's weights as Hugging Face stores them: one {@code model.safetensors}, or shards listed by
 * {@code model.safetensors.index.json}. Tensors are found by name whatever file holds them, and are
 * views of the mapped files as with {@link SafetensorsFile}.
 *
 * <pre>{@code
 * try (SafetensorsCheckpoint weights = SafetensorsCheckpoint.open(Paths.get("Qwen2.5-0.5B"))) {
 *     Tensor q = weights.tensor("model.layers.0.self_attn.q_proj.weight");
 *     TensorInfo info = weights.info("lm_head.weight");   // without reading data
 * }
 * }</pre>
 *
 * <p>Every file is opened and its header checked by {@link #open}; so is every entry of the index: it
 * must name a file inside the checkpoint's folder, and that file must hold the tensor.
 */
public final class SafetensorsCheckpoint implements AutoCloseable {
    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> owner;
    private final Map<String, Object> indexMetadata;

    private SafetensorsCheckpoint(List<SafetensorsFile> files, Map<String, SafetensorsFile> owner, Map<String, Object> indexMetadata) {
        this.files = Collections.unmodifiableList(files);
        this.owner = Collections.unmodifiableMap(owner);
        this.indexMetadata = Collections.unmodifiableMap(indexMetadata);
    }

    /**
     * Opens a checkpoint from a folder (its {@code model.safetensors}, else its
     * {@code model.safetensors.index.json}), an index file (any name ending in {@code .json}), or a
     * single safetensors file.
     *
     * @throws ModelFormatException if a file or the index is malformed, or the index names a tensor or
     *     file that is not there
     * @throws NoSuchFileException if the path, or a folder's expected file, does not exist
     */
    public static SafetensorsCheckpoint open(Path folderOrFile) throws IOException {
        if (Files.isDirectory(folderOrFile)) {
            Path single = folderOrFile.resolve(SafetensorsWriter.SINGLE_FILE);
            if (Files.exists(single)) return single(single);
            Path index = folderOrFile.resolve(SafetensorsWriter.INDEX_FILE);
            if (Files.exists(index)) return indexed(index);
            throw new NoSuchFileException(folderOrFile.toString(), null, "the folder has neither "
                    + SafetensorsWriter.SINGLE_FILE + " nor " + SafetensorsWriter.INDEX_FILE);
        }
        Path name = folderOrFile.getFileName();
        if (name != null && name.toString().endsWith(".json")) return indexed(folderOrFile);
        return single(folderOrFile);
    }

    private static SafetensorsCheckpoint single(Path file) throws IOException {
        SafetensorsFile f = SafetensorsFile.open(file);
        Map<String, SafetensorsFile> owner = new LinkedHashMap<>();
        for (String name : f.names()) owner.put(name, f);
        return new SafetensorsCheckpoint(new ArrayList<>(Collections.singletonList(f)), owner, Collections.<String, Object>emptyMap());
    }

    private static SafetensorsCheckpoint indexed(Path index) throws IOException {
        String where = index.toString();
        Object root;
        try {
            root = Json.parse(Json.readUtf8(index), true);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(where + " is not valid JSON: " + e.getMessage());
        }
        if (!(root instanceof Map)) throw new ModelFormatException(where + ": expected a JSON object with a weight_map");
        Map<?, ?> m = (Map<?, ?>) root;
        Object weightMap = m.get("weight_map");
        if (!(weightMap instanceof Map)) {
            throw new ModelFormatException(where + ": " + (weightMap == null ? "missing field 'weight_map'" : "'weight_map' must be an object"));
        }
        Object metadata = m.get("metadata");
        if (metadata != null && !(metadata instanceof Map)) throw new ModelFormatException(where + ": 'metadata' must be an object");
        Path dir = index.toAbsolutePath().getParent().normalize();

        Map<String, SafetensorsFile> byFile = new LinkedHashMap<>();
        Map<String, SafetensorsFile> owner = new LinkedHashMap<>();
        try {
            for (Map.Entry<?, ?> e : ((Map<?, ?>) weightMap).entrySet()) {
                String tensor = (String) e.getKey();
                if (!(e.getValue() instanceof String)) {
                    throw new ModelFormatException(where + ": weight_map entry '" + tensor + "' must name a file");
                }
                String shard = (String) e.getValue();
                SafetensorsFile f = byFile.get(shard);
                if (f == null) {
                    f = SafetensorsFile.open(shardPath(where, dir, tensor, shard));
                    byFile.put(shard, f);
                }
                if (!f.contains(tensor)) {
                    throw new ModelFormatException(where + ": weight_map puts tensor '" + tensor + "' in '" + shard
                            + "', which has no such tensor");
                }
                owner.put(tensor, f);
            }
        } catch (IOException | RuntimeException | Error e) {
            for (SafetensorsFile f : byFile.values()) f.close();
            throw e;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> meta = metadata == null ? Collections.<String, Object>emptyMap() : (Map<String, Object>) metadata;
        return new SafetensorsCheckpoint(new ArrayList<>(byFile.values()), owner, meta);
    }

    /** The lexical check keeps shards that are symbolic links into a hub cache working. */
    private static Path shardPath(String where, Path dir, String tensor, String shard) throws IOException {
        String what = where + ": weight_map entry '" + tensor + "'";
        Path rel;
        try {
            rel = Paths.get(shard);
        } catch (InvalidPathException e) {
            throw new ModelFormatException(what + ": invalid file name '" + shard + "'");
        }
        if (shard.isEmpty() || rel.isAbsolute() || rel.getRoot() != null) {
            throw new ModelFormatException(what + ": file '" + shard + "' must be a relative path");
        }
        Path file = dir.resolve(rel).normalize();
        if (!file.startsWith(dir) || file.equals(dir)) {
            throw new ModelFormatException(what + ": file '" + shard + "' lies outside the checkpoint's folder");
        }
        if (!Files.exists(file)) throw new ModelFormatException(what + ": file '" + shard + "' does not exist");
        return file;
    }

    /** Tensor names: the index's order, or a single file's header order. */
    public List<String> names() {
        return Collections.unmodifiableList(new ArrayList<>(owner.keySet()));
    }

    public boolean contains(String name) {
        return owner.containsKey(name);
    }

    /** Element type, shape and byte range (within its own file) of a tensor, without touching its data. */
    public TensorInfo info(String name) {
        return file(name).info(name);
    }

    /** The tensor as a read-only view of its mapped file; see {@link SafetensorsFile#tensor}. */
    public Tensor tensor(String name) {
        return file(name).tensor(name);
    }

    /** The file that holds tensor {@code name}, e.g. to read its {@code __metadata__}. */
    public SafetensorsFile file(String name) {
        SafetensorsFile f = owner.get(name);
        if (f == null) throw new IllegalArgumentException("the checkpoint has no tensor '" + name + "'");
        return f;
    }

    /** The files, in the order the index first names them. */
    public List<SafetensorsFile> files() {
        return files;
    }

    /** The index's {@code metadata} object as parsed JSON (e.g. {@code total_size}); empty for a single file. */
    public Map<String, Object> indexMetadata() {
        return indexMetadata;
    }

    /** Closes every file; tensors already handed out stay valid (see {@link SafetensorsFile}). */
    @Override
    public void close() throws IOException {
        IOException first = null;
        for (SafetensorsFile f : files) {
            try {
                f.close();
            } catch (IOException e) {
                if (first == null) first = e;
            }
        }
        if (first != null) throw first;
    }
}
