package dev.petrel.ops.math;

import dev.petrel.ops.Broadcast;

/**
 * A broadcast iteration over several inputs with the output dimensions simplified first: dimensions of
 * size 1 are dropped and neighbours that every input walks the same way (all contiguous, or all
 * repeated) are merged. Equal shapes become a single row, and {@code [N,C,H,W] + [C,1,1]} becomes
 * rows of {@code H*W} elements, so the per-row overhead of {@link Broadcast#forEachRow} stays small.
 */
final class BroadcastLoop {
    /** The broadcast output shape, as the caller must allocate it. */
    final int[] outDims;
    /** Output element count. */
    final int size;
    private final int[] loopDims;
    private final int[][] loopStrides;

    private BroadcastLoop(int[] outDims, int[] loopDims, int[][] loopStrides) {
        this.outDims = outDims;
        this.loopDims = loopDims;
        this.loopStrides = loopStrides;
        long n = 1;
        for (int d : outDims) n *= d;
        this.size = (int) n;
    }

    static BroadcastLoop of(int[]... inputDims) {
        int[] out = Broadcast.shape(inputDims);
        int k = inputDims.length;
        int[][] st = new int[k][];
        for (int i = 0; i < k; i++) st[i] = Broadcast.strides(inputDims[i], out);
        for (int d : out) {
            if (d == 0) return new BroadcastLoop(out, out, st);
        }
        // Keep the dimensions larger than 1, merging each into the previous kept one when possible.
        int[] dims = new int[Math.max(out.length, 1)];
        int[][] strides = new int[k][dims.length];
        int r = 0;
        for (int d = 0; d < out.length; d++) {
            if (out[d] == 1) continue;
            boolean merge = r > 0;
            for (int i = 0; i < k && merge; i++) merge = strides[i][r - 1] == st[i][d] * out[d];
            if (merge) {
                dims[r - 1] *= out[d];
                for (int i = 0; i < k; i++) strides[i][r - 1] = st[i][d];
            } else {
                dims[r] = out[d];
                for (int i = 0; i < k; i++) strides[i][r] = st[i][d];
                r++;
            }
        }
        if (r == 0) {
            dims[r] = 1;
            for (int i = 0; i < k; i++) strides[i][r] = 0;
            r = 1;
        }
        int[] ld = java.util.Arrays.copyOf(dims, r);
        int[][] ls = new int[k][];
        for (int i = 0; i < k; i++) ls[i] = java.util.Arrays.copyOf(strides[i], r);
        return new BroadcastLoop(out, ld, ls);
    }

    /** The step of input {@code i} along a row: 1 (contiguous) or 0 (one element repeated). */
    int innerStride(int i) {
        int[] s = loopStrides[i];
        return s.length == 0 ? 0 : s[s.length - 1];
    }

    void forEachRow(Broadcast.RowVisitor visitor) {
        Broadcast.forEachRow(loopDims, loopStrides, visitor);
    }
}
