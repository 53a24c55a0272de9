package dev.petrel.ops.tensor;

import dev.petrel.Tensor;
import java.nio.ByteBuffer;

/**
 * Copies a strided view of one tensor into consecutive elements of another: the engine behind
 * Transpose, Slice, Expand, Tile, DepthToSpace and SpaceToDepth. Strides may be 0 (broadcast) or
 * negative (reversed slices). Adjacent dimensions that are contiguous in the source are merged
 * first, so a view whose innermost dimension has stride 1 moves whole rows at once.
 */
final class StridedCopy {
    private StridedCopy() {}

    /**
     * For every index {@code i} of {@code dims} in row-major order, writes
     * {@code src[srcOffset + sum(i[k] * srcStrides[k])]} to consecutive elements of {@code dst} from {@code dstIndex}.
     */
    static void copy(Tensor src, int srcOffset, int[] dims, int[] srcStrides, Tensor dst, int dstIndex) {
        copy(src.bytes(), srcOffset, dims, srcStrides, dst.bytes(), dstIndex, src.dtype().byteSize());
    }

    static void copy(ByteBuffer src, int srcOffset, int[] dims, int[] srcStrides, ByteBuffer dst, int dstIndex, int width) {
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
        if (n == 0) {
            ElementCopier.copy(src, srcOffset, dst, dstIndex, 1, width);
            return;
        }
        int inner = d[n - 1];
        int innerStride = s[n - 1];
        int rows = 1;
        for (int k = 0; k < n - 1; k++) rows *= d[k];
        int[] idx = new int[n];
        int off = srcOffset;
        int out = dstIndex;
        for (int r = 0; r < rows; r++) {
            if (innerStride == 0) {
                ElementCopier.fill(dst, out, inner, ElementCopier.bits(src, off, width), width);
            } else {
                ElementCopier.copyStrided(src, off, innerStride, dst, out, inner, width);
            }
            out += inner;
            for (int k = n - 2; k >= 0; k--) {
                off += s[k];
                if (++idx[k] < d[k]) break;
                off -= s[k] * d[k];
                idx[k] = 0;
            }
        }
    }
}
