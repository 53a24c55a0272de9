package dev.petrel.ops.tensor;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Comparator;

/**
 * Unique over the flattened input, or over the slices along 'axis' (compared element by element in
 * row-major order). Outputs Y (sorted ascending, or in order of first occurrence with sorted=0),
 * the first-occurrence indices, the inverse indices and the counts, all INT64.
 */
final class UniqueKernel implements Kernel {
    private final boolean sorted;
    private final Long axis;

    UniqueKernel(Node node) {
        sorted = node.attributes().getInt("sorted", 1) != 0;
        axis = node.attributes().has("axis") ? node.attributes().getInt("axis", 0) : null;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        DType t = x.dtype();
        int a = axis == null ? -1 : ShapeArgs.axis(axis, x.rank(), "Unique axis");
        int outer = 1;
        int len = x.size();
        int inner = 1;
        if (a >= 0) {
            for (int d = 0; d < a; d++) outer *= x.dim(d);
            len = x.dim(a);
            for (int d = a + 1; d < x.rank(); d++) inner *= x.dim(d);
        }
        final int fOuter = outer, fLen = len, fInner = inner;
        ByteBuffer b = x.bytes();
        Comparator<Integer> bySlice = (i, j) -> {
            for (int o = 0; o < fOuter; o++) {
                int pi = (o * fLen + i) * fInner;
                int pj = (o * fLen + j) * fInner;
                for (int e = 0; e < fInner; e++) {
                    int c = Scalars.compare(b, pi + e, b, pj + e, t);
                    if (c != 0) return c;
                }
            }
            return 0;
        };
        Integer[] order = new Integer[len];
        for (int i = 0; i < len; i++) order[i] = i;
        // Stable: among equal slices the first occurrence comes first.
        Arrays.sort(order, bySlice);
        int[] group = new int[len];
        int groups = 0;
        int[] first = new int[len];
        int[] count = new int[len];
        for (int k = 0; k < len; k++) {
            int i = order[k];
            if (k == 0 || bySlice.compare(order[k - 1], i) != 0) {
                first[groups] = i;
                groups++;
            }
            group[i] = groups - 1;
            count[groups - 1]++;
        }
        // rank[g]: output position of sorted group g.
        int[] rank = new int[groups];
        if (sorted) {
            for (int g = 0; g < groups; g++) rank[g] = g;
        } else {
            Integer[] byFirst = new Integer[groups];
            for (int g = 0; g < groups; g++) byFirst[g] = g;
            Arrays.sort(byFirst, (g, h) -> Integer.compare(first[g], first[h]));
            for (int p = 0; p < groups; p++) rank[byFirst[p]] = p;
        }
        int[] dims;
        if (a < 0) {
            dims = new int[] {groups};
        } else {
            dims = x.dims();
            dims[a] = groups;
        }
        Tensor y = ctx.output(0, t, dims);
        for (int g = 0; g < groups; g++) {
            for (int o = 0; o < outer; o++) {
                ElementCopier.copy(x, (o * len + first[g]) * inner, y, (o * groups + rank[g]) * inner, inner);
            }
        }
        if (ctx.hasOutput(1)) {
            Tensor idx = ctx.output(1, DType.INT64, groups);
            for (int g = 0; g < groups; g++) idx.longs().put(rank[g], first[g]);
        }
        if (ctx.hasOutput(2)) {
            Tensor inv = ctx.output(2, DType.INT64, len);
            for (int i = 0; i < len; i++) inv.longs().put(i, rank[group[i]]);
        }
        if (ctx.hasOutput(3)) {
            Tensor cnt = ctx.output(3, DType.INT64, groups);
            for (int g = 0; g < groups; g++) cnt.longs().put(rank[g], count[g]);
        }
    }
}
