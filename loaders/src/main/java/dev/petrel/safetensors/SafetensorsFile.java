package dev.petrel.safetensors;

import dev.petrel.DType;
import dev.petrel.ModelFormatException;
import dev.petrel.Tensor;
import dev.petrel.UnsupportedFeatureException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One Hugging Face safetensors file, memory-mapped read-only. Tensors are views of the mapping: reading
 * a tensor copies nothing, and pages are read from disk (or the page cache) when first touched.
 *
 * <pre>{@code
 * try (SafetensorsFile file = SafetensorsFile.open(Paths.get("model.safetensors"))) {
 *     for (String name : file.names()) System.out.println(file.info(name));
 *     Tensor embeddings = file.tensor("embeddings.word_embeddings.weight");
 *     String format = file.metadata().get("format");   // "pt"
 * }
 * }</pre>
 *
 * <p>The whole header is checked on {@link #open}: a malformed file fails there with a
 * {@link ModelFormatException} naming the file, the tensor and the offsets at fault.
 *
 * <p><b>Mapping lifetime.</b> A tensor stays valid for as long as it is reachable, also after
 * {@link #close()}: Java 17 and Android cannot unmap a file explicitly, so the mapping goes away when the
 * garbage collector finds neither this object nor any tensor from it in use. {@code close()} releases
 * the file descriptor and this object's own reference to the mapping, and forbids new tensors.
 *
 * <p><b>Large files.</b> One Java buffer holds at most 2 GiB. Files up to that size are mapped once;
 * larger ones get one mapping per tensor, made on its first {@link #tensor} call, so a file of any size
 * works as long as each single tensor is under 2 GiB.
 *
 * <p>Instances are safe to use from several threads.
 */
public final class SafetensorsFile implements Closeable {
    private final Path path;
    private final String where;
    private final Header header;
    private ByteBuffer whole;
    private FileChannel channel;
    private final Map<String, ByteBuffer> mapped = new HashMap<>();
    private boolean closed;

    private SafetensorsFile(Path path, Header header, ByteBuffer whole, FileChannel channel) {
        this.path = path;
        this.where = path.toString();
        this.header = header;
        this.whole = whole;
        this.channel = channel;
    }

    /**
     * Maps {@code file} and checks its header.
     *
     * @throws ModelFormatException if the file is not a well-formed safetensors file
     * @throws IOException if it cannot be read
     */
    public static SafetensorsFile open(Path file) throws IOException {
        return open(file, Integer.MAX_VALUE);
    }

    /** With a smaller {@code wholeMapLimit}, tests reach the per-tensor mappings of large files with small ones. */
    static SafetensorsFile open(Path file, long wholeMapLimit) throws IOException {
        String where = file.toString();
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            long size = ch.size();
            if (size < 8) {
                throw new ModelFormatException(where + ": " + size + " bytes is too short for a safetensors file,"
                        + " which starts with an 8-byte header length");
            }
            long n = readFully(where, ch, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            String length = "header length " + Long.toUnsignedString(n) + " (file bytes 0..8)";
            if (n < 0 || n > Header.MAX_HEADER_BYTES) {
                throw new ModelFormatException(where + ": " + length + " exceeds the limit of " + Header.MAX_HEADER_BYTES + " bytes");
            }
            if (n < 2) throw new ModelFormatException(where + ": " + length + " is less than 2, the size of the smallest header {}");
            if (n > size - 8) {
                throw new ModelFormatException(where + ": " + length + " runs past the end of the file (" + size + " bytes)");
            }
            Header header = Header.parse(where, readFully(where, ch, 8, (int) n), size - 8 - n);
            if (size <= wholeMapLimit) {
                ByteBuffer whole = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
                ch.close();
                return new SafetensorsFile(file, header, whole, null);
            }
            return new SafetensorsFile(file, header, null, ch);
        } catch (IOException | RuntimeException | Error e) {
            ch.close();
            throw e;
        }
    }

    private static ByteBuffer readFully(String where, FileChannel ch, long position, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        while (b.hasRemaining()) {
            int n = ch.read(b, position + b.position());
            if (n < 0) throw new ModelFormatException(where + ": file ended at byte " + (position + b.position()) + " while reading the header");
        }
        ((Buffer) b).flip();
        return b;
    }

    /** The file this was opened from. */
    public Path path() {
        return path;
    }

    /** Tensor names in the order the header lists them. */
    public List<String> names() {
        List<String> names = new ArrayList<>(header.tensors.size());
        for (TensorInfo t : header.tensors) names.add(t.name());
        return Collections.unmodifiableList(names);
    }

    public boolean contains(String name) {
        return header.byName.containsKey(name);
    }

    /**
     * The header's {@code __metadata__} strings (often {@code {"format": "pt"}}), in file order; empty when
     * the file has none.
     */
    public Map<String, String> metadata() {
        return header.metadata;
    }

    /** Element type, shape and byte range of a tensor, without touching its data. */
    public TensorInfo info(String name) {
        TensorInfo t = header.byName.get(name);
        if (t == null) throw new IllegalArgumentException(where + " has no tensor '" + name + "'" + nearby());
        return t;
    }

    /**
     * The tensor {@code name} as a read-only view of the mapped file (no copy).
     *
     * @throws UnsupportedFeatureException if Petrel has no element type for the tensor's dtype (the 8-, 6-
     *     and 4-bit floats, C64; {@link #bytes} still reads them) or the tensor is 2 GiB or more
     * @throws IllegalArgumentException if there is no such tensor
     * @throws IllegalStateException after {@link #close()}
     */
    public Tensor tensor(String name) {
        TensorInfo t = info(name);
        DType type = t.dtype();
        if (type == null) {
            throw new UnsupportedFeatureException(where + ": tensor '" + name + "' has dtype " + t.dtypeName()
                    + ", which Petrel has no tensors of");
        }
        long[] shape = t.shape();
        int[] dims = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] > Integer.MAX_VALUE) throw tooLarge(t);
            dims[i] = (int) shape[i];
        }
        if (t.size() > Integer.MAX_VALUE) throw tooLarge(t);
        return Tensor.wrap(type, bytes(name), dims);
    }

    /**
     * The raw little-endian bytes of tensor {@code name}, of any dtype, as a read-only view of the mapped
     * file (position 0, limit {@link TensorInfo#byteSize()}).
     *
     * @throws UnsupportedFeatureException if the tensor is 2 GiB or more
     */
    public ByteBuffer bytes(String name) {
        TensorInfo t = info(name);
        if (t.byteSize() > Integer.MAX_VALUE) throw tooLarge(t);
        ByteBuffer b;
        synchronized (this) {
            if (closed) throw new IllegalStateException(where + " is closed");
            b = whole != null ? slice(whole, t.fileOffset(), (int) t.byteSize()) : mapTensor(t);
        }
        return b.order(ByteOrder.LITTLE_ENDIAN);
    }

    private ByteBuffer mapTensor(TensorInfo t) {
        ByteBuffer b = mapped.get(t.name());
        if (b == null) {
            try {
                b = t.byteSize() == 0 ? ByteBuffer.allocate(0).asReadOnlyBuffer()
                        : channel.map(FileChannel.MapMode.READ_ONLY, t.fileOffset(), t.byteSize());
            } catch (IOException e) {
                throw new ModelFormatException(where + ": cannot map tensor '" + t.name() + "' (file bytes "
                        + t.fileOffset() + ".." + (t.fileOffset() + t.byteSize()) + "): " + e, e);
            }
            mapped.put(t.name(), b);
        }
        return b.duplicate();
    }

    private static ByteBuffer slice(ByteBuffer whole, long offset, int length) {
        ByteBuffer b = whole.duplicate();
        ((Buffer) b).limit((int) offset + length);
        ((Buffer) b).position((int) offset);
        return b.slice();
    }

    private UnsupportedFeatureException tooLarge(TensorInfo t) {
        return new UnsupportedFeatureException(where + ": tensor '" + t.name() + "' (" + t.dtypeName()
                + java.util.Arrays.toString(t.shape()) + ") is " + t.byteSize() + " bytes; one tensor must stay under"
                + " 2 GiB (" + Integer.MAX_VALUE + " bytes), the most one Java buffer holds");
    }

    private String nearby() {
        int n = header.tensors.size();
        if (n == 0) return " (it has none)";
        StringBuilder sb = new StringBuilder(" (it has ").append(n).append(": ");
        for (int i = 0; i < Math.min(n, 5); i++) sb.append(i == 0 ? "" : ", ").append(header.tensors.get(i).name());
        return sb.append(n > 5 ? ", ...)" : ")").toString();
    }

    /**
     * Closes the file descriptor (kept open only for files over 2 GiB) and drops this object's references
     * to the mappings. Tensors already handed out stay valid; new ones cannot be made. Idempotent.
     */
    @Override
    public synchronized void close() throws IOException {
        if (closed) return;
        closed = true;
        whole = null;
        mapped.clear();
        if (channel != null) {
            FileChannel ch = channel;
            channel = null;
            ch.close();
        }
    }

    @Override
    public String toString() {
        return "SafetensorsFile(" + where + ", " + header.tensors.size() + " tensors)";
    }
}
