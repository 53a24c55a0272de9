package dev.petrel.ops;

import java.util.Arrays;

/**
 * Numpy-style multidirectional broadcasting, as ONNX defines it: shapes are aligned at the right,
 * and each dimension must match or be 1.
 *
 * <p>Kernels walk the output row by row (the innermost dimension), so the per-element work is a plain
 * strided loop:
 * <pre>{@code
 * int[] out = Broadcast.shape(a.dims(), b.dims());
 * int[][] strides = {Broadcast.strides(a.dims(), out), Broadcast.strides(b.dims(), out)};
 * Broadcast.forEachRow(out, strides, (o, in, n) -> { for (int j = 0; j < n; j++) ... });
 * }</pre>
 */
public final class Broadcast {
    private Broadcast() {}

    /** Calls {@link #row} once per output row with the offsets of that row in the output and in each input. */
    @FunctionalInterface
    public interface RowVisitor {
        void row(int outOffset, int[] inOffsets, int length);
    }

    /** The broadcast shape of all {@code shapes}. */
    public static int[] shape(int[]... shapes) {
        int rank = 0;
        for (int[] s : shapes) rank = Math.max(rank, s.length);
        int[] out = new int[rank];
        Arrays.fill(out, 1);
        for (int[] s : shapes) {
            for (int i = 0; i < s.length; i++) {
                int o = rank - s.length + i;
                int d = s[i];
                if (out[o] == 1) {
                    out[o] = d;
                } else if (d != 1 && d != out[o]) {
                    StringBuilder sb = new StringBuilder();
                    for (int[] x : shapes) sb.append(sb.length() == 0 ? "" : " and ").append(Arrays.toString(x));
                    throw new IllegalArgumentException("shapes " + sb + " cannot be broadcast: dimension "
                            + o + " is " + out[o] + " in one and " + d + " in another");
                }
            }
        }
        return out;
    }

    /** Element strides of a tensor of shape {@code in} viewed with the broadcast shape {@code out}; 0 where repeated. */
    public static int[] strides(int[] in, int[] out) {
        int rank = out.length;
        int[] st = new int[rank];
        int s = 1;
        for (int i = in.length - 1; i >= 0; i--) {
            int o = rank - in.length + i;
            st[o] = in[i] == 1 && out[o] != 1 ? 0 : s;
            s *= in[i];
        }
        return st;
    }

    /**
     * Walks every row of the output shape (all dimensions but the last). The visitor gets, for the row,
     * the offset in the output and in each input; element {@code j} of the row is at
     * {@code inOffsets[k] + j * innerStride(k)} where the inner stride is {@code inStrides[k][rank-1]}.
     * A rank-0 output is one row of length 1.
     */
    public static void forEachRow(int[] outDims, int[][] inStrides, RowVisitor visitor) {
        int rank = outDims.length;
        int inputs = inStrides.length;
        int[] offs = new int[inputs];
        if (rank == 0) {
            visitor.row(0, offs, 1);
            return;
        }
        int inner = outDims[rank - 1];
        int rows = 1;
        for (int i = 0; i < rank - 1; i++) rows *= outDims[i];
        if (inner == 0 || rows == 0) return;
        int[] idx = new int[rank];
        for (int r = 0; r < rows; r++) {
            visitor.row(r * inner, offs, inner);
            // Odometer over the outer dimensions, updating input offsets incrementally.
            for (int d = rank - 2; d >= 0; d--) {
                idx[d]++;
                for (int k = 0; k < inputs; k++) offs[k] += inStrides[k][d];
                if (idx[d] < outDims[d]) break;
                for (int k = 0; k < inputs; k++) offs[k] -= inStrides[k][d] * outDims[d];
                idx[d] = 0;
            }
        }
    }
}
