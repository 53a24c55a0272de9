package dev.petrel.safetensors;

import dev.petrel.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes tensors as safetensors files, laid out as Hugging Face's own writer does: the header is padded
 * with spaces to a multiple of 8 bytes, and tensors are stored widest element type first (then by name),
 * so that every tensor starts at a multiple of its element size and can be read in place.
 *
 * <pre>{@code
 * Map<String, Tensor> tensors = new LinkedHashMap<>();
 * tensors.put("dense.weight", weight);
 * tensors.put("dense.bias", bias);
 * SafetensorsWriter.write(Paths.get("model.safetensors"), tensors, Collections.singletonMap("format", "pt"));
 *
 * // A checkpoint split into files of at most 2 GB, with model.safetensors.index.json:
 * SafetensorsWriter.writeSharded(Paths.get("out"), tensors, Collections.singletonMap("format", "pt"), 2_000_000_000L);
 * }</pre>
 */
public final class SafetensorsWriter {
    /** The index file of a sharded checkpoint, as Hugging Face names it. */
    public static final String INDEX_FILE = "model.safetensors.index.json";
    /** The single file of an unsharded checkpoint, as Hugging Face names it. */
    public static final String SINGLE_FILE = "model.safetensors";

    private SafetensorsWriter() {}

    /** Writes {@code tensors} to {@code file} without metadata. */
    public static void write(Path file, Map<String, Tensor> tensors) throws IOException {
        write(file, tensors, Collections.<String, String>emptyMap());
    }

    /**
     * Writes {@code tensors} and the {@code __metadata__} strings to {@code file}, replacing it.
     *
     * @throws IllegalArgumentException for the reserved name {@code __metadata__}, or a tensor type the
     *     format lacks
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        List<String> order = new ArrayList<>(tensors.keySet());
        for (String name : order) {
            if (name == null || name.equals(Header.METADATA_KEY)) {
                throw new IllegalArgumentException("invalid tensor name " + (name == null ? "null" : "'" + name + "'"));
            }
            if (SafetensorsDTypes.name(tensors.get(name).dtype()) == null) {
                throw new IllegalArgumentException("tensor '" + name + "': safetensors has no dtype for " + tensors.get(name).dtype());
            }
        }
        order.sort((a, b) -> {
            int wider = Integer.compare(tensors.get(b).dtype().byteSize(), tensors.get(a).dtype().byteSize());
            return wider != 0 ? wider : a.compareTo(b);
        });

        StringBuilder json = new StringBuilder("{");
        if (!metadata.isEmpty()) {
            string(json, Header.METADATA_KEY).append(":{");
            boolean first = true;
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                if (!first) json.append(',');
                first = false;
                string(string(json, e.getKey()).append(':'), e.getValue());
            }
            json.append('}');
        }
        long offset = 0;
        for (String name : order) {
            Tensor t = tensors.get(name);
            if (json.length() > 1) json.append(',');
            string(json, name).append(":{\"dtype\":");
            string(json, SafetensorsDTypes.name(t.dtype())).append(",\"shape\":[");
            for (int i = 0; i < t.rank(); i++) json.append(i == 0 ? "" : ",").append(t.dim(i));
            long size = t.bytes().limit();
            json.append("],\"data_offsets\":[").append(offset).append(',').append(offset + size).append("]}");
            offset += size;
        }
        json.append('}');
        byte[] text = json.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (text.length + 7) & ~7;

        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(text);
        while (head.hasRemaining()) head.put((byte) ' ');
        ((java.nio.Buffer) head).flip();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(ch, head);
            for (String name : order) writeFully(ch, tensors.get(name).bytes().duplicate());
        }
    }

    /**
     * Writes a sharded checkpoint into {@code folder} (created if missing): files
     * {@code model-00001-of-0000N.safetensors}, each holding at most {@code maxShardBytes} of tensor data
     * (a single larger tensor gets a file of its own), filled in the map's order, and
     * {@value #INDEX_FILE} mapping every tensor to its file. Every shard carries {@code metadata}; the
     * index carries {@code total_size}. Always writes an index, also for a single shard.
     *
     * @return the index file
     */
    public static Path writeSharded(Path folder, Map<String, Tensor> tensors, Map<String, String> metadata,
                                    long maxShardBytes) throws IOException {
        if (maxShardBytes <= 0) throw new IllegalArgumentException("maxShardBytes must be positive, not " + maxShardBytes);
        List<Map<String, Tensor>> shards = new ArrayList<>();
        Map<String, Tensor> current = new LinkedHashMap<>();
        long currentBytes = 0;
        long total = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            long size = e.getValue().bytes().limit();
            if (!current.isEmpty() && currentBytes + size > maxShardBytes) {
                shards.add(current);
                current = new LinkedHashMap<>();
                currentBytes = 0;
            }
            current.put(e.getKey(), e.getValue());
            currentBytes += size;
            total += size;
        }
        if (!current.isEmpty() || shards.isEmpty()) shards.add(current);

        Files.createDirectories(folder);
        Map<String, String> weightMap = new TreeMap<>();
        for (int i = 0; i < shards.size(); i++) {
            String fileName = String.format(java.util.Locale.ROOT, "model-%05d-of-%05d.safetensors", i + 1, shards.size());
            write(folder.resolve(fileName), shards.get(i), metadata);
            for (String name : shards.get(i).keySet()) weightMap.put(name, fileName);
        }
        StringBuilder json = new StringBuilder("{\n  \"metadata\": {\n    \"total_size\": ").append(total)
                .append("\n  },\n  \"weight_map\": {");
        boolean first = true;
        for (Map.Entry<String, String> e : weightMap.entrySet()) {
            json.append(first ? "\n    " : ",\n    ");
            first = false;
            string(string(json, e.getKey()).append(": "), e.getValue());
        }
        json.append(first ? "}\n}\n" : "\n  }\n}\n");
        Path index = folder.resolve(INDEX_FILE);
        Files.write(index, json.toString().getBytes(StandardCharsets.UTF_8));
        return index;
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    /** Appends {@code s} as a JSON string; characters beyond ASCII stay raw, as UTF-8. */
    private static StringBuilder string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') out.append('\\').append(c);
            else if (c < 0x20) out.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
            else out.append(c);
        }
        return out.append('"');
    }
}
