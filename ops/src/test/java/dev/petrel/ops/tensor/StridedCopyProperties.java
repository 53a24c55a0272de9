package dev.petrel.ops.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.ops.Shapes;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** The merged-dimension, block-copying strided engine against a plain element-by-element reference. */
class StridedCopyProperties {
    private static final DType[] TYPES = {DType.INT8, DType.FLOAT16, DType.FLOAT, DType.INT64};

    @Property(tries = 200)
    void transposeMatchesReference(@ForAll @IntRange(min = 0, max = 4) int rank, @ForAll long seed) {
        Random rnd = new Random(seed);
        int[] dims = new int[rank];
        for (int i = 0; i < rank; i++) dims[i] = 1 + rnd.nextInt(4);
        DType t = TYPES[rnd.nextInt(TYPES.length)];
        Tensor x = Tensor.allocate(t, dims);
        for (int i = 0; i < x.bytes().limit(); i++) x.bytes().put(i, (byte) rnd.nextInt());
        int[] perm = new int[rank];
        for (int i = 0; i < rank; i++) perm[i] = i;
        for (int i = rank - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int s = perm[i];
            perm[i] = perm[j];
            perm[j] = s;
        }
        long[] p = new long[rank];
        for (int i = 0; i < rank; i++) p[i] = perm[i];
        Tensor y = Harness.op("Transpose").ints("perm", p).in(x).runKernel()[0];

        int[] inStrides = Shapes.strides(dims);
        int[] outDims = y.dims();
        int w = t.byteSize();
        int[] idx = new int[rank];
        for (int o = 0; o < y.size(); o++) {
            int src = 0;
            for (int d = 0; d < rank; d++) src += idx[d] * inStrides[perm[d]];
            assertThat(ElementCopier.bits(y.bytes(), o, w)).isEqualTo(ElementCopier.bits(x.bytes(), src, w));
            for (int d = rank - 1; d >= 0; d--) {
                if (++idx[d] < outDims[d]) break;
                idx[d] = 0;
            }
        }
    }

    @Property(tries = 200)
    void sliceMatchesReference(@ForAll @IntRange(min = 0, max = 12) int n, @ForAll @IntRange(min = -15, max = 15) int start,
                               @ForAll @IntRange(min = -15, max = 15) int end, @ForAll @IntRange(min = -4, max = 4) int step) {
        if (step == 0) step = 1;
        Tensor x = Tensor.allocate(DType.INT32, n);
        for (int i = 0; i < n; i++) x.ints().put(i, i * 10);
        Tensor y = Harness.op("Slice").in(x, Harness.i64(start), Harness.i64(end), null, Harness.i64(step)).runKernel()[0];
        // Python's slice semantics, except that the spec clamps a backward start into [0, n-1]
        // (Python would give nothing for a start before the first element).
        java.util.List<Integer> expected = new java.util.ArrayList<>();
        int s = start < 0 ? start + n : start;
        int e = end < 0 ? end + n : end;
        if (step > 0) {
            s = Math.max(0, Math.min(n, s));
            e = Math.max(0, Math.min(n, e));
            for (int i = s; i < e; i += step) expected.add(i * 10);
        } else if (n > 0) {
            s = Math.max(0, Math.min(n - 1, s));
            e = Math.max(-1, Math.min(n - 1, e));
            for (int i = s; i > e; i += step) expected.add(i * 10);
        }
        assertThat(y.toIntArray()).containsExactly(expected.stream().mapToInt(Integer::intValue).toArray());
    }
}
