package dev.petrel.ops.tensor;

import dev.petrel.Tensor;
import dev.petrel.spi.Parallel;
import java.nio.ByteBuffer;

/**
 * Copies a strided view of one tensor into consecutive elements of another: the engine behind
 * Transpose, Slice, Expand, Tile, DepthToSpace and SpaceToDepth. Strides may be 0 (broadcast) or
 * negative (reversed slices). Adjacent dimensions that are contiguous in the source are merged
 * first, so a view whose innermost dimension has stride 1 moves whole rows at once.
 */
final class StridedCopy {
    /** Below this many elements splitting the rows over threads costs more than it saves. */
    private static final int PARALLEL_ELEMENTS = 1 << 16;

    private StridedCopy() {}

    /**
     * For every index {@code i} of {@code dims} in row-major order, writes
     * {@code src[srcOffset + sum(i[k] * srcStrides[k])]} to consecutive elements of {@code dst} from {@code dstIndex}.
     */
    static void copy(Tensor src, int srcOffset, int[] dims, int[] srcStrides, Tensor dst, int dstIndex) {
        copy(src, srcOffset, dims, srcStrides, dst, dstIndex, Parallel.SEQUENTIAL);
    }

    /** As {@link #copy(Tensor, int, int[], int[], Tensor, int)}, with the rows split over {@code parallel}'s threads. */
    static void copy(Tensor src, int srcOffset, int[] dims, int[] srcStrides, Tensor dst, int dstIndex, Parallel parallel) {
        int rank = dims.length;
        int[] d = new int[rank];
        int[] s = new int[rank];
        int n = 0;
        for (int k = 0; k < rank; k++) {
            if (dims[k] == 0) return;
            if (dims[k] == 1) continue;
            if (n > 0 && s[n - 1] == (long) srcStrides[k] * dims[k]) {
                // The outer dimension steps exactly over the inner one: one longer dimension.
                d[n - 1] *= dims[k];
                s[n - 1] = srcStrides[k];
            } else {
                d[n] = dims[k];
                s[n] = srcStrides[k];
                n++;
            }
        }
        ByteBuffer in = src.bytes();
        ByteBuffer out = dst.bytes();
        int width = src.dtype().byteSize();
        if (n == 0) {
            ElementCopier.copy(in, srcOffset, out, dstIndex, 1, width);
            return;
        }
        int rows = 1;
        for (int k = 0; k < n - 1; k++) rows *= d[k];
        int outer = n - 1;
        if (parallel.threads() > 1 && rows > 1 && (long) rows * d[n - 1] >= PARALLEL_ELEMENTS) {
            parallel.forRange(rows, (from, to) -> copyRows(in, srcOffset, d, s, outer, out, dstIndex, width, from, to));
        } else {
            copyRows(in, srcOffset, d, s, outer, out, dstIndex, width, 0, rows);
        }
    }

    /** Rows [from, to) of the merged view; a row is the innermost dimension {@code d[outer]}. */
    private static void copyRows(ByteBuffer src, int srcOffset, int[] d, int[] s, int outer, ByteBuffer dst, int dstIndex,
                                 int width, int from, int to) {
        int inner = d[outer];
        int innerStride = s[outer];
        int[] idx = new int[outer];
        int off = srcOffset;
        int r = from;
        for (int k = outer - 1; k >= 0; k--) {
            idx[k] = r % d[k];
            r /= d[k];
            off += idx[k] * s[k];
        }
        int o = dstIndex + from * inner;
        for (int row = from; row < to; row++) {
            if (innerStride == 0) {
                ElementCopier.fill(dst, o, inner, ElementCopier.bits(src, off, width), width);
            } else {
                ElementCopier.copyStrided(src, off, innerStride, dst, o, inner, width);
            }
            o += inner;
            for (int k = outer - 1; k >= 0; k--) {
                off += s[k];
                if (++idx[k] < d[k]) break;
                off -= s[k] * d[k];
                idx[k] = 0;
            }
        }
    }
}
