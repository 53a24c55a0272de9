package dev.petrel.safetensors;

import dev.petrel.DType;
import java.util.Arrays;

/**
 * What a safetensors header says about one tensor: element type, shape and where its bytes lie. Reading
 * it touches no tensor data.
 *
 * <pre>{@code
 * TensorInfo info = file.info("model.embed_tokens.weight");
 * info.dtypeName();   // "BF16"
 * info.shape();       // [151936, 896]
 * info.byteSize();    // 272269312
 * }</pre>
 */
public final class TensorInfo {
    private final String name;
    private final String dtypeName;
    private final long[] shape;
    private final long begin;
    private final long end;
    private final long dataStart;

    TensorInfo(String name, String dtypeName, long[] shape, long begin, long end, long dataStart) {
        this.name = name;
        this.dtypeName = dtypeName;
        this.shape = shape;
        this.begin = begin;
        this.end = end;
        this.dataStart = dataStart;
    }

    public String name() {
        return name;
    }

    /** The element type as the file writes it: "F32", "BF16", "F8_E4M3", ... */
    public String dtypeName() {
        return dtypeName;
    }

    /**
     * The Petrel element type, or null for types that Petrel has no tensors of (the 8-, 6- and 4-bit
     * floats, C64); {@link SafetensorsFile#tensor} refuses those tensors.
     */
    public DType dtype() {
        return SafetensorsDTypes.petrel(dtypeName);
    }

    /** The shape (a copy); {@code []} for a scalar. */
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements. */
    public long size() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    /** First byte, relative to the start of the data region (the header's {@code data_offsets[0]}). */
    public long begin() {
        return begin;
    }

    /** One past the last byte, relative to the start of the data region ({@code data_offsets[1]}). */
    public long end() {
        return end;
    }

    public long byteSize() {
        return end - begin;
    }

    /** Absolute position of the first byte in the file. */
    public long fileOffset() {
        return dataStart + begin;
    }

    /** "F32[2, 3] at data bytes [0, 24)" */
    @Override
    public String toString() {
        return name + ": " + dtypeName + Arrays.toString(shape) + " at data bytes [" + begin + ", " + end + ")";
    }
}
