package dev.petrel.ops.tensor;

import dev.petrel.Tensor;
import java.nio.ByteBuffer;

/**
 * Moves elements of any storable type by their byte width (1, 2, 4 or 8 bytes), so data-movement
 * kernels never need to know what the bits mean. Element indices, not byte offsets, everywhere.
 */
final class ElementCopier {
    /** Below this many bytes a per-element loop beats the buffer duplication of a bulk copy. */
    private static final int BULK_BYTES = 64;

    private ElementCopier() {}

    /** Copies {@code count} consecutive elements; both tensors must have the same element width. */
    static void copy(Tensor src, int srcIndex, Tensor dst, int dstIndex, int count) {
        copy(src.bytes(), srcIndex, dst.bytes(), dstIndex, count, src.dtype().byteSize());
    }

    static void copy(ByteBuffer src, int srcIndex, ByteBuffer dst, int dstIndex, int count, int width) {
        if (count <= 0) return;
        int bytes = count * width;
        if (bytes >= BULK_BYTES) {
            Tensor.copyBytes(src, srcIndex * width, dst, dstIndex * width, bytes);
            return;
        }
        int s = srcIndex * width;
        int d = dstIndex * width;
        switch (width) {
            case 8: for (int i = 0; i < bytes; i += 8) dst.putLong(d + i, src.getLong(s + i)); break;
            case 4: for (int i = 0; i < bytes; i += 4) dst.putInt(d + i, src.getInt(s + i)); break;
            case 2: for (int i = 0; i < bytes; i += 2) dst.putShort(d + i, src.getShort(s + i)); break;
            default: for (int i = 0; i < bytes; i++) dst.put(d + i, src.get(s + i)); break;
        }
    }

    /** Copies {@code count} elements taken every {@code srcStride} elements (any sign) into consecutive places. */
    static void copyStrided(ByteBuffer src, int srcIndex, int srcStride, ByteBuffer dst, int dstIndex, int count, int width) {
        if (srcStride == 1) {
            copy(src, srcIndex, dst, dstIndex, count, width);
            return;
        }
        int s = srcIndex * width;
        int step = srcStride * width;
        int d = dstIndex * width;
        switch (width) {
            case 8: for (int i = 0; i < count; i++, s += step) dst.putLong(d + i * 8, src.getLong(s)); break;
            case 4: for (int i = 0; i < count; i++, s += step) dst.putInt(d + i * 4, src.getInt(s)); break;
            case 2: for (int i = 0; i < count; i++, s += step) dst.putShort(d + i * 2, src.getShort(s)); break;
            default: for (int i = 0; i < count; i++, s += step) dst.put(d + i, src.get(s)); break;
        }
    }

    /** Writes the element {@code value} (raw bits, low {@code width} bytes) to {@code count} consecutive places. */
    static void fill(ByteBuffer dst, int dstIndex, int count, long value, int width) {
        int d = dstIndex * width;
        switch (width) {
            case 8: for (int i = 0; i < count; i++) dst.putLong(d + i * 8, value); break;
            case 4: for (int i = 0; i < count; i++) dst.putInt(d + i * 4, (int) value); break;
            case 2: for (int i = 0; i < count; i++) dst.putShort(d + i * 2, (short) value); break;
            default: for (int i = 0; i < count; i++) dst.put(d + i, (byte) value); break;
        }
    }

    /** The raw bits of element {@code index}, zero-extended to a long. */
    static long bits(ByteBuffer b, int index, int width) {
        switch (width) {
            case 8: return b.getLong(index * 8);
            case 4: return b.getInt(index * 4) & 0xFFFFFFFFL;
            case 2: return b.getShort(index * 2) & 0xFFFFL;
            default: return b.get(index) & 0xFFL;
        }
    }

    static void putBits(ByteBuffer b, int index, long value, int width) {
        switch (width) {
            case 8: b.putLong(index * 8, value); break;
            case 4: b.putInt(index * 4, (int) value); break;
            case 2: b.putShort(index * 2, (short) value); break;
            default: b.put(index, (byte) value); break;
        }
    }

    static long bits(Tensor t, int index) {
        return bits(t.bytes(), index, t.dtype().byteSize());
    }

    /** Copies the whole storage of {@code src} into {@code dst} (same size in bytes). */
    static void copyAll(Tensor src, Tensor dst) {
        int n = src.bytes().limit();
        if (n > 0) Tensor.copyBytes(src.bytes(), 0, dst.bytes(), 0, n);
    }
}
