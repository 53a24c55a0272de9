package dev.petrel.ops.tensor;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Shapes;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.util.Arrays;

/**
 * Transpose. A permutation that keeps the last axis in place (the attention head split
 * [B,S,H,D] to [B,H,S,D]) moves whole rows, through {@link StridedCopy}'s contiguous inner path.
 */
final class TransposeKernel implements Kernel {
    private final long[] perm;

    TransposeKernel(Node node) {
        perm = node.attributes().getInts("perm");
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        int r = x.rank();
        int[] p = permutation(r);
        int[] inStrides = Shapes.strides(x.dims());
        int[] dims = new int[r];
        int[] strides = new int[r];
        for (int i = 0; i < r; i++) {
            dims[i] = x.dim(p[i]);
            strides[i] = inStrides[p[i]];
        }
        Tensor y = ctx.output(0, x.dtype(), dims);
        StridedCopy.copy(x, 0, dims, strides, y, 0, ctx.parallel());
    }

    private int[] permutation(int r) {
        int[] p = new int[r];
        if (perm == null) {
            for (int i = 0; i < r; i++) p[i] = r - 1 - i;
            return p;
        }
        if (perm.length != r) {
            throw new IllegalArgumentException("Transpose perm " + Arrays.toString(perm) + " has " + perm.length + " entries, the input has rank " + r);
        }
        boolean[] seen = new boolean[r];
        for (int i = 0; i < r; i++) {
            long a = perm[i];
            if (a < 0) a += r;
            if (a < 0 || a >= r || seen[(int) a]) {
                throw new IllegalArgumentException("Transpose perm " + Arrays.toString(perm) + " is not a permutation of 0.." + (r - 1));
            }
            seen[(int) a] = true;
            p[i] = (int) a;
        }
        return p;
    }
}
